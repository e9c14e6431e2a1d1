import numpy as np

from ... import nn
from .base import Rule


class SymmetricInitialization(Rule):
    """A layer whose weight rows are all equal (zero or constant init)."""
    code, scope, phase = "symmetric_initialization", "layer", "preflight"

    def check(self, rec):
        found = []
        for name, m in rec.model.named_modules():
            w = m._parameters.get("weight") if name else None
            if w is None or w.ndim < 2 or isinstance(m, nn.Embedding):
                continue
            rows = w._data.reshape(w.shape[0], -1)
            if rows.shape[0] < 2 or not np.all(rows == rows[0]):
                continue
            what = "all zero" if not rows.any() else "constant" if np.all(rows == rows.flat[0]) else "identical rows"
            found.append(self.finding(
                "critical", name, 0, {"weights": what},
                f"The weights of {name} are {what}: every unit computes the same output and receives the same "
                f"gradient, so the units stay identical forever and the layer acts like a single unit.",
                "Initialise with small random values (the layer's default, or nn.init.kaiming_normal_ for ReLU, "
                "xavier_uniform_ for tanh/sigmoid).", immediate=True))
        return found
