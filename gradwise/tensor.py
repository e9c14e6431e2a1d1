"""Tensor: an ndarray plus its place in the autograd graph, with PyTorch's Tensor API.

The core is here (storage, ``data`` and ``grad``, the graph, array facts, NumPy interop); the
rest comes from five mixins, one concept each: ``tensor_operators`` (``+``, ``@``, ``<`` ...),
``tensor_math`` (elementwise math, reductions, activations), ``tensor_shape`` (views,
indexing, joining), ``tensor_inplace`` (the in-place machinery and ``add_``, ``zero_``,
``normal_`` ...), ``tensor_convert`` (dtypes, devices, new tensors) and ``tensor_protocols``
(the tensor as a Python value: ``item``, ``len``, ``iter``, ``bool``, ``int``, ``repr`` ...).
"""
import copy

import numpy as np

from . import autograd
from .autograd import AccumulateGrad, _GradMode
from . import backend
from .backend import is_float, xp
from .device import cpu
from .errors import ArgumentTypeError, GraphError, IndexOutOfRangeError, ShapeError
from .tensor_convert import ConvertMethods
from .tensor_inplace import InPlaceMethods
from .tensor_math import MathMethods
from .tensor_operators import OperatorMethods
from .tensor_protocols import ProtocolMethods
from .tensor_shape import ShapeMethods


class Size(tuple):
    """A tensor's shape: a tuple of ints (PyTorch's ``torch.Size``)."""
    __slots__ = ()

    def numel(self) -> int:
        n = 1
        for d in self:
            n *= d
        return n

    def __repr__(self):
        return f"gradwise.Size({list(self)})"


def _to_array(data, dtype=None):
    """Convert user data to an ndarray without copying ndarrays of the right dtype."""
    if isinstance(data, Tensor):
        data = data._data
    if isinstance(data, xp.ndarray) or backend.device_type(data) != "cpu":
        return data if dtype is None or data.dtype == dtype else data.astype(dtype)
    if isinstance(data, (list, tuple)) and data and any(isinstance(v, Tensor) for v in data):
        data = [v._data if isinstance(v, Tensor) else v for v in data]     # gw.tensor([t0, t1])
    arr = xp.asarray(data, dtype=dtype)
    if dtype is None and arr.dtype == np.float64 and not isinstance(data, np.floating):
        arr = arr.astype(backend.default_dtype)     # Python floats become the default dtype, as in PyTorch
    if arr.dtype.kind in "US" or arr.dtype == object:
        raise ArgumentTypeError(f"a tensor holds numbers; got data of type {type(data).__name__} ({arr.dtype})")
    return arr


class Tensor(OperatorMethods, MathMethods, ShapeMethods, InPlaceMethods, ConvertMethods, ProtocolMethods):
    """An n-dimensional array that can record the operations applied to it.

    As in PyTorch, ``data`` is the same values detached from the graph and ``grad`` is a Tensor
    (or None); ``numpy()`` gives the ndarray itself (no copy). NumPy arrays are wrapped without
    a copy.

    Args:
        data: array-like. Python floats become float32; NumPy arrays keep their dtype.
        requires_grad: record operations so that ``backward()`` fills ``.grad``.
        dtype: optional dtype to convert to.

    Example:
        >>> x = gw.tensor([[1.0, 2.0]], requires_grad=True)
        >>> (x * x).sum().backward(); x.grad
        tensor([[2., 4.]])
    """
    __slots__ = ("_data", "_grad", "_node", "_vbox", "__weakref__")
    __array_priority__ = 1000
    __hash__ = object.__hash__    # == is elementwise, identity hashing keeps tensors usable as keys

    def __init__(self, data=None, requires_grad=False, dtype=None, device=None):
        self._data = xp.zeros(0, dtype=dtype or backend.default_dtype) if data is None else _to_array(data, dtype)
        if device is not None:
            from .device import device as as_device
            self._data = backend.to_device(self._data, as_device(device).check_available().type)
        self._grad = None
        self._node = None
        self._vbox = [0]
        if requires_grad:
            self.requires_grad = True

    @staticmethod
    def _make(data, node):
        t = object.__new__(Tensor)
        t._data = data
        t._grad = None
        t._node = node
        t._vbox = [0]
        return t

    # ----- data and grad (Tensors, as in PyTorch) ------------------------------------------
    @property
    def data(self):
        """The same values, detached from the graph (no copy). Changing it in place changes this
        tensor, and graphs that saved this tensor notice (gradwise checks what PyTorch does not)."""
        t = Tensor._make(self._data, None)
        t._vbox = self._vbox
        return t

    @data.setter
    def data(self, value):
        self._data = _to_array(value)
        self._vbox = [0]        # a new array: graphs that saved the old one still hold it intact

    @property
    def grad(self):
        """The gradient accumulated by ``backward()``: a Tensor of this shape, or None."""
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is None:
            self._grad = None
            return
        g = value if isinstance(value, Tensor) else Tensor._make(_to_array(value), None)
        if g._data.shape != self._data.shape:
            raise ShapeError(f"assigned grad has shape {tuple(g._data.shape)}, but the tensor has shape "
                             f"{tuple(self._data.shape)}")
        self._grad = g

    # ----- graph -------------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._node is not None

    @requires_grad.setter
    def requires_grad(self, value):
        if not value:
            if self._node is not None and not self.is_leaf:
                raise GraphError("requires_grad can only be turned off on leaf tensors; use .detach().")
            self._node = None
        elif self._node is None:
            if not is_float(self._data.dtype):
                raise ArgumentTypeError(f"only floating-point tensors can require gradients; got dtype "
                                f"{self._data.dtype}. Convert first, e.g. x.float().")
            self._node = AccumulateGrad(self)

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        return self._node is None or type(self._node) is AccumulateGrad

    @property
    def grad_fn(self):
        return None if self.is_leaf else self._node

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Compute the gradient of this tensor with respect to every leaf that requires grad.

        Args:
            gradient: gradient of the final objective with respect to this tensor, same shape.
                Optional for a single-element tensor (then 1).
            retain_graph: keep the graph so that backward can run through it again.
        """
        if create_graph:
            from .errors import UnsupportedError
            raise UnsupportedError("backward(create_graph=True): gradwise computes gradients as arrays and "
                                   "does not record a graph of the backward pass (no higher-order gradients)")
        if inputs is not None:
            from .errors import UnsupportedError
            raise UnsupportedError("backward(inputs=...): use gw.autograd.grad(outputs, inputs) instead")
        autograd.backward([self], [_initial_grad(self, gradient)], bool(retain_graph))

    def detach(self):
        """The same data (no copy) cut off from the graph."""
        t = Tensor._make(self._data, None)
        t._vbox = self._vbox
        return t

    def detach_(self):
        """Cut this tensor off from the graph, in place."""
        self._node = None
        return self

    def register_hook(self, hook):
        """Call ``hook(grad)`` when the gradient with respect to this tensor is computed; a Tensor
        it returns replaces the gradient. Returns a handle with ``.remove()``."""
        if self._node is None:
            raise GraphError("cannot register a hook on a tensor that does not require grad")
        node = self._node
        if node.pre_hooks is None:
            node.pre_hooks = {}
        key = object()
        node.pre_hooks[key] = hook
        return _HookHandle(node.pre_hooks, key)

    def retain_grad(self):
        """Keep the gradient of this non-leaf tensor in ``.grad`` after backward."""
        if self.is_leaf:
            return
        import weakref
        ref = weakref.ref(self)

        def keep(g):
            t = ref()
            if t is not None:
                t._grad = Tensor._make(g._data.copy(), None) if t._grad is None else \
                    Tensor._make(t._grad._data + g._data, None)
        self.register_hook(keep)

    def zero_grad(self):
        self._grad = None

    def _copy(self, data, memo=None):
        if not self.is_leaf:
            raise GraphError("only leaf tensors can be copied (the graph cannot be); use .detach() first")
        new = type(self).__new__(type(self))
        new._data, new._vbox = data, [0]
        new._grad = None if self._grad is None else Tensor._make(self._grad._data.copy(), None)
        new._node = AccumulateGrad(new) if self._node is not None else None    # its own node, not ours
        if memo is not None:
            memo[id(self)] = new
        for k, v in getattr(self, "__dict__", {}).items():      # subclasses (Parameter) may carry more
            setattr(new, k, copy.deepcopy(v, memo) if memo is not None else v)
        return new

    def __copy__(self):
        return self._copy(self._data)

    def __deepcopy__(self, memo):
        return self._copy(self._data.copy(), memo)

    # ----- array facts -------------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        """The shape (a ``Size``), or the length of dimension ``dim``."""
        shape = self._data.shape
        if dim is None:
            return Size(shape)
        try:
            return shape[dim]
        except (IndexError, TypeError):
            raise IndexOutOfRangeError(f"size(dim={dim!r}): dimension out of range for a tensor with "
                             f"{len(shape)} dimensions") from None

    dtype = property(lambda self: self._data.dtype)
    ndim = property(lambda self: self._data.ndim)
    @property
    def device(self):
        """Where the data lives: ``device('cpu')``, or the device of a CuPy / registered array."""
        if type(self._data) is xp.ndarray:
            return cpu
        from .device import device
        return device(backend.device_type(self._data))

    is_cuda = property(lambda self: backend.device_type(self._data) == "cuda")
    is_cpu = property(lambda self: backend.device_type(self._data) == "cpu")
    is_mps = property(lambda self: False)      # gradwise has no Apple-GPU or Intel-GPU backend
    is_xpu = property(lambda self: False)
    is_meta = property(lambda self: False)
    layout = "strided"

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    @property
    def itemsize(self):
        return self._data.itemsize

    @property
    def nbytes(self):
        return self._data.nbytes

    @property
    def is_floating_point_(self):
        return is_float(self._data.dtype)

    def is_floating_point(self) -> bool:
        return is_float(self._data.dtype)

    def is_contiguous(self) -> bool:
        return bool(self._data.flags.c_contiguous)

    def stride(self, dim=None):
        """Strides in elements, as PyTorch counts them."""
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        return st if dim is None else st[dim]

    def data_ptr(self) -> int:
        return self._data.__array_interface__["data"][0]

    def numpy(self, force=False):
        """The underlying ndarray (no copy; ``force=True`` copies). A tensor on another device must
        be copied to the host first (``.cpu()``), as in PyTorch."""
        if type(self._data) is not xp.ndarray and backend.device_type(self._data) != "cpu":
            from .errors import DeviceError
            raise DeviceError(f"numpy(): the tensor is on device '{self.device}'; copy it to the host first "
                              f"with .cpu().numpy()")
        return self._data.copy() if force else self._data

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """NumPy functions on tensors: ``ndarray + tensor`` and ``np.exp(tensor)`` give tensors;
        the ufuncs that gradwise has as ops keep the gradient, others refuse a tensor that
        requires grad rather than drop its gradient silently."""
        op = _UFUNC_OPS.get(ufunc.__name__) if method == "__call__" and not kwargs else None
        if op is not None:
            return op(*inputs)
        if any(isinstance(a, Tensor) and a._node is not None and _GradMode.enabled for a in inputs):
            raise ArgumentTypeError(f"np.{ufunc.__name__} on a tensor that requires grad would drop its gradient; use "
                            f"the gradwise function (gw.{ufunc.__name__}) or apply it to tensor.detach()")
        arrays = [a._data if isinstance(a, Tensor) else a for a in inputs]
        if "out" in kwargs:
            kwargs["out"] = tuple(o._data if isinstance(o, Tensor) else o for o in kwargs["out"])
        out = getattr(ufunc, method)(*arrays, **kwargs)
        if isinstance(out, tuple):
            return tuple(Tensor._make(xp.asarray(o), None) for o in out)
        return Tensor._make(xp.asarray(out), None) if out is not None else None



def _ufunc_ops():
    """NumPy ufuncs that map onto gradwise ops (so ``np.exp(t)`` keeps the gradient)."""
    from .ops import math as M
    return {"add": E.add, "subtract": E.sub, "multiply": E.mul, "true_divide": E.div, "divide": E.div,
            "power": E.pow, "negative": E.neg, "exp": E.exp, "log": E.log, "sqrt": E.sqrt, "absolute": E.abs,
            "maximum": E.maximum, "minimum": E.minimum, "matmul": L.matmul, "tanh": A.tanh, "sin": M.sin,
            "cos": M.cos, "less": E.lt, "less_equal": E.le, "greater": E.gt, "greater_equal": E.ge,
            "equal": E.eq, "not_equal": E.ne, "isnan": E.isnan, "isinf": E.isinf, "isfinite": E.isfinite,
            "floor_divide": E.floor_divide, "remainder": E.remainder, "logical_not": E.logical_not,
            "logical_and": E.logical_and, "logical_or": E.logical_or}



def _initial_grad(t, gradient):
    """The gradient that backward starts from: 1 for a single element, else the given one."""
    if gradient is None:
        if t._data.size != 1:
            raise GraphError(
                f"backward() without a gradient needs a single-element tensor; got shape "
                f"{tuple(t._data.shape)}. Reduce it first (loss.sum() or loss.mean()) or pass "
                f"backward(gradient) with shape {tuple(t._data.shape)}.")
        return xp.ones_like(t._data)
    grad = _to_array(gradient, t._data.dtype)
    if grad.shape != t._data.shape:
        raise ShapeError(f"backward(gradient): gradient has shape {grad.shape}, expected {tuple(t._data.shape)}")
    return grad.copy()      # the caller keeps their array


class _HookHandle:
    def __init__(self, hooks, key):
        self._hooks, self._key = hooks, key

    def remove(self):
        self._hooks.pop(self._key, None)


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """Make a tensor (always a new one, as PyTorch's ``torch.tensor``; NumPy arrays are wrapped
    without a copy). Python floats become float32.

    Example:
        >>> gw.tensor([[1.0, 2.0]], requires_grad=True).shape
        gradwise.Size([1, 2])
    """
    if isinstance(data, Tensor):
        data = data._data.copy()
    return Tensor(data, requires_grad=requires_grad, dtype=_dtype(dtype), device=device)


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def _dtype(dtype):
    from .dtypes import as_dtype
    return as_dtype(dtype)


# ops are built on Function and return Tensors; imported last to close that circle
from .ops import activation as A, elementwise as E, linalg as L, reduce as R, shape as S  # noqa: E402,F401

_UFUNC_OPS = _ufunc_ops()
