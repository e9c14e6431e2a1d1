from .base import Rule
from .through_time import long_spans


class VanishingGradientsThroughTime(Rule):
    """The hidden-state gradient of a recurrent layer shrinking from the last time step to the first."""
    code, scope = "vanishing_gradients_through_time", "layer"
    thresholds = {"ratio": (1e-6, "Bengio, Simard & Frasconi (1994): the gradient reaching the first step "
                                  "one millionth of the last: the early inputs cannot be learnt from"),
                  "steps": (10, "sequences of at least 10 steps")}

    def check(self, rec):
        spans = long_spans(self, rec)
        if spans is None:
            return None
        return [self.finding(
            "warning", name, rec.step, {"first_over_last": span, "steps": steps},
            f"In {name} the gradient of the hidden state shrinks by a factor {1 / span:.2g} from the "
            f"last of {steps} time steps to the first: what happened early in a sequence cannot "
            f"influence learning.", "Use nn.LSTM or nn.GRU instead of nn.RNN, initialise the recurrent "
            "weights orthogonally (nn.init.orthogonal_), or shorten the sequences.")
                for name, span, steps in spans if span < self.limit("ratio")]
