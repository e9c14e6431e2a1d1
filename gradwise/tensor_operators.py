"""Tensor's Python operators (``+``, ``@``, ``<`` ...), each one gradwise op: mixed into ``Tensor``.

Comparisons give boolean tensors and no gradient, and return NotImplemented for objects they
do not know, so Python can try the other operand.
"""
import numbers

import numpy as np

from .backend import xp


class OperatorMethods:
    """Mixed into ``Tensor``."""
    __slots__ = ()

    def __add__(self, other): return E.add(self, other)
    def __radd__(self, other): return E.add(other, self)
    def __sub__(self, other): return E.sub(self, other)
    def __rsub__(self, other): return E.sub(other, self)
    def __mul__(self, other): return E.mul(self, other)
    def __rmul__(self, other): return E.mul(other, self)
    def __truediv__(self, other): return E.div(self, other)
    def __rtruediv__(self, other): return E.div(other, self)
    def __floordiv__(self, other): return E.floor_divide(self, other)
    def __rfloordiv__(self, other): return E.floor_divide(other, self)
    def __mod__(self, other): return E.remainder(self, other)
    def __rmod__(self, other): return E.remainder(other, self)
    def __pow__(self, other): return E.pow(self, other)
    def __rpow__(self, other): return E.pow(other, self)
    def __matmul__(self, other): return L.matmul(self, other)
    def __rmatmul__(self, other): return L.matmul(other, self)
    def __neg__(self): return E.neg(self)
    def __pos__(self): return self
    def __abs__(self): return E.abs(self)
    def __invert__(self): return E.logical_not(self) if self._data.dtype == bool else E.bitwise_not(self)
    def __and__(self, other): return E.logical_and(self, other) if self._data.dtype == bool else E.bitwise_and(self, other)
    def __or__(self, other): return E.logical_or(self, other) if self._data.dtype == bool else E.bitwise_or(self, other)
    def __xor__(self, other): return E.logical_xor(self, other)
    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__

    # comparisons give boolean tensors and no gradient
    def __lt__(self, other): return E.lt(self, other) if _comparable(other) else NotImplemented
    def __le__(self, other): return E.le(self, other) if _comparable(other) else NotImplemented
    def __gt__(self, other): return E.gt(self, other) if _comparable(other) else NotImplemented
    def __ge__(self, other): return E.ge(self, other) if _comparable(other) else NotImplemented
    def __eq__(self, other): return E.eq(self, other) if _comparable(other) else NotImplemented
    def __ne__(self, other): return E.ne(self, other) if _comparable(other) else NotImplemented


def _comparable(v):
    return isinstance(v, (OperatorMethods, xp.ndarray, numbers.Number, list, tuple, np.generic))


from .ops import elementwise as E, linalg as L  # noqa: E402
