import numpy as np

from ... import nn
from .base import Rule


class UnscaledInputs(Rule):
    """Inputs far from zero mean and unit variance, or raw integer pixels."""
    code, phase = "unscaled_inputs", "preflight"
    thresholds = {"scale": (3.0, "LeCun et al., Efficient BackProp (1998), 4.3: inputs should be zero-mean with "
                                 "variance near 1; 3x off (mean or std above 3) is flagged, so 0..16 and 0..255 pixel "
                                 "values are"),
                  "flat": (1e-3, "a standard deviation below 1e-3 carries almost no signal")}

    def check(self, rec):
        x = np.asarray(rec.preflight["x"])
        if not x.size or not (np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.integer)):
            return []
        if np.issubdtype(x.dtype, np.integer) and _takes_indices(rec.model):
            return []                           # token or class indices for an embedding: not features
        xs = x.astype(np.float64)
        if not np.isfinite(xs).all():
            return []
        mean, std = float(xs.mean()), float(xs.std())
        big = self.limit("scale")
        if abs(mean) <= big and std <= big and std >= self.limit("flat") and not np.issubdtype(x.dtype, np.integer):
            return []
        kind = f"raw {x.dtype} values from {xs.min():.3g} to {xs.max():.3g}" if np.issubdtype(x.dtype, np.integer) \
            else f"values from {xs.min():.3g} to {xs.max():.3g}"
        return [self.finding(
            "warning", "", 0, {"mean": mean, "std": std, "dtype": str(x.dtype)},
            f"The inputs are {kind}, with mean {mean:.3g} and standard deviation {std:.3g}. Unscaled inputs make "
            f"the first layer's pre-activations huge (or tiny), which saturates units and forces a tiny learning "
            f"rate.", "Standardise each feature to mean 0 and standard deviation 1 (or scale pixels to [0, 1]: "
            "x.float() / 255).", immediate=True)]


def _takes_indices(model):
    first = next((m for _, m in model.named_modules() if any(p is not None for p in m._parameters.values())), None)
    return isinstance(first, nn.Embedding)
