"""Dropout of elements and of whole channels: active in training mode only."""
from ... import functional as F
from ...arguments import real
from ...random import rng
from ..module import Module


class Dropout(Module):
    """Zero a random fraction ``p`` of the elements while training, scaling the rest by 1/(1-p),
    so that evaluation (where dropout is the identity) sees the same expected activation.

    Args:
        p: the fraction dropped (as in PyTorch), in [0, 1].
        inplace: write the result into the input.
        generator: np.random.Generator or int seed of the masks (default: the global generator).
    """
    _fn = staticmethod(F.dropout)

    def __init__(self, p=0.5, inplace=False, generator=None):
        super().__init__()
        self.p = real(type(self).__name__, "p (the fraction dropped)", p, low=0, high=1)
        self.inplace = inplace
        # None: draw from the global default generator at each call (so copies of this layer, e.g.
        # the layers of a TransformerEncoder, draw different masks, and gw.manual_seed governs them)
        self._rng = None if generator is None else rng(generator)

    def forward(self, x):
        return self._fn(x, self.p, self.training, self.inplace, generator=self._rng)

    def extra_repr(self):
        return f"p={self.p}" + (", inplace=True" if self.inplace else "")


class Dropout1d(Dropout):
    """Zero whole channels of (N, C, L) input with probability ``p`` while training."""
    _fn = staticmethod(F.dropout1d)


class Dropout2d(Dropout):
    """Zero whole feature maps of (N, C, H, W) input with probability ``p`` while training."""
    _fn = staticmethod(F.dropout2d)


class Dropout3d(Dropout):
    """Zero whole channels of (N, C, D, H, W) input with probability ``p`` while training."""
    _fn = staticmethod(F.dropout3d)
