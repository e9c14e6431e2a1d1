"""Activations as primitives, each with value and gradient that stay finite at extreme inputs."""
import math

from ..autograd import Function, grad_is_free
from ..backend import xp
from ..errors import ArgumentError
from . import fused, gemm
from .util import zeros_view


class Step(Function):
    saves_inputs = False

    def forward(self, a):
        self.shape = a.shape
        return (a >= 0).astype(a.dtype)

    def backward(self, g):
        return xp.zeros_like(g, shape=self.shape, order="C")


def step(a):
    """Heaviside step: 1 where a >= 0, else 0. Its gradient is 0 everywhere, so nothing
    below a step unit can learn by backpropagation (the perceptron rule trains it instead)."""
    return Step.apply(a)


def _sigmoid(a):
    """NOTE: no ``np.where`` here or in the activations below: it branches per element, and on
    a random sign pattern it runs 20x slower than arithmetic (524,288 float32: 2.6 ms against
    0.13 ms for a multiply, AMD EPYC, NumPy 2.4). Blends are written so that they stay exact:
    max(e, a >= 0) is 1 where a >= 0 and e < 1 elsewhere; ``blend`` adds a zero."""
    e = xp.exp(-xp.abs(a))             # never overflows
    return xp.maximum(e, a >= 0) / (1 + e)


def blend(mask, factor):
    """1 where ``mask``, else ``factor`` (a number or an array), exactly: (~mask) * factor + mask
    (``factor`` must be finite where ``mask`` is set: 0 * inf is NaN)."""
    out = xp.multiply(~mask, factor)
    out += mask
    return out


class Sigmoid(Function):
    saves_inputs = False

    def forward(self, a):
        out = _sigmoid(a).astype(a.dtype, copy=False)
        self.save_for_backward(out)
        return out

    def backward(self, g):
        s = self.saved[0]
        return g * s * (1 - s)


def sigmoid(a):
    """1 / (1 + e^-a), computed without overflow for large |a|."""
    return Sigmoid.apply(a)


class Tanh(Function):
    saves_inputs = False

    def forward(self, a):
        out = xp.tanh(a)
        self.save_for_backward(out)
        return out

    def backward(self, g):
        t = self.saved[0]
        return g * (1 - t * t)


def tanh(a):
    """Hyperbolic tangent."""
    return Tanh.apply(a)


#: the size from which ReLU runs compiled (below, NumPy's call costs less than the kernel's): a
#: dense layer's (128, 256) output took ~3% of W1's step forward and backward in NumPy (W1 1.020)
RELU_COMPILED = 1 << 14


class ReLU(Function):
    saves_inputs = False

    def forward(self, a):
        out = gemm.FUSION.take_relu(a)      # stored by the dense layer's product, when it was asked
        if out is None:
            jit = fused.kernels() if a.size >= RELU_COMPILED else None
            out = None if jit is None else jit.relu_forward(a)
        if out is None:
            zeros = zeros_view(a)
            out = xp.maximum(a, 0 if zeros is None else zeros)
        self.save_for_backward(out)
        return out

    def backward(self, g):
        y = self.saved[0]
        jit = fused.kernels() if y.size >= RELU_COMPILED else None
        # written into g when nothing else sees it (autograd.grad_is_free), else a new array; asked
        # first: g on the stack of a call being built counts as one more reference
        out = g if jit is not None and grad_is_free(g) else None
        gx = None if jit is None else jit.relu_backward(y, g, out=out)
        if gx is None:      # in y's layout (channel-major after a convolution), whatever g's
            gx = xp.multiply(g, y > 0, out=xp.empty_like(y, dtype=xp.result_type(g, y)))
        return gx


def relu(a):
    """max(a, 0); gradient 1 where a > 0, else 0."""
    return ReLU.apply(a)


class LeakyReLU(Function):
    saves_inputs = False

    def forward(self, a, negative_slope):
        slope = blend(a > 0, xp.asarray(negative_slope, dtype=a.dtype))       # the derivative
        self.save_for_backward(slope)
        return a * slope

    def backward(self, g):
        return g * self.saved[0], None


def leaky_relu(a, negative_slope=0.01):
    """a where a > 0, else negative_slope * a."""
    return LeakyReLU.apply(a, negative_slope)


class ELU(Function):
    def forward(self, a, alpha):
        out = alpha * xp.expm1(xp.minimum(a, 0))        # 0 where a > 0
        out += xp.maximum(a, 0)
        self.save_for_backward(a, out)
        self.alpha = alpha
        return out

    def backward(self, g):
        a, out = self.saved
        return g * blend(a > 0, xp.minimum(out, 0) + self.alpha), None       # finite where a > 0, even at inf


def elu(a, alpha=1.0):
    """a where a > 0, else alpha * (e^a - 1)."""
    return ELU.apply(a, alpha)


# Abramowitz & Stegun 7.1.26: |error| < 1.5e-7, below float32 resolution near 1
_AS = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


def _erf(x):
    ax = xp.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * ax)
    poly = t * (_AS[0] + t * (_AS[1] + t * (_AS[2] + t * (_AS[3] + t * _AS[4]))))
    return xp.sign(x) * (1.0 - poly * xp.exp(-ax * ax))


_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


class GELU(Function):
    def forward(self, a, approximate):
        self.save_for_backward(a)
        self.approximate = approximate
        if approximate == "tanh":
            return 0.5 * a * (1 + xp.tanh(_SQRT_2_OVER_PI * (a + 0.044715 * a ** 3)))
        return (0.5 * a * (1 + _erf(a / math.sqrt(2.0)))).astype(a.dtype, copy=False)

    def backward(self, g):
        a = self.saved[0]
        if self.approximate == "tanh":
            inner = _SQRT_2_OVER_PI * (a + 0.044715 * a ** 3)
            t = xp.tanh(inner)
            d = 0.5 * (1 + t) + 0.5 * a * (1 - t * t) * _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * a * a)
        else:
            cdf = 0.5 * (1 + _erf(a / math.sqrt(2.0)))
            d = cdf + a * xp.exp(-0.5 * a * a) / math.sqrt(2 * math.pi)
        return (g * d).astype(g.dtype, copy=False), None


def gelu(a, approximate="none"):
    """a * Phi(a), Phi the standard normal CDF; ``approximate='tanh'`` uses the tanh formula."""
    if approximate not in ("none", "tanh"):
        raise ArgumentError(f"gelu: approximate must be 'none' or 'tanh'; got {approximate!r}")
    return GELU.apply(a, approximate)


class Softplus(Function):
    def forward(self, a, beta, threshold):
        self.save_for_backward(a)
        self.beta, self.threshold = beta, threshold
        z = a * beta
        return xp.where(z > threshold, a, xp.logaddexp(0, z) / beta)

    def backward(self, g):
        z = self.saved[0] * self.beta
        return xp.where(z > self.threshold, g, g * _sigmoid(z)), None, None


def softplus(a, beta=1.0, threshold=20.0):
    """log(1 + e^(beta a)) / beta; linear where beta * a > threshold (as in PyTorch)."""
    return Softplus.apply(a, beta, threshold)


class Softmax(Function):
    saves_inputs = False

    def forward(self, a, dim):
        out = a - xp.max(a, axis=dim, keepdims=True)
        xp.exp(out, out=out)
        out /= xp.sum(out, axis=dim, keepdims=True)
        self.save_for_backward(out)
        self.dim = dim
        return out

    def backward(self, g):
        p = self.saved[0]
        gp = g * p
        gp -= p * xp.sum(gp, axis=self.dim, keepdims=True)
        return gp, None


def softmax(a, dim=-1):
    """e^a / sum(e^a) along ``dim``, computed after subtracting the maximum."""
    return Softmax.apply(a, dim)


class LogSoftmax(Function):
    saves_inputs = False

    def forward(self, a, dim):
        shifted = a - xp.max(a, axis=dim, keepdims=True)
        out = shifted - xp.log(xp.sum(xp.exp(shifted), axis=dim, keepdims=True))
        self.save_for_backward(out)
        self.dim = dim
        return out

    def backward(self, g):
        return g - xp.exp(self.saved[0]) * xp.sum(g, axis=self.dim, keepdims=True), None


def log_softmax(a, dim=-1):
    """log(softmax(a)) along ``dim``, stable for large inputs."""
    return LogSoftmax.apply(a, dim)
