"""More elementwise math: trigonometry, log1p/expm1, erf, and the piecewise-constant rounding
functions (their gradient is 0 almost everywhere, as in PyTorch)."""
import math

from ..autograd import Function
from ..backend import xp
from .activation import _erf


class Sin(Function):
    def forward(self, a):
        self.save_for_backward(a)
        return xp.sin(a)

    def backward(self, g):
        return g * xp.cos(self.saved[0])


def sin(a):
    """Sine (radians)."""
    return Sin.apply(a)


class Cos(Function):
    def forward(self, a):
        self.save_for_backward(a)
        return xp.cos(a)

    def backward(self, g):
        return -g * xp.sin(self.saved[0])


def cos(a):
    """Cosine (radians)."""
    return Cos.apply(a)


class Tan(Function):
    saves_inputs = False

    def forward(self, a):
        out = xp.tan(a)
        self.save_for_backward(out)
        return out

    def backward(self, g):
        t = self.saved[0]
        return g * (1 + t * t)


def tan(a):
    """Tangent (radians)."""
    return Tan.apply(a)


class Atan(Function):
    def forward(self, a):
        self.save_for_backward(a)
        return xp.arctan(a)

    def backward(self, g):
        a = self.saved[0]
        return g / (1 + a * a)


def atan(a):
    """Inverse tangent."""
    return Atan.apply(a)


class Log1p(Function):
    def forward(self, a):
        self.save_for_backward(a)
        return xp.log1p(a)

    def backward(self, g):
        return g / (1 + self.saved[0])


def log1p(a):
    """log(1 + a), accurate for small a."""
    return Log1p.apply(a)


class Expm1(Function):
    saves_inputs = False

    def forward(self, a):
        out = xp.expm1(a)
        self.save_for_backward(out)
        return out

    def backward(self, g):
        return g * (self.saved[0] + 1)


def expm1(a):
    """e^a - 1, accurate for small a."""
    return Expm1.apply(a)


class Erf(Function):
    def forward(self, a):
        self.save_for_backward(a)
        return _erf(a).astype(a.dtype, copy=False)

    def backward(self, g):
        a = self.saved[0]
        return (g * (2 / math.sqrt(math.pi)) * xp.exp(-a * a)).astype(g.dtype, copy=False)


def erf(a):
    """The error function (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7)."""
    return Erf.apply(a)


class PiecewiseConstant(Function):
    """floor, ceil, round, trunc, sign: flat between jumps, so the gradient is 0."""
    saves_inputs = False

    def forward(self, a, ufunc):
        self.shape = a.shape
        return ufunc(a)

    def backward(self, g):
        return xp.zeros_like(g, shape=self.shape, order="C"), None


def floor(a): return PiecewiseConstant.apply(a, xp.floor)
def ceil(a): return PiecewiseConstant.apply(a, xp.ceil)
def trunc(a): return PiecewiseConstant.apply(a, xp.trunc)
def sign(a): return PiecewiseConstant.apply(a, xp.sign)


def round(a, decimals=0):
    """Round half to even, as PyTorch; gradient 0."""
    return PiecewiseConstant.apply(a, xp.round if decimals == 0 else lambda x: xp.round(x, decimals))
