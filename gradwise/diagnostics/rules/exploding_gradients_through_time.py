from .base import Rule
from .through_time import long_spans


class ExplodingGradientsThroughTime(Rule):
    """The hidden-state gradient of a recurrent layer growing from the last time step to the first."""
    code, scope = "exploding_gradients_through_time", "layer"
    thresholds = {"ratio": (1e2, "Pascanu, Mikolov & Bengio (2013): a recurrent Jacobian with spectral radius > 1 "
                                 "multiplies the gradient at every step; 100x from the last step to the first"),
                  "steps": (10, "sequences of at least 10 steps")}

    def check(self, rec):
        spans = long_spans(self, rec)
        if spans is None:
            return None
        return [self.finding(
            "warning", name, rec.step, {"first_over_last": span, "steps": steps},
            f"In {name} the gradient of the hidden state grows by a factor {span:.3g} from the last "
            f"of {steps} time steps to the first: back-propagation through time multiplies by the "
            f"recurrent weights again and again.", "Clip the gradient norm (nn.utils.clip_grad_norm_(params, "
            "1.0)), make the recurrent weights smaller (orthogonal, gain 1), or use LSTM/GRU.")
                for name, span, steps in spans if span > self.limit("ratio")]
