"""Tensor: an ndarray plus its place in the autograd graph. Operators are plain methods."""
import copy

import numpy as np

from . import autograd
from .autograd import AccumulateGrad, _GradMode
from .backend import default_dtype, is_float, xp


def _to_array(data, dtype=None):
    """Convert user data to an ndarray without copying ndarrays of the right dtype."""
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, xp.ndarray):
        return data if dtype is None or data.dtype == dtype else data.astype(dtype)
    arr = xp.asarray(data, dtype=dtype)
    if dtype is None and arr.dtype == np.float64:
        arr = arr.astype(default_dtype)     # Python floats become the default dtype, as in PyTorch
    return arr


class Tensor:
    """An n-dimensional array that can record the operations applied to it.

    ``data`` and ``grad`` are plain ndarrays. NumPy arrays are wrapped without a copy.

    Args:
        data: array-like. Python floats become float32; NumPy arrays keep their dtype.
        requires_grad: record operations so that ``backward()`` fills ``.grad``.
        dtype: optional dtype to convert to.

    Example:
        >>> x = gw.tensor([[1.0, 2.0]], requires_grad=True)
        >>> (x * x).sum().backward(); x.grad
        array([[2., 4.]], dtype=float32)
    """
    __slots__ = ("data", "grad", "_node", "_vbox", "__weakref__")
    __array_ufunc__ = None        # ndarray + Tensor defers to Tensor.__radd__
    __hash__ = object.__hash__    # == is elementwise, identity hashing keeps tensors usable as keys

    def __init__(self, data, requires_grad=False, dtype=None):
        self.data = _to_array(data, dtype)
        self.grad = None
        self._node = None
        self._vbox = [0]
        if requires_grad:
            self.requires_grad = True

    @staticmethod
    def _make(data, node):
        t = object.__new__(Tensor)
        t.data = data
        t.grad = None
        t._node = node
        t._vbox = [0]
        return t

    # ----- graph -------------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._node is not None

    @requires_grad.setter
    def requires_grad(self, value):
        if not value:
            if self._node is not None and not self.is_leaf:
                raise RuntimeError("requires_grad can only be turned off on leaf tensors; use .detach().")
            self._node = None
        elif self._node is None:
            if not is_float(self.data.dtype):
                raise TypeError(f"only floating-point tensors can require gradients; got dtype "
                                f"{self.data.dtype}. Convert first, e.g. x.float().")
            self._node = AccumulateGrad(self)

    def requires_grad_(self, value=True):
        self.requires_grad = value
        return self

    @property
    def is_leaf(self) -> bool:
        return self._node is None or type(self._node) is AccumulateGrad

    @property
    def grad_fn(self):
        return None if self.is_leaf else self._node

    def backward(self, grad=None, retain_graph=False):
        """Compute the gradient of this tensor with respect to every leaf that requires grad.

        Args:
            grad: gradient of the final objective with respect to this tensor, same shape.
                Optional for a single-element tensor (then 1).
            retain_graph: keep the graph so that backward can run through it again.
        """
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward() without a gradient needs a single-element tensor; got shape "
                    f"{self.shape}. Reduce it first (loss.sum() or loss.mean()) or pass "
                    f"backward(grad) with shape {self.shape}.")
            grad = xp.ones_like(self.data)
        else:
            grad = _to_array(grad, self.data.dtype)
            if grad.shape != self.shape:
                raise RuntimeError(f"backward(grad): grad has shape {grad.shape}, expected {self.shape}")
            grad = grad.copy()      # the caller keeps their array
        autograd.backward(self, grad, retain_graph)

    def detach(self):
        """The same data (no copy) cut off from the graph."""
        t = Tensor._make(self.data, None)
        t._vbox = self._vbox
        return t

    def zero_grad(self):
        self.grad = None

    def _copy(self, data, memo=None):
        if not self.is_leaf:
            raise RuntimeError("only leaf tensors can be copied (the graph cannot be); use .detach() first")
        new = type(self).__new__(type(self))
        new.data, new._vbox = data, [0]
        new.grad = None if self.grad is None else self.grad.copy()
        new._node = AccumulateGrad(new) if self._node is not None else None    # its own node, not ours
        if memo is not None:
            memo[id(self)] = new
        for k, v in getattr(self, "__dict__", {}).items():      # subclasses (Parameter) may carry more
            setattr(new, k, copy.deepcopy(v, memo) if memo is not None else v)
        return new

    def __copy__(self):
        return self._copy(self.data)

    def __deepcopy__(self, memo):
        return self._copy(self.data.copy(), memo)

    # ----- array facts -------------------------------------------------------------------
    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)
    size = property(lambda self: self.data.size)

    @property
    def T(self):
        return self.permute(*range(self.data.ndim - 1, -1, -1))

    def numpy(self):
        """The underlying ndarray (no copy)."""
        return self.data

    def __array__(self, dtype=None, copy=None):
        return self.data if dtype is None else self.data.astype(dtype)

    def item(self):
        if self.data.size != 1:
            raise ValueError(f"item() needs a single-element tensor; got shape {self.shape}")
        return self.data.item()

    def tolist(self):
        return self.data.tolist()

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __bool__(self):
        return bool(self.data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __repr__(self):
        body = np.array2string(self.data, separator=", ", prefix="tensor(", precision=4)
        extra = ""
        if self.data.dtype != default_dtype and not (self.data.dtype == np.int64 or self.data.dtype == bool):
            extra += f", dtype={self.data.dtype}"
        if not self.is_leaf:
            extra += f", grad_fn={self._node!r}"
        elif self._node is not None:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    # ----- arithmetic --------------------------------------------------------------------
    def __add__(self, other): return E.add(self, other)
    def __radd__(self, other): return E.add(other, self)
    def __sub__(self, other): return E.sub(self, other)
    def __rsub__(self, other): return E.sub(other, self)
    def __mul__(self, other): return E.mul(self, other)
    def __rmul__(self, other): return E.mul(other, self)
    def __truediv__(self, other): return E.div(self, other)
    def __rtruediv__(self, other): return E.div(other, self)
    def __pow__(self, other): return E.pow(self, other)
    def __rpow__(self, other): return E.pow(other, self)
    def __matmul__(self, other): return L.matmul(self, other)
    def __rmatmul__(self, other): return L.matmul(other, self)
    def __neg__(self): return E.neg(self)
    def __pos__(self): return self
    def __abs__(self): return E.abs(self)

    # comparisons give boolean tensors and no gradient
    def __lt__(self, other): return E.lt(self, other)
    def __le__(self, other): return E.le(self, other)
    def __gt__(self, other): return E.gt(self, other)
    def __ge__(self, other): return E.ge(self, other)
    def __eq__(self, other): return E.eq(self, other)
    def __ne__(self, other): return E.ne(self, other)

    def exp(self): return E.exp(self)
    def log(self): return E.log(self)
    def sqrt(self): return E.sqrt(self)
    def abs(self): return E.abs(self)
    def maximum(self, other): return E.maximum(self, other)
    def minimum(self, other): return E.minimum(self, other)
    def clip(self, min=None, max=None): return E.clip(self, min, max)
    clamp = clip
    def matmul(self, other): return L.matmul(self, other)

    # activations
    def sigmoid(self): return A.sigmoid(self)
    def tanh(self): return A.tanh(self)
    def relu(self): return A.relu(self)
    def softmax(self, dim=-1): return A.softmax(self, dim)
    def log_softmax(self, dim=-1): return A.log_softmax(self, dim)

    # reductions (axis/keepdims as NumPy; dim/keepdim accepted as in PyTorch)
    def sum(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return R.sum(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def mean(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return R.mean(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def var(self, axis=None, keepdims=False, correction=1, *, dim=None, keepdim=None):
        return R.var(self, axis, keepdims, correction, dim=dim, keepdim=keepdim)

    def std(self, axis=None, keepdims=False, correction=1, *, dim=None, keepdim=None):
        return R.std(self, axis, keepdims, correction, dim=dim, keepdim=keepdim)

    def max(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return R.max(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def min(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return R.min(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def logsumexp(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return R.logsumexp(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def argmax(self, axis=None, keepdims=False): return R.argmax(self, axis, keepdims)
    def argmin(self, axis=None, keepdims=False): return R.argmin(self, axis, keepdims)

    # shapes
    def reshape(self, *shape): return S.reshape(self, *shape)
    view = reshape
    def permute(self, *dims): return S.permute(self, *dims)
    def transpose(self, dim0=-2, dim1=-1): return S.transpose(self, dim0, dim1)
    def expand(self, *sizes): return S.expand(self, *sizes)
    def broadcast_to(self, shape): return S.broadcast_to(self, shape)
    def squeeze(self, axis=None): return S.squeeze(self, axis)
    def unsqueeze(self, axis): return S.unsqueeze(self, axis)
    def flatten(self, start_dim=0, end_dim=-1): return S.flatten(self, start_dim, end_dim)
    def astype(self, dtype): return S.cast(self, dtype)
    to = astype
    def float(self): return S.cast(self, np.float32)
    def double(self): return S.cast(self, np.float64)
    def clone(self): return S.cast(self, self.data.dtype, copy=True)
    def __getitem__(self, index): return S.getitem(self, index)

    # ----- in-place ----------------------------------------------------------------------
    def _inplace(self, op, ufunc, other):
        """Change this tensor's values. Recorded in the graph when it is a non-leaf that needs grad."""
        if self._node is not None and _GradMode.enabled:
            if self.is_leaf:
                raise RuntimeError(
                    "a leaf tensor that requires grad cannot be changed in place while gradients are "
                    "recorded; wrap the update in `with gw.no_grad():`.")
            # the old array stays untouched for the nodes that saved it; this tensor moves on
            result = op(self, other)
            self.data, self._node, self._vbox = result.data, result._node, result._vbox
            return self
        other = other.data if isinstance(other, Tensor) else other
        ufunc(self.data, other, out=self.data)
        self._vbox[0] += 1
        return self

    def __iadd__(self, other): return self._inplace(E.add, xp.add, other)
    def __isub__(self, other): return self._inplace(E.sub, xp.subtract, other)
    def __imul__(self, other): return self._inplace(E.mul, xp.multiply, other)
    def __itruediv__(self, other): return self._inplace(E.div, xp.divide, other)
    def add_(self, other, alpha=1):
        return self._inplace(E.add, xp.add, other if alpha == 1 else other * alpha)
    def sub_(self, other, alpha=1):
        return self._inplace(E.sub, xp.subtract, other if alpha == 1 else other * alpha)
    def mul_(self, other): return self._inplace(E.mul, xp.multiply, other)
    def div_(self, other): return self._inplace(E.div, xp.divide, other)

    def _overwrite(self, what):
        if self._node is not None and _GradMode.enabled:
            raise RuntimeError(f"{what} on a tensor that requires grad replaces its values and is only "
                               f"allowed inside `with gw.no_grad():`.")
        self._vbox[0] += 1

    def copy_(self, src):
        """Copy ``src`` (broadcast to this shape) into this tensor's array."""
        self._overwrite("copy_()")
        xp.copyto(self.data, src.data if isinstance(src, Tensor) else src)
        return self

    def fill_(self, value):
        self._overwrite("fill_()")
        self.data.fill(value)
        return self

    def zero_(self):
        return self.fill_(0)

    def __setitem__(self, index, value):
        if self._node is not None and _GradMode.enabled:
            return self._inplace(lambda a, v: S.setitem(a, index, v), None, value)
        self.data[S.index_arrays(index)] = value.data if isinstance(value, Tensor) else value
        self._vbox[0] += 1


def tensor(data, requires_grad=False, dtype=None) -> Tensor:
    """Make a tensor. Python floats become float32; NumPy arrays are wrapped without a copy.

    Example:
        >>> gw.tensor([[1.0, 2.0]], requires_grad=True).shape
        (1, 2)
    """
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


# ops are built on Function and return Tensors; imported last to close that circle
from .ops import activation as A, elementwise as E, linalg as L, reduce as R, shape as S  # noqa: E402
