"""PyTorch's top-level functions on tensors (``gw.cat``, ``gw.where``, ``gw.exp``, ``gw.sum`` ...).

Each is the Tensor method or op of the same name; inputs may be tensors, arrays or numbers.
"""
import numpy as np

from .ops import elementwise as E, index as I, linalg as L, scan as C, shape as S
from .tensor import Tensor, tensor
from .errors import ArgumentTypeError


def _t(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def from_numpy(array):
    """Wrap an ndarray without a copy (changes to one show in the other)."""
    if not isinstance(array, np.ndarray):
        raise ArgumentTypeError(f"from_numpy expects a NumPy array; got {type(array).__name__}")
    return Tensor(array)


def as_tensor(data, dtype=None, device=None):
    """A tensor sharing ``data``'s memory when it is already an array of that dtype."""
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtype):
        return data
    from .dtypes import as_dtype
    return Tensor(data, dtype=as_dtype(dtype), device=device)


def numel(input): return _t(input).numel()


def cat(tensors, dim=0, *, axis=None, out=None):
    """Join tensors along an existing dimension (empty 1-D tensors are skipped, as PyTorch does)."""
    tensors = [t for t in tensors if not (getattr(t, "ndim", 1) == 1 and np.shape(getattr(t, "_data", t))[0] == 0)] \
        or list(tensors)[:1]
    return S.concatenate(tensors, dim if axis is None else axis)


concat = concatenate = cat


def stack(tensors, dim=0, *, axis=None, out=None):
    """Join tensors of equal shape along a new dimension."""
    return S.stack(list(tensors), dim if axis is None else axis)


def hstack(tensors):
    tensors = list(tensors)
    return cat(tensors, 0 if _t(tensors[0]).ndim == 1 else 1)


def vstack(tensors):
    return cat([_t(t).reshape(1, -1) if _t(t).ndim == 1 else t for t in tensors], 0)


def where(condition, input=None, other=None):
    """``input`` where ``condition`` holds, else ``other``; with one argument, the indices of the
    True entries (a tuple, as ``nonzero(as_tuple=True)``)."""
    if input is None and other is None:
        return _t(condition).nonzero(as_tuple=True)
    return E.where(getattr(condition, "_data", condition), input, other)


def clamp(input, min=None, max=None): return _t(input).clamp(min, max)


clip = clamp


def flatten(input, start_dim=0, end_dim=-1): return S.flatten(input, start_dim, end_dim)
def reshape(input, shape): return _t(input).reshape(shape)
def squeeze(input, dim=None): return _t(input).squeeze(dim)
def unsqueeze(input, dim): return S.unsqueeze(input, dim)
def transpose(input, dim0, dim1): return S.transpose(input, dim0, dim1)
def permute(input, dims): return _t(input).permute(*dims)
def t(input): return _t(input).t()
def chunk(input, chunks, dim=0): return _t(input).chunk(chunks, dim)
def split(tensor, split_size_or_sections, dim=0): return _t(tensor).split(split_size_or_sections, dim)
def unbind(input, dim=0): return _t(input).unbind(dim)
def narrow(input, dim, start, length): return _t(input).narrow(dim, start, length)
def gather(input, dim, index): return I.gather(input, dim, index)
def scatter(input, dim, index, src=None, value=None): return _t(input).scatter(dim, index, src, value)
def scatter_add(input, dim, index, src): return I.scatter_add(input, dim, index, src)
def index_select(input, dim, index): return _t(input).index_select(dim, index)
def masked_fill(input, mask, value): return _t(input).masked_fill(mask, value)
def masked_select(input, mask): return _t(input).masked_select(mask)
def take_along_dim(input, indices, dim): return I.gather(input, dim, indices)
def flip(input, dims): return C.flip(input, dims)
def roll(input, shifts, dims=None): return C.roll(input, shifts, dims)
def tril(input, diagonal=0): return C.tril(input, diagonal)
def triu(input, diagonal=0): return C.triu(input, diagonal)
def diag(input, diagonal=0): return _t(input).diag(diagonal)
def cumsum(input, dim, dtype=None): return _t(input).cumsum(dim, dtype)
def cumprod(input, dim, dtype=None): return _t(input).cumprod(dim, dtype)
def repeat_interleave(input, repeats, dim=None): return _t(input).repeat_interleave(repeats, dim)
def tile(input, dims): return _t(input).tile(*dims)
def movedim(input, source, destination): return _t(input).movedim(source, destination)
def nonzero(input, as_tuple=False): return _t(input).nonzero(as_tuple)
def argwhere(input): return _t(input).nonzero()
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    return _t(input).unique(sorted, return_inverse, return_counts, dim)


def matmul(input, other): return L.matmul(input, other)


mm = bmm = mv = matmul


def dot(input, other): return L.matmul(input, other)
def outer(input, vec2): return _t(input).outer(vec2)
def einsum(equation, *operands): return L.einsum(equation, *operands)
def norm(input, p="fro", dim=None, keepdim=False): return L.norm(input, p, dim, keepdim)


def cdist(x1, x2, p=2.0):
    """Pairwise p-norm distances between the rows of x1 (..., P, M) and x2 (..., R, M)."""
    diff = S.unsqueeze(x1, -2) - S.unsqueeze(x2, -3)
    return L.norm(diff, p, -1)


def add(input, other, alpha=1): return _t(input).add(other, alpha)
def sub(input, other, alpha=1): return _t(input).sub(other, alpha)
def mul(input, other): return E.mul(input, other)
def div(input, other, rounding_mode=None): return _t(input).div(other, rounding_mode)


subtract, multiply, divide, true_divide = sub, mul, div, div


def pow(input, exponent): return E.pow(input, exponent)
def exp(input): return _t(input).exp()
def log(input): return _t(input).log()
def log2(input): return _t(input).log2()
def log10(input): return _t(input).log10()
def log1p(input): return _t(input).log1p()
def expm1(input): return _t(input).expm1()
def sqrt(input): return _t(input).sqrt()
def rsqrt(input): return _t(input).rsqrt()
def square(input): return _t(input).square()
def abs(input): return _t(input).abs()
def neg(input): return _t(input).neg()
def sign(input): return _t(input).sign()
def sin(input): return _t(input).sin()
def cos(input): return _t(input).cos()
def tan(input): return _t(input).tan()
def atan(input): return _t(input).atan()
def erf(input): return _t(input).erf()
def floor(input): return _t(input).floor()
def ceil(input): return _t(input).ceil()
def round(input, decimals=0): return _t(input).round(decimals)
def trunc(input): return _t(input).trunc()
def reciprocal(input): return _t(input).reciprocal()
def sigmoid(input): return _t(input).sigmoid()
def tanh(input): return _t(input).tanh()
def relu(input): return _t(input).relu()
def softmax(input, dim, dtype=None): return _t(input).softmax(dim, dtype)
def log_softmax(input, dim, dtype=None): return _t(input).log_softmax(dim, dtype)
def maximum(input, other): return E.maximum(input, other)
def minimum(input, other): return E.minimum(input, other)
def remainder(input, other): return E.remainder(input, other)
def fmod(input, other): return E.fmod(input, other)
def floor_divide(input, other): return E.floor_divide(input, other)
def lerp(input, end, weight): return _t(input).lerp(end, weight)
def addcmul(input, tensor1, tensor2, value=1): return _t(input).addcmul(tensor1, tensor2, value)
def addcdiv(input, tensor1, tensor2, value=1): return _t(input).addcdiv(tensor1, tensor2, value)


def sum(input, dim=None, keepdim=False, dtype=None): return _t(input).sum(dim, keepdim, dtype)
def mean(input, dim=None, keepdim=False, dtype=None): return _t(input).mean(dim, keepdim, dtype)
def prod(input, dim=None, keepdim=False, dtype=None): return _t(input).prod(dim, keepdim, dtype)
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _t(input).std(dim, unbiased, keepdim, correction=correction)
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _t(input).var(dim, unbiased, keepdim, correction=correction)
def max(input, dim=None, keepdim=False): return _t(input).max(dim, keepdim)
def min(input, dim=None, keepdim=False): return _t(input).min(dim, keepdim)
def amax(input, dim=None, keepdim=False): return _t(input).amax(dim, keepdim)
def amin(input, dim=None, keepdim=False): return _t(input).amin(dim, keepdim)
def argmax(input, dim=None, keepdim=False): return _t(input).argmax(dim, keepdim)
def argmin(input, dim=None, keepdim=False): return _t(input).argmin(dim, keepdim)
def median(input, dim=None, keepdim=False): return _t(input).median(dim, keepdim)
def logsumexp(input, dim, keepdim=False): return _t(input).logsumexp(dim, keepdim)
def sort(input, dim=-1, descending=False, stable=False): return _t(input).sort(dim, descending, stable)
def argsort(input, dim=-1, descending=False, stable=False): return _t(input).argsort(dim, descending)
def topk(input, k, dim=-1, largest=True, sorted=True): return _t(input).topk(k, dim, largest, sorted)
def all(input, dim=None, keepdim=False): return _t(input).all(dim, keepdim)
def any(input, dim=None, keepdim=False): return _t(input).any(dim, keepdim)
def count_nonzero(input, dim=None): return _t(input).count_nonzero(dim)


def eq(input, other): return E.eq(input, other)
def ne(input, other): return E.ne(input, other)
def lt(input, other): return E.lt(input, other)
def le(input, other): return E.le(input, other)
def gt(input, other): return E.gt(input, other)
def ge(input, other): return E.ge(input, other)
def isnan(input): return E.isnan(input)
def isinf(input): return E.isinf(input)
def isfinite(input): return E.isfinite(input)
def logical_not(input): return E.logical_not(input)
def logical_and(input, other): return E.logical_and(input, other)
def logical_or(input, other): return E.logical_or(input, other)
def nan_to_num(input, nan=0.0, posinf=None, neginf=None): return _t(input).nan_to_num(nan, posinf, neginf)
def equal(input, other) -> bool: return _t(input).equal(other)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    return _t(input).allclose(other, rtol, atol, equal_nan)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return _t(input).isclose(other, rtol, atol, equal_nan)


def clone(input): return _t(input).clone()
def detach(input): return _t(input).detach()


def broadcast_tensors(*tensors):
    shape = np.broadcast_shapes(*(np.shape(getattr(t, "_data", t)) for t in tensors))
    return tuple(S.broadcast_to(t, shape) for t in tensors)


def meshgrid(*tensors, indexing="ij"):
    tensors = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors
    grids = np.meshgrid(*(np.asarray(getattr(t, "_data", t)) for t in tensors), indexing=indexing)
    return tuple(tensor(g) for g in grids)


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    np.set_printoptions(precision=precision, threshold=threshold, edgeitems=edgeitems, linewidth=linewidth)


__all__ = [name for name in dir() if not name.startswith("_") and name not in
           ("np", "E", "I", "L", "C", "S", "Tensor", "tensor")]
