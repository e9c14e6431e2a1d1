"""Tensor methods for conversion: dtypes (``float()``, ``long()``, ``to(dtype)``), devices
(``to(device)``, ``cpu()``) and new tensors like this one (``new_zeros``, ``clone``)."""
import numbers

import numpy as np

from .backend import xp
from .errors import ArgumentError


class ConvertMethods:
    """Mixed into ``Tensor``."""
    __slots__ = ()

    def to(self, *args, dtype=None, device=None, non_blocking=False, copy=False, memory_format=None):
        """PyTorch's forms: ``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)``.
        A device gradwise cannot serve is a clear error; a conversion to the same dtype returns self."""
        from .device import as_device
        from .dtypes import as_dtype
        for a in args:
            if hasattr(a, "_data") and hasattr(a, "device"):      # to(other_tensor): its dtype and device
                dtype, device = a._data.dtype, a.device
            elif _is_device(a):
                device = a
            else:
                dtype = a
        out = self
        if device is not None:
            target = as_device(device).check_available().type
            if target != self.device.type:
                out = to_device(self, target)
        if dtype is None:
            return S.cast(out, out._data.dtype, copy=True) if copy and out is self else out
        dtype = as_dtype(dtype)
        if dtype == out._data.dtype and not (copy and out is self):
            return out
        return S.cast(out, dtype, copy=True)

    def type(self, dtype=None):
        if dtype is None:
            return f"gradwise.{_LEGACY.get(self._data.dtype, str(self._data.dtype))}"
        if isinstance(dtype, str) and dtype.startswith(("torch.", "gradwise.")) and dtype.endswith("Tensor"):
            dtype = {v: k for k, v in _LEGACY.items()}[dtype.split(".", 1)[1]]
        return self.to(dtype)

    def type_as(self, other): return self.to(other._data.dtype)
    def float(self): return self.to(np.float32)
    def double(self): return self.to(np.float64)
    def half(self): return self.to(np.float16)
    def long(self): return self.to(np.int64)
    def int(self): return self.to(np.int32)
    def short(self): return self.to(np.int16)
    def char(self): return self.to(np.int8)
    def byte(self): return self.to(np.uint8)
    def bool(self): return self.to(np.bool_)
    astype = to

    def cpu(self): return self.to("cpu")

    def cuda(self, device=None, non_blocking=False):
        """A copy on the GPU (CuPy); a clear error without CuPy and a GPU."""
        return self.to("cuda" if device is None else device if not isinstance(device, int) else f"cuda:{device}")

    def pin_memory(self): return self
    def share_memory_(self): return self

    def clone(self, memory_format=None):
        return S.cast(self, self._data.dtype, copy=True)

    # ----- new tensors with this one's dtype ---------------------------------------------
    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        return self._new(xp.zeros, size, dtype, requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        return self._new(xp.ones, size, dtype, requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        return self._new(xp.zeros, size, dtype, requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        t = self._new(xp.zeros, (size,), dtype, requires_grad)
        t._data.fill(fill_value)
        return t

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        from .tensor import tensor
        return tensor(data, dtype=dtype or self._data.dtype, requires_grad=requires_grad)

    def _new(self, make, size, dtype, requires_grad):
        from .dtypes import as_dtype
        from .tensor import Tensor
        shape = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
        if not all(isinstance(s, numbers.Integral) and s >= 0 for s in shape):
            raise ArgumentError(f"sizes must be non-negative ints; got {shape}")
        return Tensor(make(shape, dtype=as_dtype(dtype) or self._data.dtype), requires_grad=requires_grad)


_LEGACY = {np.dtype(np.float32): "FloatTensor", np.dtype(np.float64): "DoubleTensor",
           np.dtype(np.float16): "HalfTensor", np.dtype(np.int64): "LongTensor", np.dtype(np.int32): "IntTensor",
           np.dtype(np.int16): "ShortTensor", np.dtype(np.int8): "CharTensor", np.dtype(np.uint8): "ByteTensor",
           np.dtype(np.bool_): "BoolTensor"}


def _is_device(a):
    from .device import device
    if isinstance(a, device):
        return True
    if isinstance(a, str):
        head = a.split(":")[0].lower()
        from .device import _KNOWN
        return head in _KNOWN
    return isinstance(a, numbers.Integral) and not isinstance(a, bool)


from .ops import shape as S  # noqa: E402
from .ops.device import to_device  # noqa: E402
