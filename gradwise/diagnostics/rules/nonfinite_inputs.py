import numpy as np

from .base import Rule


class NonfiniteInputs(Rule):
    """NaN or infinite values in the first input batch."""
    code, phase = "nonfinite_inputs", "preflight"

    def check(self, rec):
        xs = np.asarray(rec.preflight["x"])
        if not np.issubdtype(xs.dtype, np.floating) or np.isfinite(xs).all():
            return []
        return [self.finding("critical", "", 0, {"nonfinite": int((~np.isfinite(xs)).sum())},
                             "The input batch contains NaN or infinite values; every gradient computed from them "
                             "will be NaN.", "Clean or impute the data before training.", immediate=True)]
