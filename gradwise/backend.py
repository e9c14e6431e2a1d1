"""Array modules and devices: the only place that knows which array library holds a tensor.

The module follows the data (Chainer's ``get_array_module``): NumPy arrays are on "cpu"; a
device registers its array type and module (``register_device``): CuPy's as "cuda" when CuPy is
installed, a test device in the test suite. ``xp`` is the host module (NumPy), for code that only
ever makes host arrays.
"""
import numpy

xp = numpy

#: dtype of tensors made from Python floats and of the factories (zeros, randn, ...).
default_dtype = numpy.float32


def is_float(dtype) -> bool:
    """True for floating dtypes, the only ones that can carry gradients."""
    return numpy.issubdtype(dtype, numpy.floating)


class _Device:
    __slots__ = ("name", "array_type", "module", "to_device", "to_host")

    def __init__(self, name, array_type, module, to_device, to_host):
        self.name, self.array_type, self.module = name, array_type, module
        self.to_device, self.to_host = to_device, to_host


_DEVICES = {}       # device type name -> _Device (not "cpu")


def register_device(name, array_type, module, to_device, to_host):
    """Teach gradwise a device: its array type, its NumPy-like module and the copies to and from
    the host (``to_device(ndarray)``, ``to_host(array)``)."""
    from .device import _KNOWN
    _DEVICES[name] = _Device(name, array_type, module, to_device, to_host)
    if name not in _KNOWN:
        _KNOWN.append(name)


def _cupy():
    """CuPy's device, registered the first time it is asked for (None without CuPy or a GPU)."""
    if "cuda" not in _DEVICES:
        try:
            import cupy
            if cupy.cuda.runtime.getDeviceCount() < 1:
                return None
        except Exception:       # not installed, or no driver / GPU: gradwise stays on the CPU
            return None
        register_device("cuda", cupy.ndarray, cupy, cupy.asarray, cupy.asnumpy)
    return _DEVICES["cuda"]


def lookup(name):
    """The registered device ``name`` ("cuda" means CuPy), or None."""
    return _cupy() if name == "cuda" else _DEVICES.get(name)


def device_type(array) -> str:
    """"cpu" for NumPy arrays and scalars, else the registered device whose arrays these are."""
    if type(array) is numpy.ndarray:
        return "cpu"
    for d in _DEVICES.values():
        if isinstance(array, d.array_type):
            return d.name
    return "cpu"


def get_array_module(*arrays):
    """The array module of the first device array among ``arrays`` (NumPy for host arrays)."""
    for a in arrays:
        if type(a) is not numpy.ndarray and _DEVICES:
            name = device_type(a)
            if name != "cpu":
                return _DEVICES[name].module
    return numpy


def check_same_device(arrays, who):
    """Raise DeviceError when ``arrays`` live on two devices (scalars and 0-d host arrays mix
    freely, as in PyTorch)."""
    seen = {}
    for a in arrays:
        if a is None or isinstance(a, (int, float, complex, numpy.generic)):
            continue
        name = device_type(a)
        if name == "cpu" and getattr(a, "ndim", 1) == 0:
            continue
        if hasattr(a, "shape"):
            seen.setdefault(name, a.shape)
    if len(seen) > 1:
        from .errors import DeviceError
        (d1, s1), (d2, s2) = list(seen.items())[:2]
        raise DeviceError(f"{who}: expected all tensors on one device; got tensors on '{d1}' (shape "
                          f"{tuple(s1)}) and '{d2}' (shape {tuple(s2)}). Move them first, e.g. x.to('{d1}')")


def as_array(value, like):
    """``value`` (an op's result, maybe a scalar) as an array of the device of ``like``."""
    if type(value) is numpy.ndarray or device_type(value) != "cpu":
        return value
    return get_array_module(*like).asarray(value)


def to_device(array, name):
    """A copy of ``array`` on device ``name`` ("cpu" for the host); the same array if already there."""
    here = device_type(array)
    if here == name:
        return array
    host = array if here == "cpu" else _DEVICES[here].to_host(array)
    return host if name == "cpu" else lookup(name).to_device(host)


def asarray(value, *like):
    """``value`` as an array: NumPy and device arrays unchanged, other data (lists, scalars) made
    with the module of ``like`` (the host's without it). Never copies a device array to the host."""
    if type(value) is numpy.ndarray or (_DEVICES and device_type(value) != "cpu"):
        return value
    return get_array_module(*like).asarray(value)


def unregister_device(name):
    """Forget a device registered with ``register_device`` (tests)."""
    from .device import _KNOWN
    _DEVICES.pop(name, None)
    if name in _KNOWN and name != "cuda":
        _KNOWN.remove(name)
