from .base import Rule
from .through_time import _span


class ExplodingGradientsThroughTime(Rule):
    """The hidden-state gradient of a recurrent layer growing from the last time step to the first."""
    code, scope = "exploding_gradients_through_time", "layer"
    thresholds = {"ratio": (1e2, "Pascanu, Mikolov & Bengio (2013): a recurrent Jacobian with spectral radius > 1 "
                                 "multiplies the gradient at every step; 100x from the last step to the first"),
                  "steps": (10, "sequences of at least 10 steps")}

    def check(self, rec):
        if not rec.time_grads:
            return None
        found = []
        for name, norms in rec.time_grads.items():
            if len(norms) >= self.limit("steps") and _span(norms) > self.limit("ratio"):
                found.append(self.finding(
                    "warning", name, rec.step, {"first_over_last": _span(norms), "steps": len(norms)},
                    f"In {name} the gradient of the hidden state grows by a factor {_span(norms):.3g} from the last "
                    f"of {len(norms)} time steps to the first: back-propagation through time multiplies by the "
                    f"recurrent weights again and again.", "Clip the gradient norm (nn.utils.clip_grad_norm_(params, "
                    "1.0)), make the recurrent weights smaller (orthogonal, gain 1), or use LSTM/GRU."))
        return found
