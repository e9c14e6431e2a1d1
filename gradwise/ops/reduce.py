"""Reductions over axes: sum, mean, var, max, min, logsumexp (std is sqrt of var).

Every reduction takes ``axis`` (int, tuple or None for all) and ``keepdims`` as in NumPy, and
also PyTorch's ``dim``/``keepdim`` spelling.
"""
import builtins
import math

from ..autograd import Function
from ..backend import xp
from .util import norm_axes, pick_axis


def _expand(g, axes, keepdims, shape):
    """Bring a reduced gradient back to the input's rank (a broadcastable view, no copy)."""
    return g if keepdims else g.reshape([1 if i in axes else n for i, n in enumerate(shape)])


class Sum(Function):
    saves_inputs = False

    def forward(self, a, axes, keepdims):
        self.axes, self.keepdims, self.shape = axes, keepdims, a.shape
        return xp.sum(a, axis=axes, keepdims=keepdims)

    def backward(self, g):
        return xp.broadcast_to(_expand(g, self.axes, self.keepdims, self.shape), self.shape)


class Mean(Function):
    saves_inputs = False

    def forward(self, a, axes, keepdims):
        self.axes, self.keepdims, self.shape = axes, keepdims, a.shape
        return xp.mean(a, axis=axes, keepdims=keepdims)

    def backward(self, g):
        count = math.prod(self.shape[i] for i in self.axes)
        return xp.broadcast_to(_expand(g, self.axes, self.keepdims, self.shape) / count, self.shape)


class Var(Function):
    def forward(self, a, axes, keepdims, correction):
        self.axes, self.keepdims = axes, keepdims
        self.denom = builtins.max(math.prod(a.shape[i] for i in axes) - correction, 0)
        centred = a - xp.mean(a, axis=axes, keepdims=True)
        self.save_for_backward(centred)
        return xp.sum(centred * centred, axis=axes, keepdims=keepdims) / self.denom

    def backward(self, g):
        centred = self.saved[0]
        return _expand(g, self.axes, self.keepdims, centred.shape) * (2.0 / self.denom) * centred


class Max(Function):
    """Largest value over axes; tied positions share the gradient equally (as torch.amax)."""
    pick = staticmethod(xp.max)

    def forward(self, a, axes, keepdims):
        out = self.pick(a, axis=axes, keepdims=True)
        self.save_for_backward(a, out)
        self.axes = axes
        return out if keepdims else out.reshape([n for i, n in enumerate(a.shape) if i not in axes])

    def backward(self, g):
        a, out = self.saved
        hit = a == out
        share = hit / xp.sum(hit, axis=self.axes, keepdims=True)
        return g.reshape(out.shape) * share.astype(g.dtype, copy=False)


class Min(Max):
    """Smallest value over axes; the gradient rule is Max's."""
    pick = staticmethod(xp.min)


class LogSumExp(Function):
    def forward(self, a, axes, keepdims):
        m = xp.max(a, axis=axes, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)      # all -inf (or inf) slices keep their value
        out = xp.log(xp.sum(xp.exp(a - m), axis=axes, keepdims=True)) + m
        self.save_for_backward(a, out)
        return out if keepdims else out.reshape([n for i, n in enumerate(a.shape) if i not in axes])

    def backward(self, g):
        a, out = self.saved
        return g.reshape(out.shape) * xp.exp(a - out)


def _reduce(cls, a, axis, keepdims, dim, keepdim, *extra):
    axis, keepdims = pick_axis(axis, keepdims, dim, keepdim)
    axes = norm_axes(axis, xp.ndim(getattr(a, "_data", a)), cls.__name__.lower())
    return cls.apply(a, axes, bool(keepdims), *extra)


def sum(a, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """Sum over ``axis`` (all axes when None)."""
    return _reduce(Sum, a, axis, keepdims, dim, keepdim)


def mean(a, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """Mean over ``axis`` (all axes when None)."""
    return _reduce(Mean, a, axis, keepdims, dim, keepdim)


def var(a, axis=None, keepdims=False, correction=1, *, dim=None, keepdim=None):
    """Variance over ``axis``; ``correction=1`` divides by N-1 (PyTorch's default), 0 by N."""
    return _reduce(Var, a, axis, keepdims, dim, keepdim, correction)


def std(a, axis=None, keepdims=False, correction=1, *, dim=None, keepdim=None):
    """Standard deviation: the square root of ``var`` with the same arguments."""
    from .elementwise import sqrt
    return sqrt(var(a, axis, keepdims, correction, dim=dim, keepdim=keepdim))


def max(a, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """Largest value over ``axis`` (values only; use ``argmax`` for positions)."""
    return _reduce(Max, a, axis, keepdims, dim, keepdim)


def min(a, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """Smallest value over ``axis``."""
    return _reduce(Min, a, axis, keepdims, dim, keepdim)


def logsumexp(a, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """log(sum(exp(a))) over ``axis``, computed without overflow."""
    return _reduce(LogSumExp, a, axis, keepdims, dim, keepdim)


def argmax(a, axis=None, keepdims=False):
    """Positions of the largest values (an int64 tensor, no gradient)."""
    from ..tensor import Tensor
    return Tensor(xp.argmax(getattr(a, "_data", a), axis=axis, keepdims=keepdims))


def argmin(a, axis=None, keepdims=False):
    """Positions of the smallest values (an int64 tensor, no gradient)."""
    from ..tensor import Tensor
    return Tensor(xp.argmin(getattr(a, "_data", a), axis=axis, keepdims=keepdims))
