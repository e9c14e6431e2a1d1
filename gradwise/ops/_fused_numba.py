"""Compiled, fused float32 kernels (numba): the LSTM's gate arithmetic of one time step in one loop.

Imported only through ``gradwise.ops.fused`` (which falls back to the NumPy code when numba is
absent). NOTE: numba's pip wheels have no vector math library (no SVML), so ``np.exp`` inside a
loop is a scalar libm call and the loop does not vectorise (a fused LSTM cell ran 8-13x slower
than NumPy's calls that way). Here exp is plain arithmetic that LLVM vectorises (AVX2 or AVX-512
as the CPU has): exp(x) = 2^n * e^r with n = round(x / ln 2) and |r| <= ln 2 / 2, e^r by its
Taylor polynomial to r^7 (truncation under 6e-9 relative, below float32's 6e-8), and 2^n written
straight into the float's exponent bits. The error model is NumPy's: Python's would check every
division for zero and keep the loop scalar.
"""
import math

import llvmlite.ir
import numpy as np
from numba import njit, types
from numba.extending import intrinsic

_F = np.float32
_LOG2E = _F(1 / math.log(2))
_LN2_HI, _LN2_LO = _F(0.693359375), _F(math.log(2) - 0.693359375)    # ln 2 in two parts (Cody-Waite)
_LOW, _HIGH = _F(-87.0), _F(88.0)      # exp's argument range whose result is a normal float32
_C2, _C3, _C4, _C5, _C6, _C7 = (_F(1 / math.factorial(k)) for k in range(2, 8))
_ONE, _HALF, _TWO = _F(1), _F(0.5), _F(2)
_OPTIONS = dict(cache=True, nogil=True, boundscheck=False, error_model="numpy")


@intrinsic
def _float_from_bits(typingctx, bits):
    """The float32 whose bit pattern is the int32 ``bits``."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], llvmlite.ir.FloatType())
    return types.float32(types.int32), codegen


@njit(inline="always", error_model="numpy")
def exp(x):
    """e^x for float32, relative error under 1e-7 on [-87, 88]; clamped outside (so 1 / (1 + exp)
    gives exactly 0 or 1 far out, and never inf or nan from a finite input)."""
    x = min(max(x, _LOW), _HIGH)
    n = np.floor(x * _LOG2E + _HALF)
    r = x - n * _LN2_HI - n * _LN2_LO
    p = _ONE + r * (_ONE + r * (_HALF + r * (_C3 + r * (_C4 + r * (_C5 + r * (_C6 + r * _C7))))))
    return p * _float_from_bits((np.int32(n) + np.int32(127)) << np.int32(23))


@njit(inline="always", error_model="numpy")
def tanh(x):
    """tanh(x) = 1 - 2 / (e^2x + 1): absolute error under 2e-7."""
    return _ONE - _TWO / (exp(_TWO * x) + _ONE)


@njit(**_OPTIONS)
def lstm_forward_step(a, rec, c_prev, c, h, k, k_g, k_c, grad):
    """One LSTM step on flat feature-major blocks of n = H*B floats.

    ``a`` (4n): the gates' input pre-activations in the order (i, f, o, g), the sigmoid gates'
    negated (the NumPy path's layout); ``rec`` (4n): the recurrent product, in the same form. Writes
    c, h (n each) and the forget gate into ``a[n:2n]``; with ``grad``, the backward's factors:
    k (3n) = i(1-i)g, f(1-f)c_prev, o(1-o)tanh(c); k_g = (1-g^2) i; k_c = (1-tanh(c)^2) o."""
    n = c.size
    for e in range(n):
        i = _ONE / (_ONE + exp(a[e] + rec[e]))
        f = _ONE / (_ONE + exp(a[n + e] + rec[n + e]))
        o = _ONE / (_ONE + exp(a[2 * n + e] + rec[2 * n + e]))
        g = tanh(a[3 * n + e] + rec[3 * n + e])
        cp = c_prev[e]
        ce = f * cp + i * g
        tc = tanh(ce)
        c[e] = ce
        h[e] = o * tc
        a[n + e] = f
        if grad:
            k[e] = i * (_ONE - i) * g
            k[n + e] = f * (_ONE - f) * cp
            k[2 * n + e] = o * (_ONE - o) * tc
            k_g[e] = (_ONE - g * g) * i
            k_c[e] = (_ONE - tc * tc) * o


@njit(**_OPTIONS)
def lstm_backward_step(dh, dc, k, k_g, k_c, f, d):
    """One step of the LSTM's backward on flat blocks of n floats: dc += dh k_c; the gates'
    gradients into ``d`` (4n, PyTorch's order i, f, g, o); then dc *= f (for the step before)."""
    n = dc.size
    for e in range(n):
        g_h = dh[e]
        g_c = dc[e] + g_h * k_c[e]
        d[e] = g_c * k[e]
        d[n + e] = g_c * k[n + e]
        d[2 * n + e] = g_c * k_g[e]
        d[3 * n + e] = g_h * k[2 * n + e]
        dc[e] = g_c * f[e]
