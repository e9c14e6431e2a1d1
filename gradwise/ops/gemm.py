"""The float32 matrix product of the dense layer's mid-sized shapes, compiled (``gemm_kernels.c``),
with NumPy's BLAS for everything else.

NOTE: why. At the MLP's shapes (batch 128, 784 -> 512 -> 256) NumPy's OpenBLAS multiplies at
200-304 GFLOP/s on two cores, PyTorch's MKL at 300-345; the compiled product 264-306 in fresh
processes (``python bench/gemm_rates.py``), 300-337 in process (2 cores, Intel Xeon with
AVX-512; on AVX2, against OpenBLAS's Haswell kernels, 1.00-1.13x).
Large products (W4's 512 x 2048 @ 2048 x 2048) stay with OpenBLAS: the compiled one is only
level with it there on AVX-512 (0.93-1.04), behind on AVX2 (0.88-0.97), and inside W4's step
slower (0.938 with it for all). Small ones too (a call through ctypes costs more than it saves),
except where the output is large or a is short: OpenBLAS took 12-14x the compiled product's time
for batch 1's weight gradient (784 x 1 @ 1 x 512), 2.2-2.9x for 3-16 rows of a against the MLP's
first weight, 2.1-3.0x for 2 rows against a weight of a million or more (held to AVX2 1.1-1.8x);
with 1 row (a matrix-vector product) its own path is faster. Under 32 columns NumPy's too
(the tiles are 8 x 32, 6 x 16 on AVX2).
"""
import threading

import numpy as np

from .. import blas
from . import fused

MIN_WORK = 1 << 20      # multiply-adds: below, NumPy's call is cheaper
MIN_OUTPUT = 1 << 15    # ... unless the output has this many floats (a weight gradient at small batches)
MIN_ROWS = 2            # rows of a from which it is compiled (a forward at small batches)
MAX_WORK = 1 << 28      # above, OpenBLAS's cache blocking wins


_F32 = np.dtype(np.float32)


def _lines(a):
    """1 when the float32 2-D array ``a`` has contiguous rows (its row stride spans a row), 2 when
    it has contiguous columns, else 0."""
    flags = a.flags
    if flags.c_contiguous:
        return 1
    if flags.f_contiguous:
        return 2
    rs, cs = a.strides
    if cs == 4 and rs % 4 == 0 and rs >= 4 * max(a.shape[1], 1):
        return 1
    if rs == 4 and cs % 4 == 0 and cs >= 4 * max(a.shape[0], 1):
        return 2
    return 0


def _kernels(a, b, bias):
    """The compiled kernels when they take a @ b (+ bias), else None. NOTE: six of these a W1
    step: identity tests for types and the dtype (an equal but not identical dtype goes to NumPy)."""
    if (type(a) is not np.ndarray or type(b) is not np.ndarray or a.dtype is not _F32 or b.dtype is not _F32
            or a.ndim != 2 or b.ndim != 2):
        return None
    m, k = a.shape
    kb, n = b.shape
    if k != kb or m < MIN_ROWS or n < 32 or k == 0 or m * n * k > MAX_WORK or (m * n * k < MIN_WORK and m * n < MIN_OUTPUT):
        return None
    if bias is not None and not (type(bias) is np.ndarray and bias.dtype is _F32 and bias.shape == (n,)
                                 and bias.flags.c_contiguous):
        return None
    lines = _lines(a)
    if not lines or not _lines(b) or (lines == 2 and n < 64):    # a packed (x.T) against under 2 panels of b: NumPy's is faster
        return None
    kernels = fused.kernels()
    return kernels if kernels is not None and kernels.has_gemm else None


def _narrow_transposed(a, b):
    """Whether b is a small column-major matrix of under 32 columns (a classifier head's weight.T,
    the weight row-major): OpenBLAS multiplies by a row-major copy of it faster, copy included
    (128 x 256 @ 256 x 10 plus bias: 1.28x faster, Intel Xeon)."""
    return (type(b) is np.ndarray and b.ndim == 2 and b.shape[1] < 32 and b.size <= 1 << 16
            and b.flags.f_contiguous and not b.flags.c_contiguous and getattr(a, "ndim", 0) == 2 and a.shape[0] >= 16)


def _bias_relu_after(a, b, bias):
    """Whether NumPy's product a @ b, then its bias and ReLU in one compiled pass (fused.bias_relu),
    serve a layer too large for the compiled product (float32, a C-ordered output of 64 Ki floats
    or more)."""
    return (type(bias) is np.ndarray and bias.dtype is _F32 and bias.ndim == 1 and bias.flags.c_contiguous
            and type(a) is np.ndarray and type(b) is np.ndarray and a.dtype is _F32 and b.dtype is _F32
            and a.ndim == 2 and b.ndim == 2 and bias.shape[0] == b.shape[1] and a.shape[0] * b.shape[1] >= 1 << 16
            and fused.kernels() is not None)


def matmul(a, b, bias=None, relu=False):
    """a @ b (+ bias along the rows), a new C-ordered array: compiled for float32 at the shapes
    where it is faster, else NumPy's (``blas.addmm`` with a bias). With ``relu``, the pair
    (max(that, 0), the same array) when the ReLU could be made with it (the compiled product
    stores it from its registers; after NumPy's product, one pass adds the bias and takes it):
    the values before the ReLU are not kept; else (that, None)."""
    kernels = _kernels(a, b, bias)
    if kernels is None:
        if _narrow_transposed(a, b):
            b = np.ascontiguousarray(b)
        if relu and _bias_relu_after(a, b, bias):       # a large layer that a ReLU follows
            out = fused.kernels().bias_relu(a @ b, bias)
            return out, out
        out = a @ b if bias is None else blas.addmm(bias, a, b)
        return (out, None) if relu else out
    out = np.empty((a.shape[0], b.shape[1]), dtype=np.float32)
    kernels.gemm(a, b, bias, out, relu=out if relu else None)
    return (out, out) if relu else out


def matmul_and_sums(a, b, rows=False):
    """(a @ b, b's column sums): the dense layer's weight gradient x.T @ g and its bias gradient,
    the sums taken from b's packed panels by the compiled product (no pass of their own over g),
    else ``blas.column_sums``. With ``rows``, (a @ b, a's row sums): g.T @ x and the same bias
    gradient, for a weight stored as PyTorch stores it (the sums from a's packed tiles)."""
    kernels = _kernels(a, b, None)
    if kernels is None:
        return a @ b, blas.column_sums(a.T) if rows else blas.column_sums(b)
    out = np.empty((a.shape[0], b.shape[1]), dtype=np.float32)
    if rows:
        sums = np.empty(a.shape[0], dtype=np.float32)
        kernels.gemm(a, b, None, out, row_sums=sums)
    else:
        sums = np.empty(b.shape[1], dtype=np.float32)
        kernels.gemm(a, b, None, out, sums)
    return out, sums


class _Fusion(threading.local):
    """A dense layer's output handed to the ReLU that follows it, computed by the product.

    NOTE: why. W1's two ReLUs took 3% of its step forward (each a pass over the layer's output,
    read and written, on both cores); the product has the values in registers and stores their
    ReLU instead (W1 1.018, I1 1.063 against storing both). The graph does not change: the Linear
    and ReLU nodes stay, with their backward (neither needs the values before the ReLU); only the
    ReLU's forward finds its result made, and the Linear's output array, which nothing can see
    between the two, already holds it. ``nn.Sequential`` asks (``want_relu``) for a Linear with a
    ReLU right after it and nothing that could look in between (module hooks, global hooks, the
    anomaly checks, the graph tracers: ``_relu_follows``), and clears both fields after the pair;
    ``Linear``'s forward leaves its output array, which holds the ReLU, in ``made``; the ReLU's
    forward takes it when its input is that very array."""
    want_relu = False
    made = None

    def take_relu(self, a):
        """``a`` itself when it is the product's output that holds its ReLU already (once), else None."""
        made, self.made = self.made, None
        return a if made is a else None


FUSION = _Fusion()
