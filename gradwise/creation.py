"""Factories with PyTorch's signatures: zeros, ones, full, empty, eye, arange, linspace, the
random ones (randn, rand, randint, randperm, multinomial, bernoulli, normal) and the *_like forms.

Every factory takes ``dtype=``, ``device=`` and ``requires_grad=``. Random factories take an
optional ``generator``: an ``np.random.Generator``, a ``gw.Generator`` or an int seed; without
one they draw from the default generator that ``gw.manual_seed`` seeds.
"""
import numbers

import numpy as np

from . import backend
from .backend import xp
from .dtypes import as_dtype
from .random import rng
from .tensor import Tensor
from .errors import ArgumentError, ArgumentTypeError

_rng = rng     # np.random.Generator from a generator argument (None: the default generator)


def _shape(shape):
    shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else tuple(shape)
    out = []
    for s in shape:
        s = int(s.item()) if hasattr(s, "_data") else s
        if not isinstance(s, numbers.Integral) or s < 0:
            raise ArgumentError(f"sizes must be non-negative ints; got {shape}")
        out.append(int(s))
    return tuple(out)


def _make(array, dtype, device, requires_grad):
    dtype = as_dtype(dtype)
    if dtype is not None and array.dtype != dtype:
        array = array.astype(dtype)
    return Tensor(array, requires_grad=requires_grad, device=device)


def _float(dtype):
    return as_dtype(dtype) or backend.default_dtype


def generator_stream(generator=None):
    """A function returning a new, independent np.random.Generator on each call, all derived from
    ``generator`` (a Generator, a seed or None): one per layer when building a model."""
    source = _rng(generator)
    return lambda: np.random.default_rng(int(source.integers(0, 2 ** 32)))


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    """A tensor of zeros, e.g. ``gw.zeros(2, 3)`` or ``gw.zeros((2, 3))``."""
    return _make(xp.zeros(_shape(size), dtype=_float(dtype)), None, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    """A tensor of ones."""
    return _make(xp.ones(_shape(size), dtype=_float(dtype)), None, device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None, memory_format=None):
    """A tensor to be filled (gradwise gives zeros, never uninitialised memory)."""
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    """A tensor of ``size`` filled with ``fill_value``; the dtype follows the value (bool, int
    64 or the default float), as in PyTorch."""
    if dtype is None:
        v = fill_value.item() if hasattr(fill_value, "_data") else fill_value
        dtype = np.bool_ if isinstance(v, bool) else np.int64 if isinstance(v, numbers.Integral) else \
            backend.default_dtype
    return _make(xp.full(_shape((size,)), fill_value, dtype=as_dtype(dtype)), None, device, requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    """The identity matrix (n x m)."""
    return _make(xp.eye(n, m, dtype=_float(dtype)), None, device, requires_grad)


def zeros_like(input, dtype=None, device=None, requires_grad=False, memory_format=None):
    """Zeros with the shape (and dtype, unless given) of ``input``."""
    return _make(xp.zeros_like(_arr(input), dtype=as_dtype(dtype)), None, device, requires_grad)


def ones_like(input, dtype=None, device=None, requires_grad=False, memory_format=None):
    """Ones with the shape (and dtype, unless given) of ``input``."""
    return _make(xp.ones_like(_arr(input), dtype=as_dtype(dtype)), None, device, requires_grad)


def empty_like(input, dtype=None, device=None, requires_grad=False, memory_format=None):
    return zeros_like(input, dtype, device, requires_grad)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _make(xp.full_like(_arr(input), fill_value, dtype=as_dtype(dtype)), None, device, requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False, out=None):
    """Evenly spaced values in [start, end); integers give int64, floats the default dtype."""
    if end is None:
        start, end = 0, start
    start, end, step = (v.item() if hasattr(v, "_data") else v for v in (start, end, step))
    if dtype is None:
        dtype = backend.default_dtype if any(isinstance(v, float) for v in (start, end, step)) else np.int64
    if step == 0:
        raise ArgumentError("arange: step must not be 0")
    return _make(xp.arange(start, end, step, dtype=as_dtype(dtype)), None, device, requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    """``steps`` values from start to end, both included."""
    return _make(xp.linspace(start, end, int(steps), dtype=np.float64).astype(_float(dtype)), None, device,
                 requires_grad)


def logspace(start, end, steps, base=10.0, dtype=None, device=None, requires_grad=False):
    """``steps`` values from base**start to base**end, spaced evenly on a log scale."""
    return _make(xp.logspace(start, end, int(steps), base=base).astype(_float(dtype)), None, device,
                 requires_grad)


# ----- random ---------------------------------------------------------------------------
def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    """Standard normal samples."""
    data = _rng(generator).standard_normal(_shape(size), dtype=np.float64).astype(_float(dtype))
    return _make(data, None, device, requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    """Uniform samples in [0, 1)."""
    return _make(_rng(generator).random(_shape(size)).astype(_float(dtype)), None, device, requires_grad)


def randint(low=0, high=None, size=None, *args, generator=None, dtype=None, device=None, requires_grad=False):
    """Integers uniform in [low, high): ``randint(high, size)`` or ``randint(low, high, size)``."""
    if size is None and isinstance(high, (tuple, list)):
        low, high, size = 0, low, high
    if size is None:
        raise ArgumentTypeError("randint: give a size, e.g. gw.randint(0, 10, (3,))")
    data = _rng(generator).integers(low, high, _shape((size,)))
    return _make(data.astype(as_dtype(dtype) or np.int64), None, device, requires_grad)


def randn_like(input, dtype=None, device=None, requires_grad=False, generator=None):
    a = _arr(input)
    return randn(*a.shape, generator=generator, dtype=dtype or a.dtype, requires_grad=requires_grad)


def rand_like(input, dtype=None, device=None, requires_grad=False, generator=None):
    a = _arr(input)
    return rand(*a.shape, generator=generator, dtype=dtype or a.dtype, requires_grad=requires_grad)


def randint_like(input, low=0, high=None, dtype=None, device=None, generator=None):
    if high is None:
        low, high = 0, low
    a = _arr(input)
    return randint(low, high, a.shape, generator=generator, dtype=dtype or a.dtype)


def randperm(n, generator=None, dtype=None, device=None, requires_grad=False):
    """A random permutation of 0..n-1 (int64)."""
    return _make(_rng(generator).permutation(int(n)).astype(as_dtype(dtype) or np.int64), None, device,
                 requires_grad)


def normal(mean=0.0, std=1.0, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    """Normal samples with the given mean and std (tensors broadcast, or numbers with ``size``)."""
    m, s = _arr(mean), _arr(std)
    shape = _shape((size,)) if size is not None else np.broadcast_shapes(m.shape, s.shape)
    dtype = dtype or (m.dtype if m.dtype.kind == "f" else s.dtype if s.dtype.kind == "f" else None)
    data = _rng(generator).normal(m, s, shape).astype(_float(dtype))
    return _make(data, None, device, requires_grad)


def bernoulli(input, p=None, generator=None):
    """1 with probability ``input`` (or ``p``), else 0, in ``input``'s dtype."""
    probs = _arr(input) if p is None else np.broadcast_to(np.asarray(p), _arr(input).shape)
    if probs.size and (probs.min() < 0 or probs.max() > 1):
        raise ArgumentError(f"bernoulli: probabilities must lie in [0, 1]; got {probs.min()}..{probs.max()}")
    return Tensor((_rng(generator).random(probs.shape) < probs).astype(_arr(input).dtype))


def multinomial(input, num_samples, replacement=False, generator=None):
    """Draw ``num_samples`` category indices per row from the (unnormalised) weights ``input``."""
    w = np.asarray(_arr(input), dtype=np.float64)
    if w.ndim not in (1, 2):
        raise ArgumentError(f"multinomial: weights must be 1-D or 2-D; got shape {w.shape}")
    if w.size and (w.min() < 0 or not np.isfinite(w).all()):
        raise ArgumentError("multinomial: weights must be finite and non-negative")
    rows = w.reshape(-1, w.shape[-1])
    sums = rows.sum(axis=1)
    if (sums <= 0).any():
        raise ArgumentError("multinomial: a row of weights sums to 0")
    if not replacement and num_samples > rows.shape[1]:
        raise ArgumentError(f"multinomial: cannot draw {num_samples} samples without replacement from "
                         f"{rows.shape[1]} categories")
    r = _rng(generator)
    out = np.stack([r.choice(rows.shape[1], size=num_samples, replace=replacement, p=row / s)
                    for row, s in zip(rows, sums)])
    return Tensor(out.reshape(w.shape[:-1] + (num_samples,)).astype(np.int64))


def _arr(v):
    return getattr(v, "_data", None) if hasattr(v, "_data") else np.asarray(v)
