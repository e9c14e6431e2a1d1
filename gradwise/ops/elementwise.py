"""Elementwise arithmetic and math: one class per op (forward and backward), then its function.

Inputs broadcast as in NumPy; ``unbroadcast`` gives each input its gradient in its own shape.
Python scalars and ndarrays are accepted anywhere a tensor is, as constants.
"""
from ..autograd import Function
from ..backend import xp
from .util import shape_of, unbroadcast


class Add(Function):
    def forward(self, a, b):
        self.shapes = shape_of(a), shape_of(b)
        return a + b

    def backward(self, g):
        sa, sb = self.shapes
        na, nb = self.needs_grad
        return (unbroadcast(g, sa) if na else None), (unbroadcast(g, sb) if nb else None)


def add(a, b):
    """a + b with broadcasting."""
    return Add.apply(a, b)


class Sub(Function):
    def forward(self, a, b):
        self.shapes = shape_of(a), shape_of(b)
        return a - b

    def backward(self, g):
        sa, sb = self.shapes
        na, nb = self.needs_grad
        return (unbroadcast(g, sa) if na else None), (unbroadcast(-g, sb) if nb else None)


def sub(a, b):
    """a - b with broadcasting."""
    return Sub.apply(a, b)


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
    return Mul.apply(a, b)


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
    """a / b with broadcasting."""
    return Div.apply(a, b)


class Neg(Function):
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
    return Pow.apply(a, b)


class Exp(Function):
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
    return Maximum.apply(a, b)


def minimum(a, b):
    """Elementwise minimum of a and b."""
    return Minimum.apply(a, b)


class Clip(Function):
    def forward(self, a, lo, hi):
        self.save_for_backward(a)
        self.lo, self.hi = lo, hi
        return xp.clip(a, lo, hi)

    def backward(self, g):
        a = self.saved[0]
        inside = xp.ones(a.shape, dtype=bool)
        if self.lo is not None:
            inside &= a >= self.lo
        if self.hi is not None:
            inside &= a <= self.hi
        return g * inside, None, None


def clip(a, min=None, max=None):
    """Limit values to [min, max]; the gradient passes where the input is inside (bounds included)."""
    if min is None and max is None:
        raise ValueError("clip: give at least one of min and max")
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
    return Where.apply(cond, a, b)


# comparisons: boolean results, no gradient, no graph
def _compare(ufunc, a, b):
    from ..tensor import Tensor
    return Tensor._make(xp.asarray(ufunc(getattr(a, "data", a), getattr(b, "data", b))), None)


def lt(a, b): return _compare(xp.less, a, b)
def le(a, b): return _compare(xp.less_equal, a, b)
def gt(a, b): return _compare(xp.greater, a, b)
def ge(a, b): return _compare(xp.greater_equal, a, b)
def eq(a, b): return _compare(xp.equal, a, b)
def ne(a, b): return _compare(xp.not_equal, a, b)
