"""A device that lives in host memory but behaves like a GPU: its arrays (``FakeArray``, an
ndarray subclass) refuse to meet plain NumPy arrays in any computation, so a code path that
falls back to the host without being asked fails loudly in a CPU-only test run. Registered as
device "fake"; ``tensor.to("fake")`` moves a tensor there, ``.cpu()`` back."""
import types

import numpy as np

from gradwise import backend
from gradwise.errors import DeviceError


def _host_operands(values, found):
    for v in values:
        if isinstance(v, FakeArray):
            continue
        if isinstance(v, np.ndarray) and v.ndim > 0:      # 0-d arrays mix freely, as scalars do
            found.append(v)
        elif isinstance(v, (list, tuple)):
            _host_operands(v, found)
    return found


def _unwrap(v):
    if isinstance(v, FakeArray):
        return v.view(np.ndarray)
    if isinstance(v, (list, tuple)):
        return type(v)(_unwrap(x) for x in v)
    return v


def _wrap(v):
    if isinstance(v, np.ndarray) and not isinstance(v, FakeArray):
        return v.view(FakeArray)
    if isinstance(v, np.generic):
        return np.asarray(v).view(FakeArray)
    if isinstance(v, tuple):
        return tuple(_wrap(x) for x in v)
    if isinstance(v, list):
        return [_wrap(x) for x in v]
    return v


def _refuse(what, host):
    raise DeviceError(f"{what}: expected every array on device 'fake'; got an array on device 'cpu' of shape "
                      f"{host[0].shape}. Move it with .to('fake') (a silent copy to or from the host is a bug)")


class FakeArray(np.ndarray):
    """An ndarray that stands for device memory."""

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        host = _host_operands(inputs + (out or ()), [])
        if host:
            _refuse(f"np.{ufunc.__name__}", host)
        if out is not None:
            kwargs["out"] = tuple(_unwrap(o) for o in out)
        result = getattr(ufunc, method)(*_unwrap(inputs), **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        return _wrap(result)

    def __array_function__(self, func, types_, args, kwargs):
        operands = tuple(args) + tuple(kwargs.values())
        if func in (np.split, np.array_split):          # the split points are positions, not data
            operands = operands[:1]
        host = _host_operands(operands, [])
        if host:
            _refuse(f"np.{func.__name__}", host)
        result = func(*_unwrap(args), **{k: _unwrap(v) for k, v in kwargs.items()})
        return _wrap(result)

    def __setitem__(self, index, value):
        if _host_operands((value,), []):
            _refuse("assignment into a device array", [value])
        super().__setitem__(index, _unwrap(value))


def _factory(name):
    make = getattr(np, name)
    return lambda *a, **k: make(*a, **k).view(FakeArray)


def _asarray(a, dtype=None, **_):
    if isinstance(a, FakeArray):
        return a if dtype is None or a.dtype == dtype else a.astype(dtype)
    return np.asarray(a, dtype=dtype).view(FakeArray)


#: the array module of the fake device: NumPy, with factories that make device arrays
module = types.SimpleNamespace(**{k: getattr(np, k) for k in dir(np) if not k.startswith("_")})
for _name in ("zeros", "ones", "empty", "full", "arange", "eye", "linspace"):
    setattr(module, _name, _factory(_name))
module.asarray = module.array = _asarray
module.ndarray = FakeArray


def _as_strided(x, shape=None, strides=None):
    return np.lib.stride_tricks.as_strided(x.view(np.ndarray), shape, strides, writeable=False).view(FakeArray)


module.lib = types.SimpleNamespace(stride_tricks=types.SimpleNamespace(as_strided=_as_strided))


def to_device(array):
    return np.array(array, copy=True).view(FakeArray)


def to_host(array):
    return array.view(np.ndarray).copy()


def register():
    """Make device "fake" known to gradwise (idempotent)."""
    backend.register_device("fake", FakeArray, module, to_device, to_host)
