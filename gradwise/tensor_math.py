"""Tensor methods for math: elementwise functions, reductions, comparisons and activations, with
PyTorch's names and arguments (``dim``/``keepdim``; NumPy's ``axis``/``keepdims`` also work).

Every method is a thin call of an op in ``gradwise.ops``; gradients come from there.
"""
import collections

import numpy as np

from .backend import xp
from .errors import ArgumentError, ArgumentTypeError

# PyTorch's named results of max(dim), sort, topk ...: values and indices
MaxResult = collections.namedtuple("max", ["values", "indices"])
MinResult = collections.namedtuple("min", ["values", "indices"])
SortResult = collections.namedtuple("sort", ["values", "indices"])
TopKResult = collections.namedtuple("topk", ["values", "indices"])
MedianResult = collections.namedtuple("median", ["values", "indices"])


def _dim(dim, axis):
    return axis if dim is None else dim


class MathMethods:
    """Mixed into ``Tensor``."""
    __slots__ = ()

    # ----- elementwise -------------------------------------------------------------------
    def exp(self): return E.exp(self)
    def log(self): return E.log(self)
    def log2(self): return E.div(E.log(self), float(np.log(2.0)))
    def log10(self): return E.div(E.log(self), float(np.log(10.0)))
    def log1p(self): return M.log1p(self)
    def expm1(self): return M.expm1(self)
    def sqrt(self): return E.sqrt(self)
    def rsqrt(self): return E.div(1.0, E.sqrt(self))
    def square(self): return E.mul(self, self)
    def reciprocal(self): return E.div(1.0, self)
    def abs(self): return E.abs(self)
    absolute = abs
    def neg(self): return E.neg(self)
    negative = neg
    def sign(self): return M.sign(self)
    def sin(self): return M.sin(self)
    def cos(self): return M.cos(self)
    def tan(self): return M.tan(self)
    def atan(self): return M.atan(self)
    def erf(self): return M.erf(self)
    def floor(self): return M.floor(self)
    def ceil(self): return M.ceil(self)
    def trunc(self): return M.trunc(self)
    def round(self, decimals=0): return M.round(self, decimals)
    def frac(self): return E.sub(self, M.trunc(self))
    def pow(self, exponent): return E.pow(self, exponent)
    def maximum(self, other): return E.maximum(self, other)
    def minimum(self, other): return E.minimum(self, other)
    def remainder(self, other): return E.remainder(self, other)
    def fmod(self, other): return E.fmod(self, other)
    def floor_divide(self, other): return E.floor_divide(self, other)

    def add(self, other, alpha=1):
        return E.add(self, other if alpha == 1 else E.mul(other, alpha))

    def sub(self, other, alpha=1):
        return E.sub(self, other if alpha == 1 else E.mul(other, alpha))

    subtract = sub

    def mul(self, other): return E.mul(self, other)
    multiply = mul

    def div(self, other, rounding_mode=None):
        if rounding_mode is None:
            return E.div(self, other)
        if rounding_mode == "floor":
            return E.floor_divide(self, other)
        if rounding_mode == "trunc":
            return M.trunc(E.div(self, other))
        raise ArgumentError(f"div: rounding_mode must be None, 'floor' or 'trunc'; got {rounding_mode!r}")

    divide = true_divide = div

    def clamp(self, min=None, max=None):
        return E.clip(self, _scalar(min), _scalar(max))

    clip = clamp

    def clamp_min(self, min): return E.clip(self, _scalar(min), None)
    def clamp_max(self, max): return E.clip(self, None, _scalar(max))

    def lerp(self, end, weight):
        return E.add(self, E.mul(weight, E.sub(end, self)))

    def addcmul(self, tensor1, tensor2, value=1):
        return E.add(self, E.mul(E.mul(tensor1, tensor2), value))

    def addcdiv(self, tensor1, tensor2, value=1):
        return E.add(self, E.mul(E.div(tensor1, tensor2), value))

    def where(self, condition, other):
        return E.where(condition, self, other)

    def masked_fill(self, mask, value):
        """``value`` where ``mask`` is True (mask broadcasts), else this tensor."""
        mask = getattr(mask, "_data", mask)
        if np.asarray(mask).dtype != bool:
            raise ArgumentTypeError(f"masked_fill: mask must be a bool tensor; got dtype {np.asarray(mask).dtype}")
        return E.where(mask, _scalar(value), self)

    # ----- matrix products ---------------------------------------------------------------
    def matmul(self, other): return L.matmul(self, other)
    mm = bmm = mv = matmul

    def dot(self, other): return L.matmul(self, other)

    def outer(self, other):
        return E.mul(S.unsqueeze(self, -1), other)

    ger = outer

    def norm(self, p="fro", dim=None, keepdim=False):
        return L.norm(self, p, dim, keepdim)

    # ----- activations -------------------------------------------------------------------
    def sigmoid(self): return A.sigmoid(self)
    def tanh(self): return A.tanh(self)
    def relu(self): return A.relu(self)

    def softmax(self, dim=-1, dtype=None):
        return A.softmax(self if dtype is None else self.to(dtype), dim)

    def log_softmax(self, dim=-1, dtype=None):
        return A.log_softmax(self if dtype is None else self.to(dtype), dim)

    # ----- reductions --------------------------------------------------------------------
    def sum(self, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None, out=None):
        _no_out(out)
        x = self if dtype is None else self.to(dtype)
        if dtype is None and self._data.dtype.kind in "biu":
            x = self.to(np.int64)       # integer sums do not overflow small types, as in PyTorch
        return R.sum(x, _dim(dim, axis), keepdims if keepdims is not None else keepdim)

    def mean(self, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None, out=None):
        _no_out(out)
        x = self if dtype is None else self.to(dtype)
        if x._data.dtype.kind not in "fc":
            raise ArgumentTypeError(f"mean() needs a floating tensor; got dtype {x._data.dtype}. Use .float().mean()")
        return R.mean(x, _dim(dim, axis), keepdims if keepdims is not None else keepdim)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
        return R.var(self, _dim(dim, axis), keepdims if keepdims is not None else keepdim,
                     _correction(unbiased, correction))

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
        return R.std(self, _dim(dim, axis), keepdims if keepdims is not None else keepdim,
                     _correction(unbiased, correction))

    def prod(self, dim=None, keepdim=False, dtype=None):
        return C.prod(self if dtype is None else self.to(dtype), dim, keepdim)

    def logsumexp(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return R.logsumexp(self, _dim(dim, axis), keepdims if keepdims is not None else keepdim)

    def amax(self, dim=None, keepdim=False):
        return R.max(self, dim, keepdim)

    def amin(self, dim=None, keepdim=False):
        return R.min(self, dim, keepdim)

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None, out=None):
        """The largest value; with ``dim``, (values, indices) along it; with a tensor, the
        elementwise maximum (PyTorch's three forms)."""
        _no_out(out)
        return _extreme(self, dim if dim is not None else axis, keepdims if keepdims is not None else keepdim,
                        R.max, E.maximum, xp.argmax, MaxResult)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None, out=None):
        """The smallest value; with ``dim``, (values, indices); with a tensor, elementwise minimum."""
        _no_out(out)
        return _extreme(self, dim if dim is not None else axis, keepdims if keepdims is not None else keepdim,
                        R.min, E.minimum, xp.argmin, MinResult)

    def argmax(self, dim=None, keepdim=False, *, axis=None, keepdims=None, out=None):
        _no_out(out)
        return _arg(self._data, xp.argmax, _dim(dim, axis), keepdims if keepdims is not None else keepdim)

    def argmin(self, dim=None, keepdim=False, *, axis=None, keepdims=None, out=None):
        _no_out(out)
        return _arg(self._data, xp.argmin, _dim(dim, axis), keepdims if keepdims is not None else keepdim)

    def median(self, dim=None, keepdim=False):
        """The lower median (PyTorch's rule); with ``dim``, (values, indices)."""
        if dim is None:
            flat = self.reshape(-1)
            order = xp.argsort(flat._data, kind="stable")
            return flat[int(order[(flat._data.size - 1) // 2])]
        order = xp.argsort(self._data, axis=dim, kind="stable")
        mid = xp.take(order, [(self._data.shape[dim] - 1) // 2], axis=dim)
        values = I.gather(self, dim, mid)
        if not keepdim:
            values, mid = S.squeeze(values, dim), xp.squeeze(mid, dim)
        return MedianResult(values, _wrap(mid))

    def cumsum(self, dim, dtype=None):
        return C.cumsum(self if dtype is None else self.to(dtype), dim)

    def cumprod(self, dim, dtype=None):
        return C.cumprod(self if dtype is None else self.to(dtype), dim)

    def all(self, dim=None, keepdim=False, *, axis=None, keepdims=None, out=None):
        _no_out(out)
        return _wrap(xp.all(self._data, axis=_dim(dim, axis), keepdims=keepdims if keepdims is not None else keepdim))

    def any(self, dim=None, keepdim=False, *, axis=None, keepdims=None, out=None):
        _no_out(out)
        return _wrap(xp.any(self._data, axis=_dim(dim, axis), keepdims=keepdims if keepdims is not None else keepdim))

    def count_nonzero(self, dim=None):
        return _wrap(xp.asarray(xp.count_nonzero(self._data, axis=dim), dtype=np.int64))

    def sort(self, dim=-1, descending=False, stable=False):
        order = xp.argsort(-self._data if descending else self._data, axis=dim, kind="stable")
        return SortResult(I.gather(self, dim, order), _wrap(order))

    def argsort(self, dim=-1, descending=False, stable=False):
        return _wrap(xp.argsort(-self._data if descending else self._data, axis=dim, kind="stable"))

    def topk(self, k, dim=-1, largest=True, sorted=True):
        n = self._data.shape[dim]
        if not 0 <= k <= n:
            raise ArgumentError(f"topk: k must be in [0, {n}] for dimension {dim} of shape {tuple(self._data.shape)}; "
                             f"got {k}")
        order = xp.argsort(-self._data if largest else self._data, axis=dim, kind="stable")
        idx = xp.take(order, range(k), axis=dim)
        return TopKResult(I.gather(self, dim, idx), _wrap(idx))

    # ----- comparisons and tests (no gradient) -------------------------------------------
    def eq(self, other): return E.eq(self, other)
    def ne(self, other): return E.ne(self, other)
    def lt(self, other): return E.lt(self, other)
    def le(self, other): return E.le(self, other)
    def gt(self, other): return E.gt(self, other)
    def ge(self, other): return E.ge(self, other)
    greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne
    def isnan(self): return E.isnan(self)
    def isinf(self): return E.isinf(self)
    def isfinite(self): return E.isfinite(self)
    def logical_not(self): return E.logical_not(self)
    def logical_and(self, other): return E.logical_and(self, other)
    def logical_or(self, other): return E.logical_or(self, other)
    def logical_xor(self, other): return E.logical_xor(self, other)

    def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
        return _wrap(xp.nan_to_num(self._data, nan=nan, posinf=posinf, neginf=neginf))

    def equal(self, other) -> bool:
        o = getattr(other, "_data", other)
        return self._data.shape == np.shape(o) and bool(xp.array_equal(self._data, o))

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
        return bool(xp.allclose(self._data, getattr(other, "_data", other), rtol, atol, equal_nan))

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return _wrap(xp.isclose(self._data, getattr(other, "_data", other), rtol, atol, equal_nan))


def _no_out(out):
    if out is not None:
        raise ArgumentTypeError("out= is not supported by gradwise reductions; assign the result instead")


def _scalar(v):
    """A bound given as a 0-d tensor becomes a number (clamp(min=t) works as in PyTorch)."""
    return v.item() if hasattr(v, "_data") and v._data.size == 1 else getattr(v, "_data", v)


def _correction(unbiased, correction):
    if correction is not None:
        return correction
    return 0 if unbiased is False else 1


def _wrap(array):
    from .tensor import Tensor
    return Tensor._make(xp.asarray(array), None)


def _arg(data, fn, dim, keepdim):
    if dim is None:
        out = fn(data)
        return _wrap(xp.asarray(out, dtype=np.int64).reshape((1,) * data.ndim if keepdim else ()))
    return _wrap(fn(data, axis=dim, keepdims=keepdim).astype(np.int64, copy=False))


def _extreme(t, dim, keepdim, reduce, elementwise, argfn, result):
    from .tensor import Tensor
    if isinstance(dim, (Tensor, np.ndarray)):       # max(other): elementwise
        return elementwise(t, dim)
    if dim is None:
        if t._data.size == 0:
            raise ArgumentError("max()/min() of an empty tensor; give a dim or check the input")
        return reduce(t)
    idx = xp.expand_dims(argfn(t._data, axis=dim), dim)
    values = I.gather(t, dim, idx)
    if not keepdim:
        values, idx = S.squeeze(values, dim), xp.squeeze(idx, dim)
    return result(values, _wrap(idx.astype(np.int64, copy=False)))


from .ops import activation as A, elementwise as E, index as I, linalg as L, math as M  # noqa: E402
from .ops import reduce as R, scan as C, shape as S  # noqa: E402
