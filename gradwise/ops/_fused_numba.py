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

from ._fused_conv import add_runs, add_windows  # noqa: F401  (this module is the kernels' one namespace)

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
def lstm_forward_step(a, sa, rec, c_prev, c, h, sh, k, k_g, k_c, grad):
    """One LSTM step over (H, B) blocks.

    ``a``: the step's gate pre-activations from the input, flat, gate row q*H + r at
    ``a[(q*H + r) * sa:]`` (rows ``sa`` floats apart), in the order (i, f, o, g) with the sigmoid
    gates' negated (the NumPy path's layout); ``rec`` (4H, B): the recurrent product in the same
    form. Writes c (H, B), h (flat, rows ``sh`` apart) and the forget gate over its pre-activation
    in ``a``; with ``grad``, the backward's factors k (3H, B) = i(1-i)g, f(1-f)c_prev,
    o(1-o)tanh(c); k_g = (1-g^2) i; k_c = (1-tanh(c)^2) o (k, k_g, k_c: full-size arrays even
    without ``grad``, unwritten then).

    NOTE: the inner loop runs over 1-D row views: indexing the 2-D and flat arrays directly in it
    kept LLVM from vectorising (10x slower)."""
    hid, batch = c.shape
    for r in range(hid):
        xi, xf = a[r * sa:r * sa + batch], a[(hid + r) * sa:(hid + r) * sa + batch]
        xo, xg = a[(2 * hid + r) * sa:(2 * hid + r) * sa + batch], a[(3 * hid + r) * sa:(3 * hid + r) * sa + batch]
        ri, rf, ro, rg = rec[r], rec[hid + r], rec[2 * hid + r], rec[3 * hid + r]
        cp_r, c_r, h_r = c_prev[r], c[r], h[r * sh:r * sh + batch]
        ki, kf, ko, kg, kc = k[r], k[hid + r], k[2 * hid + r], k_g[r], k_c[r]
        for j in range(batch):
            i = _ONE / (_ONE + exp(xi[j] + ri[j]))
            f = _ONE / (_ONE + exp(xf[j] + rf[j]))
            o = _ONE / (_ONE + exp(xo[j] + ro[j]))
            g = tanh(xg[j] + rg[j])
            cp = cp_r[j]
            ce = f * cp + i * g
            tc = tanh(ce)
            c_r[j] = ce
            h_r[j] = o * tc
            xf[j] = f
            if grad:
                ki[j] = i * (_ONE - i) * g
                kf[j] = f * (_ONE - f) * cp
                ko[j] = o * (_ONE - o) * tc
                kg[j] = (_ONE - g * g) * i
                kc[j] = (_ONE - tc * tc) * o


@njit(**_OPTIONS)
def lstm_backward_step(dh, dc, k, k_g, k_c, f, sf, d, sd):
    """One step of the LSTM's backward over (H, B) blocks: dc += dh k_c; the gates' gradients into
    ``d`` (flat, gate row q*H + r at ``d[(q*H + r) * sd:]``, PyTorch's order i, f, g, o); then
    dc *= f, the forget gate read from ``f`` (flat, row r at ``f[(H + r) * sf:]``: the forward's
    ``a``)."""
    hid, batch = dc.shape
    for r in range(hid):
        di, df = d[r * sd:r * sd + batch], d[(hid + r) * sd:(hid + r) * sd + batch]
        dg, do = d[(2 * hid + r) * sd:(2 * hid + r) * sd + batch], d[(3 * hid + r) * sd:(3 * hid + r) * sd + batch]
        ki, kf, ko, kg, kc = k[r], k[hid + r], k[2 * hid + r], k_g[r], k_c[r]
        dh_r, dc_r, f_r = dh[r], dc[r], f[(hid + r) * sf:(hid + r) * sf + batch]
        for j in range(batch):
            g_h = dh_r[j]
            g_c = dc_r[j] + g_h * kc[j]
            di[j] = g_c * ki[j]
            df[j] = g_c * kf[j]
            dg[j] = g_c * kg[j]
            do[j] = g_h * ko[j]
            dc_r[j] = g_c * f_r[j]
