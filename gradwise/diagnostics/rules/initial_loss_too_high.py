import math

import numpy as np

from .base import Rule


class InitialLossTooHigh(Rule):
    """A classifier's first loss far above ln(K), the loss of a uniform guess."""
    code, phase = "initial_loss_too_high", "preflight"
    thresholds = {"factor": (2.0, "CS231n, Neural Networks Part 3: the initial softmax loss should be about ln(K); "
                                  "2 ln(K) is flagged")}

    def check(self, rec):
        p = rec.preflight
        out, loss = p["out"], p["loss"]
        if not p["is_classifier"] or out is None or out.ndim != 2 or loss is None or not math.isfinite(loss) \
                or p["y"] is None or not np.issubdtype(np.asarray(p["y"]).dtype, np.integer):
            return []
        k = out.shape[1]
        if k <= 1 or loss <= self.limit("factor") * math.log(k):
            return []
        return [self.finding(
            "warning", "", 0, {"initial_loss": loss, "ln_k": math.log(k)},
            f"The initial loss is {loss:.3g}, far above ln({k}) = {math.log(k):.3g}, the loss of a model that "
            f"guesses uniformly. The initial outputs are confidently wrong.",
            "Use the default initialisation for the output layer (or scale its weights down), and scale the inputs.",
            immediate=True)]
