"""Data types with PyTorch's names: ``gw.float32``, ``gw.long``, ``gw.bool`` ... (NumPy dtypes).

``x.dtype == gw.float32`` works because a tensor's dtype is the NumPy dtype of its array.
"""
import builtins

import numpy as np

from . import backend
from .errors import ArgumentTypeError

float32 = float = np.dtype("float32")
float64 = double = np.dtype("float64")
float16 = half = np.dtype("float16")
int64 = long = np.dtype("int64")
int32 = int = np.dtype("int32")
int16 = short = np.dtype("int16")
int8 = np.dtype("int8")
uint8 = np.dtype("uint8")
uint16 = np.dtype("uint16")
uint32 = np.dtype("uint32")
uint64 = np.dtype("uint64")
bool = np.dtype("bool")
complex64 = cfloat = np.dtype("complex64")
complex128 = cdouble = np.dtype("complex128")

finfo = np.finfo
iinfo = np.iinfo

_PYTHON = {builtins.float: float64, builtins.int: int64, builtins.bool: bool, builtins.complex: complex128}


def as_dtype(dtype):
    """A NumPy dtype from a gradwise/NumPy dtype, a Python type (float -> float64, as in PyTorch)
    or a name; None stays None."""
    if dtype is None or isinstance(dtype, np.dtype):
        return dtype
    if dtype in _PYTHON:
        return _PYTHON[dtype]
    if isinstance(dtype, str) and dtype.startswith("torch."):
        dtype = dtype[6:]
    if isinstance(dtype, str) and dtype in ("bfloat16", "float8_e4m3fn", "float8_e5m2"):
        from .errors import UnsupportedError
        raise UnsupportedError(f"dtype {dtype}: NumPy has no such type; gradwise computes in float32 or float64")
    try:
        return np.dtype(dtype)
    except TypeError:
        raise ArgumentTypeError(f"not a dtype: {dtype!r}; expected e.g. gw.float32, gw.int64 or gw.bool") from None


def get_default_dtype():
    """The dtype of tensors made from Python floats (float32 unless changed)."""
    return np.dtype(backend.default_dtype)


def set_default_dtype(dtype):
    """Make ``dtype`` (float32 or float64) the dtype of new floating tensors and parameters."""
    dtype = as_dtype(dtype)
    if dtype not in (float32, float64):
        raise ArgumentTypeError(f"set_default_dtype: only float32 and float64 are supported; got {dtype}")
    backend.default_dtype = dtype.type


def promote_types(a, b):
    return np.promote_types(as_dtype(a), as_dtype(b))


def is_floating_point(t):
    return np.issubdtype(t.dtype, np.floating)
