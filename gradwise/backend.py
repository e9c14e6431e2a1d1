"""The array module in use and the default floating dtype.

Ops take their array module from here (``xp``) so that a GPU backend (CuPy) can be added
later without rewriting them; only this module decides which module that is.
"""
import numpy

xp = numpy

#: dtype of tensors made from Python floats and of the factories (zeros, randn, ...).
default_dtype = numpy.float32


def is_float(dtype) -> bool:
    """True for floating dtypes, the only ones that can carry gradients."""
    return numpy.issubdtype(dtype, numpy.floating)
