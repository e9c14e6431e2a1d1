"""Tensor methods for the tensor as a Python value: ``item``, ``tolist``, ``len``, ``iter``,
``in``, ``bool``, ``float``, ``int``, ``index``, ``format`` and ``repr``."""
import numpy as np

from . import backend
from .errors import ArgumentError, ArgumentTypeError


class ProtocolMethods:
    """Mixed into ``Tensor``."""
    __slots__ = ()

    def item(self):
        if self._data.size != 1:
            raise ArgumentError(f"item() needs a single-element tensor; got shape {tuple(self._data.shape)} "
                             f"({self._data.size} elements)")
        return self._data.item()

    def tolist(self):
        return self._data.tolist()

    def __len__(self):
        if self._data.ndim == 0:
            raise ArgumentTypeError("len() of a 0-d tensor")
        return len(self._data)

    def __iter__(self):
        if self._data.ndim == 0:
            raise ArgumentTypeError("iteration over a 0-d tensor")
        if self._node is None:
            data = self._data       # a[i, ...] is a 0-d array view where a[i] of a 1-d array is a NumPy scalar
            return (self._make(data[i, ...], None) for i in range(len(data)))
        return (self[i] for i in range(len(self)))

    def __contains__(self, value):
        from .tensor import Tensor
        v = value._data if isinstance(value, Tensor) else value
        return bool((self._data == v).any())

    def __bool__(self):
        if self._data.size != 1:
            from .errors import AmbiguousTruthError
            raise AmbiguousTruthError(f"the truth value of a tensor with {self._data.size} elements is "
                                      f"ambiguous; use .any() or .all()")
        return bool(self._data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._data.size != 1 or self._data.dtype.kind not in "iub":
            raise ArgumentTypeError(f"only single-element integer tensors can be used as an index; got dtype "
                            f"{self._data.dtype}, shape {tuple(self._data.shape)}")
        return int(self._data.item())

    def __format__(self, spec):
        if self._data.size == 1 and self._data.ndim == 0:
            return format(self._data.item(), spec)
        return format(repr(self), spec)

    def __repr__(self):
        body = np.array2string(self._data, separator=", ", prefix="tensor(", precision=4)
        extra = ""
        if self._data.dtype != backend.default_dtype and not (self._data.dtype == np.int64 or self._data.dtype == bool):
            extra += f", dtype=gradwise.{self._data.dtype}"
        if not self.is_leaf:
            extra += f", grad_fn={self._node!r}"
        elif self._node is not None:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    __str__ = __repr__
