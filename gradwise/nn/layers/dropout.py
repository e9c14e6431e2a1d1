"""Dropout: active in training mode only."""
from ... import functional as F
from ...arguments import real
from ...creation import _rng
from ..module import Module


class Dropout(Module):
    """Zero a random fraction ``p`` of the elements while training, scaling the rest by 1/(1-p),
    so that evaluation (where dropout is the identity) sees the same expected activation.

    Args:
        p: the fraction dropped (as in PyTorch), in [0, 1].
        generator: np.random.Generator or int seed of the masks.
    """
    def __init__(self, p=0.5, generator=None):
        super().__init__()
        self.p = real("Dropout", "p (the fraction dropped)", p, low=0, high=1)
        self._rng = _rng(generator)

    def forward(self, x):
        return F.dropout(x, self.p, self.training, self._rng)

    def extra_repr(self):
        return f"p={self.p}"
