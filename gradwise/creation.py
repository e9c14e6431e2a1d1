"""Factories: zeros, ones, full, arange, randn, rand and the *_like forms.

Random factories take an optional ``generator``: an ``np.random.Generator``, a ``gw.Generator`` or an
int seed; without one they draw from the default generator that ``gw.manual_seed`` seeds.
"""
import numpy as np

from .backend import default_dtype, xp
from .random import rng
from .tensor import Tensor


def _shape(shape):
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape


_rng = rng     # np.random.Generator from a generator argument (None: the default generator)


def generator_stream(generator=None):
    """A function returning a new, independent np.random.Generator on each call, all derived from
    ``generator`` (a Generator, a seed or None): one per layer when building a model."""
    rng = _rng(generator)
    return lambda: np.random.default_rng(int(rng.integers(0, 2 ** 32)))


def zeros(*shape, dtype=None, requires_grad=False):
    """A tensor of zeros, e.g. ``gw.zeros(2, 3)`` or ``gw.zeros((2, 3))``."""
    return Tensor(xp.zeros(_shape(shape), dtype=dtype or default_dtype), requires_grad=requires_grad)


def ones(*shape, dtype=None, requires_grad=False):
    """A tensor of ones."""
    return Tensor(xp.ones(_shape(shape), dtype=dtype or default_dtype), requires_grad=requires_grad)


def full(shape, fill_value, dtype=None, requires_grad=False):
    """A tensor of ``shape`` filled with ``fill_value``."""
    return Tensor(xp.full(shape, fill_value, dtype=dtype or default_dtype), requires_grad=requires_grad)


def zeros_like(t, dtype=None, requires_grad=False):
    """Zeros with the shape (and dtype, unless given) of ``t``."""
    return Tensor(xp.zeros_like(getattr(t, "data", t), dtype=dtype), requires_grad=requires_grad)


def ones_like(t, dtype=None, requires_grad=False):
    """Ones with the shape (and dtype, unless given) of ``t``."""
    return Tensor(xp.ones_like(getattr(t, "data", t), dtype=dtype), requires_grad=requires_grad)


def arange(start, stop=None, step=1, dtype=None, requires_grad=False):
    """Evenly spaced values in [start, stop); integers give int64, floats the default dtype."""
    if stop is None:
        start, stop = 0, start
    if dtype is None and any(isinstance(v, float) for v in (start, stop, step)):
        dtype = default_dtype
    return Tensor(xp.arange(start, stop, step, dtype=dtype), requires_grad=requires_grad)


def randn(*shape, generator=None, dtype=None, requires_grad=False):
    """Standard normal samples. ``generator``: np.random.Generator or int seed (None: fresh entropy)."""
    data = _rng(generator).standard_normal(_shape(shape), dtype=np.float64).astype(dtype or default_dtype)
    return Tensor(data, requires_grad=requires_grad)


def rand(*shape, generator=None, dtype=None, requires_grad=False):
    """Uniform samples in [0, 1). ``generator``: np.random.Generator or int seed."""
    data = _rng(generator).random(_shape(shape)).astype(dtype or default_dtype)
    return Tensor(data, requires_grad=requires_grad)
