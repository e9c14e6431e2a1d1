"""Elementwise arithmetic and math: one class per op (forward and backward), then its function.

Inputs broadcast as in NumPy; ``unbroadcast`` gives each input its gradient in its own shape.
Python scalars and ndarrays are accepted anywhere a tensor is, as constants.
"""
from .. import backend
from ..autograd import Function
from ..backend import xp
from . import fused
from .util import shape_of, unbroadcast
from ..errors import ArgumentError


def _dtype_of(v):
    d = getattr(v, "_data", v)
    return d.dtype if isinstance(d, xp.ndarray) else None


def _as(v, dtype):
    """``v`` (an integer or bool tensor or array, which never carries a gradient) as ``dtype``."""
    return getattr(v, "_data", v).astype(dtype)


def promote(a, b):
    """Operands with PyTorch's type promotion where it differs from NumPy's: an integer or bool
    tensor meeting a floating tensor takes that tensor's dtype (NumPy would widen int64 with
    float32 to float64), and meeting a Python float takes the default float dtype."""
    da, db = _dtype_of(a), _dtype_of(b)
    if da is db:
        return a, b
    if da is not None and da.kind in "biu":
        if db is not None and db.kind == "f":
            a = _as(a, db)
        elif db is None and isinstance(b, float):
            a = _as(a, backend.default_dtype)
    elif db is not None and db.kind in "biu":
        if da is not None and da.kind == "f":
            b = _as(b, da)
        elif da is None and isinstance(a, float):
            b = _as(b, backend.default_dtype)
    return a, b


class Add(Function):
    saves_inputs = False

    def forward(self, a, b):
        self.shapes = shape_of(a), shape_of(b)
        return big_add(a, b)

    def backward(self, g):
        sa, sb = self.shapes
        na, nb = self.needs_grad
        return (unbroadcast(g, sa) if na else None), (unbroadcast(g, sb) if nb else None)


def big_add(a, b):
    """a + b; for large float32 arrays of one shape and layout, the compiled add on OpenBLAS's
    threads (``fused.add``; a residual block's sum, the gradients' sum at a fork), laid out like a."""
    if type(a) is xp.ndarray and type(b) is xp.ndarray and a.size >= 1 << 16 and a.shape == b.shape:
        jit = fused.kernels()
        out = None if jit is None else jit.add(a, b)
        if out is not None:
            return out
    return a + b


def add(a, b):
    """a + b with broadcasting."""
    return Add.apply(*promote(a, b))


class Sub(Function):
    saves_inputs = False

    def forward(self, a, b):
        self.shapes = shape_of(a), shape_of(b)
        return a - b

    def backward(self, g):
        sa, sb = self.shapes
        na, nb = self.needs_grad
        return (unbroadcast(g, sa) if na else None), (unbroadcast(-g, sb) if nb else None)


def sub(a, b):
    """a - b with broadcasting."""
    return Sub.apply(*promote(a, b))


class Mul(Function):
    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a * b

    def backward(self, g):
        a, b = self.saved
        na, nb = self.needs_grad
        return (unbroadcast(g * b, shape_of(a)) if na else None,
                unbroadcast(g * a, shape_of(b)) if nb else None)


def mul(a, b):
    """a * b with broadcasting."""
    return Mul.apply(*promote(a, b))


class Div(Function):
    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a / b

    def backward(self, g):
        a, b = self.saved
        na, nb = self.needs_grad
        ga = g / b
        return (unbroadcast(ga, shape_of(a)) if na else None,
                unbroadcast(-ga * a / b, shape_of(b)) if nb else None)


def div(a, b):
    """a / b with broadcasting; integer operands give the default float dtype (true division)."""
    a, b = promote(a, b)
    da, db = _dtype_of(a), _dtype_of(b)
    if (da is None or da.kind in "biu") and (db is None or db.kind in "biu") and not (da is None and db is None):
        a = _as(backend.asarray(getattr(a, "_data", a)), backend.default_dtype)
        if db is not None:
            b = _as(b, backend.default_dtype)
    return Div.apply(a, b)


class Neg(Function):
    saves_inputs = False

    def forward(self, a):
        return -a

    def backward(self, g):
        return -g


def neg(a):
    """-a"""
    return Neg.apply(a)


class Pow(Function):
    def forward(self, a, b):
        out = a ** b
        self.save_for_backward(a, b, out)
        return out

    def backward(self, g):
        a, b, out = self.saved
        na, nb = self.needs_grad
        ga = gb = None
        if na:
            ga = unbroadcast(g * b * a ** (b - 1), shape_of(a))
        if nb:      # d(a^b)/db = a^b ln a, defined for a > 0 (0 elsewhere, as in PyTorch)
            log_a = xp.log(xp.where(a > 0, a, 1)).astype(g.dtype, copy=False)   # a may be a Python float
            gb = unbroadcast(g * out * log_a, shape_of(b))
        return ga, gb


def pow(a, b):
    """a ** b with broadcasting; either side may be a tensor."""
    return Pow.apply(*promote(a, b))


class Exp(Function):
    saves_inputs = False

    def forward(self, a):
        out = xp.exp(a)
        self.save_for_backward(out)
        return out

    def backward(self, g):
        return g * self.saved[0]


def exp(a):
    """e ** a"""
    return Exp.apply(a)


class Log(Function):
    def forward(self, a):
        self.save_for_backward(a)
        return xp.log(a)

    def backward(self, g):
        return g / self.saved[0]


def log(a):
    """Natural logarithm."""
    return Log.apply(a)


class Sqrt(Function):
    saves_inputs = False

    def forward(self, a):
        out = xp.sqrt(a)
        self.save_for_backward(out)
        return out

    def backward(self, g):
        return g / (2 * self.saved[0])


def sqrt(a):
    """Square root."""
    return Sqrt.apply(a)


class Abs(Function):
    def forward(self, a):
        self.save_for_backward(a)
        return xp.abs(a)

    def backward(self, g):
        return g * xp.sign(self.saved[0])


def abs(a):
    """|a| (gradient 0 at 0, as in PyTorch)."""
    return Abs.apply(a)


class Maximum(Function):
    def forward(self, a, b):
        self.save_for_backward(a, b)
        return xp.maximum(a, b)

    def backward(self, g):
        a, b = self.saved
        return _split_between(g, a, b, a > b, self.needs_grad)


class Minimum(Function):
    def forward(self, a, b):
        self.save_for_backward(a, b)
        return xp.minimum(a, b)

    def backward(self, g):
        a, b = self.saved
        return _split_between(g, a, b, a < b, self.needs_grad)


def _split_between(g, a, b, a_wins, needs):
    """Gradient of an elementwise choice between a and b; ties share it equally (as PyTorch)."""
    share = xp.where(a_wins, 1.0, xp.where(a == b, 0.5, 0.0)).astype(g.dtype, copy=False)
    na, nb = needs
    return (unbroadcast(g * share, shape_of(a)) if na else None,
            unbroadcast(g * (1 - share), shape_of(b)) if nb else None)


def maximum(a, b):
    """Elementwise maximum of a and b."""
    return Maximum.apply(*promote(a, b))


def minimum(a, b):
    """Elementwise minimum of a and b."""
    return Minimum.apply(*promote(a, b))


class Clip(Function):
    def forward(self, a, lo, hi):
        self.save_for_backward(a)
        self.lo, self.hi = lo, hi
        return xp.clip(a, lo, hi)

    def backward(self, g):
        a = self.saved[0]
        inside = xp.ones_like(a, dtype=bool)
        if self.lo is not None:
            inside &= a >= self.lo
        if self.hi is not None:
            inside &= a <= self.hi
        return g * inside, None, None


def clip(a, min=None, max=None):
    """Limit values to [min, max]; the gradient passes where the input is inside (bounds included)."""
    if min is None and max is None:
        raise ArgumentError("clip: give at least one of min and max")
    return Clip.apply(a, min, max)


class Where(Function):
    def forward(self, cond, a, b):
        self.save_for_backward(cond)
        self.shapes = shape_of(a), shape_of(b)
        return xp.where(cond, a, b)

    def backward(self, g):
        cond = self.saved[0]
        _, na, nb = self.needs_grad
        zero = xp.zeros((), g.dtype)
        return (None,
                unbroadcast(xp.where(cond, g, zero), self.shapes[0]) if na else None,
                unbroadcast(xp.where(cond, zero, g), self.shapes[1]) if nb else None)


def where(cond, a, b):
    """a where cond is true, else b (cond gets no gradient)."""
    return Where.apply(cond, *promote(a, b))


class Remainder(Function):
    def forward(self, a, b):
        self.save_for_backward(a, b)
        return xp.remainder(a, b)

    def backward(self, g):
        a, b = self.saved
        na, nb = self.needs_grad
        return (unbroadcast(g, shape_of(a)) if na else None,
                unbroadcast(-g * xp.floor_divide(a, b), shape_of(b)) if nb else None)


def remainder(a, b):
    """a mod b with the sign of b (Python's %, PyTorch's ``remainder``)."""
    return Remainder.apply(*promote(a, b))


class Fmod(Function):
    def forward(self, a, b):
        self.save_for_backward(a, b)
        return xp.fmod(a, b)

    def backward(self, g):
        a, b = self.saved
        na, nb = self.needs_grad
        return (unbroadcast(g, shape_of(a)) if na else None,
                unbroadcast(-g * xp.trunc(a / b), shape_of(b)) if nb else None)


def fmod(a, b):
    """a mod b with the sign of a (C's fmod)."""
    return Fmod.apply(*promote(a, b))


# results without a gradient (comparisons, logic, integer division): no graph
def _compare(ufunc, a, b):
    from ..tensor import Tensor
    return Tensor._make(backend.asarray(ufunc(getattr(a, "_data", a), getattr(b, "_data", b))), None)


def floor_divide(a, b):
    """floor(a / b), PyTorch's ``//``: no gradient (it is piecewise constant)."""
    a, b = promote(a, b)
    return _compare(xp.floor_divide, a, b)


def logical_and(a, b): return _compare(xp.logical_and, a, b)
def logical_or(a, b): return _compare(xp.logical_or, a, b)
def logical_xor(a, b): return _compare(xp.logical_xor, a, b)
def bitwise_and(a, b): return _compare(xp.bitwise_and, a, b)
def bitwise_or(a, b): return _compare(xp.bitwise_or, a, b)
def bitwise_xor(a, b): return _compare(xp.bitwise_xor, a, b)


def logical_not(a):
    return _compare(lambda x, _: xp.logical_not(x), a, None)


def bitwise_not(a):
    return _compare(lambda x, _: xp.invert(x), a, None)


def isnan(a): return _compare(lambda x, _: xp.isnan(x), a, None)
def isinf(a): return _compare(lambda x, _: xp.isinf(x), a, None)
def isfinite(a): return _compare(lambda x, _: xp.isfinite(x), a, None)


def lt(a, b): return _compare(xp.less, a, b)
def le(a, b): return _compare(xp.less_equal, a, b)
def gt(a, b): return _compare(xp.greater, a, b)
def ge(a, b): return _compare(xp.greater_equal, a, b)
def eq(a, b): return _compare(xp.equal, a, b)
def ne(a, b): return _compare(xp.not_equal, a, b)
