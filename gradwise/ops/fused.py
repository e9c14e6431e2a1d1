"""Fused kernels in C for elementwise work that NumPy does in many passes (optional: a C compiler).

``kernels(*arrays)`` gives the compiled kernels when they can serve these arrays (NumPy arrays of
the given dtypes, C-contiguous) and this machine has a C compiler, else None, and the caller runs
its NumPy code, which stays the reference and is tested on its own. The sources,
``fused_kernels.c`` (batch norm, padding, the convolutions' scatter-adds), ``elementwise_kernels.c``
(exp, sums, ReLU, cross-entropy, row copies), ``conv3x3_kernels.c`` (``conv_direct.py``),
``conv_kernels.c`` (the 16-channel direct convolutions, ``conv_o16.py``), ``lstm_kernels.c`` (the
LSTM's loops, ``lstm_fused.py``), ``gemm_kernels.c`` (the matrix product, ``gemm.py``, its vector
layer in ``gemm_vector.h``) and ``pool_kernels.c`` (max pooling), with what they share in
``fused_common.h``, are built into one library on first use and cached (``kernel_build.py``).
``status()`` says which it is.
``GRADWISE_FUSED=0`` in the environment, or ``set_enabled(False)``, turns them off (the
benchmark's A/B, the tests of both paths).

What they do (measured on an AMD EPYC Zen 4, 2026-12-02, each against the NumPy code it
replaces): the LSTM's time loops (``lstm_fused.py``); the scatter-adds of the convolutions'
input gradients, one channel plane at a time in cache (LeNet's second convolution 0.65 -> 0.17
ms, a 64-channel 8x8 3x3 one 2.3 -> 1.3 ms). On an Intel Xeon, 2026-12-02: the 3x3 convolutions'
weight gradients and flat planes, batch norm, ReLU's and max pooling's backwards, padding
(``conv_direct.py``, ``norm.py``, ``activation.py``, ``pool.py``). Kernels with enough work split it over NumPy's OpenBLAS threads
(``_Kernels.pool``, ``blas.pool``).

NOTE: why C and not numba. The same kernels written with numba (pip wheels, no compiler needed)
ran as fast, but importing numba and starting its LLVM took 107 MB of resident memory, which
alone broke the goal of half PyTorch's peak memory on LeNet-5, the LSTM and the ResNet (167 vs
323, 175 vs 351, 206 vs 369 MiB). A library built by the system's compiler costs a few hundred
KiB, and loads in a millisecond.
"""
import ctypes
import os
import struct
import subprocess

import numpy as np

from .. import blas
from ..backend import xp
from .kernel_build import _NoCompiler, _compiler, _flags, _library  # noqa: F401 (the tests and bench use them here)

_STATE = {"enabled": os.environ.get("GRADWISE_FUSED", "1") != "0", "kernels": None, "tried": False,
          "status": "not built yet"}


def set_enabled(flag):
    """Use the compiled kernels where they apply (True, the default) or always NumPy (False).
    Returns the previous setting."""
    previous, _STATE["enabled"] = _STATE["enabled"], bool(flag)
    return previous


def status():
    """One line: whether the C kernels are in use, and if not, why."""
    available()
    return _STATE["status"] if _STATE["enabled"] else "off (set_enabled(False) or GRADWISE_FUSED=0)"


def available():
    """True when the kernels are built (or could be now) and enabled."""
    if not _STATE["enabled"]:
        return False
    if not _STATE["tried"]:
        _STATE["tried"] = True
        try:
            _STATE["kernels"] = _Kernels(ctypes.CDLL(str(_library())))
            _STATE["status"] = f"on ({_compiler()} {' '.join(_flags()[:2])})"
        except (OSError, subprocess.SubprocessError, _NoCompiler) as exc:
            _STATE["status"] = f"off: {exc}"
    return _STATE["kernels"] is not None


def kernels(*arrays, dtypes=(np.float32,)):
    """The compiled kernels when they can run on ``arrays`` (all NumPy arrays of one of
    ``dtypes``, C-contiguous), else None."""
    for a in arrays:
        if type(a) is not np.ndarray or a.dtype not in dtypes or not a.flags.c_contiguous:
            return None
    return _STATE["kernels"] if available() else None


def vector_floats():
    """Floats per vector register the compiled kernels were built for: 16 (AVX-512), 8 (AVX2),
    4 (older or other CPUs), 0 without the kernels."""
    return _STATE["kernels"].vector_floats if available() else 0


_P, _L = ctypes.c_void_p, ctypes.c_long
#: gemm_f32's seventeen arguments as int64 in one bytes object (``gemm_f32_packed``; addresses fit)
_GEMM_ARGS = struct.Struct("=17q")


address = blas.address          # an array's first element, for the kernels' ``lib`` functions


#: where the buffers that threads split by columns start (two cache lines: the adjacent-line prefetcher's pairs)
ALIGN = 128


def empty_aligned(like, shape):
    """An uninitialised C-contiguous array of ``like``'s dtype whose data starts on an ALIGN-byte
    boundary (for a NumPy ``like``; otherwise ``empty_like``).

    NOTE: why. The batch-split LSTM loops (``lstm_fused.py``) write column blocks of the same rows
    from two threads; NumPy's 16-byte alignment lets a cache line straddle the blocks' border, and
    the two cores then fight over it (false sharing): the forward loop at the W3 shape 3.7 -> 3.3 ms
    (Intel Xeon, in-process, minimum of 5 x 20)."""
    if type(like) is not np.ndarray:
        return xp.empty_like(like, shape=shape)
    size = int(np.prod(shape)) * like.itemsize
    raw = np.empty(size + ALIGN, dtype=np.uint8)
    start = -raw.ctypes.data % ALIGN
    return raw[start:start + size].view(like.dtype).reshape(shape)



class _Kernels:
    """The library's functions, called with NumPy arrays (shapes and strides in elements)."""
    def __init__(self, lib):
        self.lib = lib
        for name, args in (("exp_array", [_P, _P, _L]), ("tanh_array", [_P, _P, _L]),
                           ("add_windows_f32", [_P, ctypes.c_int, _P, _P] + [_L] * 13),
                           ("add_windows_f64", [_P, ctypes.c_int, _P, _P] + [_L] * 13),
                           ("add_runs_f32", [_P, _L, _P] + [_L] * 8), ("add_runs_f64", [_P, _L, _P] + [_L] * 8),
                           ("lstm_forward", [_P, ctypes.c_int, _P, _P, ctypes.c_int, _P, _L] + [_P] * 11
                            + [_L, _L, _L, ctypes.c_int]),
                           ("lstm_backward", [_P, ctypes.c_int, _P, _P, ctypes.c_int] + [_P] * 11
                            + [ctypes.c_float, _L, _L, _L, _L, _P, _P, ctypes.c_int, _P, _L, _P]),
                           ("shallow_conv_f32", [_P, ctypes.c_int, _P, _L, _P] + [_L] * 7 + [_P, _L, _L]),
                           ("shallow_conv_f64", [_P, ctypes.c_int, _P, _L, _P] + [_L] * 7 + [_P, _L, _L]),
                           ("shallow_conv_weight_grad_f32", [_P, ctypes.c_int, _P, _L, _P] + [_L] * 7 + [_P, _L, _L]),
                           ("shallow_conv_weight_grad_f64", [_P, ctypes.c_int, _P, _L, _P] + [_L] * 7 + [_P, _L, _L]),
                           ("conv3x3_f32", [_P, ctypes.c_int, _P, _P, _P, _P] + [_L] * 5),
                           ("conv3x3_weight_grad_f32", [_P, ctypes.c_int, _P, _P, _P, _P] + [_L] * 5),
                           ("conv3x3_flat_f32", [_P, ctypes.c_int, _P, _P, _P, _P] + [_L] * 6),
                           ("conv3x3_flat_weight_grad_f32", [_P, ctypes.c_int, _P, _P, _P, _P] + [_L] * 6),
                           ("norm_f32", [_P, ctypes.c_int, ctypes.c_int] + [_P] * 7 + [_L, _L, ctypes.c_float]),
                           ("add_f32", [_P, ctypes.c_int, _P, _P, _P, _L]),
                           ("copy_rows_f32", [_P, ctypes.c_int, _P, _L, _L, _L, _P, _P] + [_L] * 5),
                           ("relu_forward_f32", [_P, ctypes.c_int, _P, _P, _L, _L]),
                           ("relu_backward_f32", [_P, ctypes.c_int, _P, _P, _P, _L, _L]),
                           ("bias_relu_f32", [_P, ctypes.c_int, _P, _P, _L, _L]),
                           ("max_pool2_backward_f32", [_P, ctypes.c_int, _P, _P, _P, _P] + [_L] * 7),
                           ("max_pool2_f32", [_P, ctypes.c_int, _P, _P, _L, _L, _L]),
                           ("pad_f32", [_P, ctypes.c_int, _P, _P, _L, _L, _L, _L]),
                           ("conv16_f32", [_P, ctypes.c_int, _P, _L, _L, _L, _L, _P, _P, _P] + [_L] * 9),
                           ("conv16_weight_grad_f32", [_P, ctypes.c_int, _P, _L, _L, _L, _L, _P, _L, _L, _P] + [_L] * 6),
                           ("conv_input_grad_flat_f32", [_P, ctypes.c_int, _P, _P, _P] + [_L] * 7),
                           ("gemm_f32_packed", [ctypes.c_char_p]),
                           ("pool_check", [_P, _P, ctypes.c_int])):
            fn = getattr(lib, name)
            fn.argtypes, fn.restype = args, None
        lib.vector_floats.argtypes, lib.vector_floats.restype = [], ctypes.c_int
        self.vector_floats = lib.vector_floats()
        lib.cross_entropy_rows_f32.argtypes = [_P, _L, _L, _L, _P, _L, _P, _P]
        lib.cross_entropy_rows_f32.restype = ctypes.c_int
        lib.gemm_available.argtypes, lib.gemm_available.restype = [], ctypes.c_int
        self.has_gemm = bool(lib.gemm_available())
        self._pool_checked = None

    def pool(self):
        """(address, threads) of the pool the kernels split their work over (NumPy's OpenBLAS
        threads, ``blas.pool``), after a check that it runs every part; (None, 1) without one."""
        where, threads = blas.pool()
        if where is None or threads < 2:
            return None, 1
        if self._pool_checked is None:
            marks = np.zeros(threads, dtype=np.int_)
            self.lib.pool_check(where, address(marks), threads)
            self._pool_checked = bool(marks.all())
        return (where, threads) if self._pool_checked else (None, 1)

    def exp(self, x, out):
        """out = e^x for float32 arrays (the kernels' exp: relative error under 2e-7 on [-87, 88])."""
        self.lib.exp_array(address(x), address(out), x.size)

    def tanh(self, x, out):
        self.lib.tanh_array(address(x), address(out), x.size)

    def add_windows(self, out, cols, sh, sw, dh, dw, zero=False):
        """out[c, n, i*dh + y*sh, j*dw + x*sw] += cols[c, i, j, n, y, x] (with ``zero``, out's
        planes are zeroed first: out may be uninitialised)."""
        fn = self.lib.add_windows_f32 if out.dtype == np.float32 else self.lib.add_windows_f64
        fn(*self.pool(), address(out), address(cols), *cols.shape, out.shape[2], out.shape[3], sh, sw, dh, dw,
           int(zero))

    def add_runs(self, out, plane, runs, wp, dh, dw):
        """out[(c*N + n)*plane + i*dh*wp + j*dw + q] += runs[c, i, j, n, q] (``out`` flat)."""
        fn = self.lib.add_runs_f32 if out.dtype == np.float32 else self.lib.add_runs_f64
        fn(address(out), plane, address(runs), *runs.shape, wp, dh, dw)

    def shallow_conv(self, x, plane, w, wp, dh, dw, y):
        """y (O, N, R) = the stride-1 convolution of the flat padded planes ``x`` on whole rows."""
        fn = self.lib.shallow_conv_f32 if x.dtype == np.float32 else self.lib.shallow_conv_f64
        fn(*self.pool(), address(x), plane, address(w), *w.shape, wp, dh, dw, address(y), y.shape[1], y.shape[2])

    def shallow_conv_weight_grad(self, x, plane, g, wp, dh, dw, gw):
        """gw (O, C, kh, kw) = the weight gradient of ``shallow_conv`` for its output gradient g."""
        fn = self.lib.shallow_conv_weight_grad_f32 if x.dtype == np.float32 else self.lib.shallow_conv_weight_grad_f64
        fn(*self.pool(), address(x), plane, address(g), *gw.shape, wp, dh, dw, address(gw), g.shape[1], g.shape[2])

    def conv3x3(self, x, w, out, chans):
        """out (O, N, H, W) = the 3x3 stride-1 convolution of the padded channel-major float32
        planes x (C, N, H + 2, W + 2, flat) with w (O, C, 3, 3); W % 16 == 0, O % 8 == 0."""
        o, n, h, wd = out.shape
        packed = np.empty(w.size, dtype=np.float32)
        self.lib.conv3x3_f32(*self.pool(), address(x), address(w), address(packed), address(out), chans, n, h, wd, o)

    def conv3x3_flat(self, x, w, out, chans, height, width):
        """The same for any width, on flat padded planes with 16 floats of slack after them:
        out (O, N, positions), position y * (W + 2) + x of each image (``conv_direct``)."""
        o, n, positions = out.shape
        packed = np.empty(w.size, dtype=np.float32)
        self.lib.conv3x3_flat_f32(*self.pool(), address(x), address(w), address(packed), address(out), chans, n, height,
                                  width, o, positions)

    def conv3x3_weight_grad(self, x, g, gw, chans):
        """gw (O, C, 3, 3) = the weight gradient of ``conv3x3`` for the output gradient g
        (O, N, H, W), contiguous; H even, W % 16 == 0, O even."""
        acc = np.empty((gw.shape[0] // 2) * chans * 18 * 16, dtype=np.float32)
        self.lib.conv3x3_weight_grad_f32(*self.pool(), address(x), address(g), address(gw), address(acc), chans,
                                         *g.shape[1:], gw.shape[0])

    def conv3x3_flat_weight_grad(self, x, g, gw, chans, height, width):
        """The weight gradient of ``conv3x3_flat`` for g (O, N, positions), zero at the dropped
        positions; O even."""
        acc = np.empty((gw.shape[0] // 2) * chans * 18 * 16, dtype=np.float32)
        self.lib.conv3x3_flat_weight_grad_f32(*self.pool(), address(x), address(g), address(gw), address(acc), chans,
                                              g.shape[1], height, width, gw.shape[0], g.shape[2])

    def conv16(self, x, wv, bias, out, stride=1):
        """out (N, O, oh, ow) = the convolution (stride both ways) of the padded float32 planes x
        (N, C, Hp, Wp; any order of N and C, rows contiguous) with wv (O/VF, C, kh, kw, VF) plus
        bias (O,); out's planes contiguous, any order of N and O (``conv_o16``)."""
        n, c, _, wp = x.shape
        ob, _, kh, kw, vf = wv.shape
        s, so = x.itemsize, out.itemsize
        self.lib.conv16_f32(*self.pool(), address(x), x.strides[0] // s, x.strides[1] // s, x.strides[2] // s,
                            stride, address(wv), address(bias), address(out), out.strides[0] // so, out.strides[1] // so,
                            c, n, kh, kw, ob * vf, out.shape[2], out.shape[3])

    def conv16_weight_grad(self, x, g, gwv, stride=1):
        """gwv (O/VF, C, K, K, VF) = the weight gradient of ``conv16`` for the output gradient
        g (N, O, oh, ow), each plane contiguous (any order of N and O); K 3 or 5."""
        n, c = x.shape[:2]
        s, sg = x.itemsize, g.itemsize
        self.lib.conv16_weight_grad_f32(*self.pool(), address(x), x.strides[0] // s, x.strides[1] // s,
                                        x.strides[2] // s, stride, address(g), g.strides[0] // sg, g.strides[1] // sg,
                                        address(gwv), c, n, gwv.shape[2], g.shape[1], g.shape[2], g.shape[3])

    def conv_input_grad_flat(self, g, wf, gx, hg, wg):
        """gx (C, N, positions) = the input gradient of a stride-1 convolution on flat planes, from
        the output gradient g (O, N, hg, wg; padded by K - 1, 32 floats of slack after it) and the
        flipped kernel wf (O, K, K, C); positions a multiple of 32 (``conv_o16``)."""
        o, k, _, c = wf.shape
        self.lib.conv_input_grad_flat_f32(*self.pool(), address(g), address(wf), address(gx), c, gx.shape[1], o, k,
                                          hg, wg, gx.shape[2])

    def norm_forward(self, x2, weight, bias, eps, out):
        """Batch normalisation of the float32 channel rows x2 (C, M) into out; returns the rows'
        (mean, biased variance) as a (C, 2) float64 array."""
        stats = np.empty((x2.shape[0], 2))
        self.lib.norm_f32(*self.pool(), 0, address(x2), None, _maybe(weight), _maybe(bias), address(out),
                          address(stats), None, x2.shape[0], x2.shape[1], eps)
        return stats

    def norm_backward(self, x2, g2, weight, stats, eps, gx):
        """From ``norm_forward``'s rows and stats and the output gradient rows g2: gx (None: not
        computed) and the (C, 2) float64 sums (of g, of g * xhat)."""
        sums = np.empty_like(stats)
        self.lib.norm_f32(*self.pool(), 1, address(x2), address(g2), _maybe(weight), None, _maybe(gx), address(stats),
                          address(sums), x2.shape[0], x2.shape[1], eps)
        return sums

    def add(self, x, y):
        """x + y for float32 arrays of one shape laid out alike in one dense block (any axis
        order), laid out like x; None for other arrays."""
        flat_x, flat_y = dense(x), dense(y)
        if flat_x is None or flat_y is None or x.shape != y.shape or x.strides != y.strides:
            return None
        out = np.empty_like(x)
        self.lib.add_f32(*self.pool(), address(flat_x), address(flat_y), address(dense(out)), x.size)
        return out

    def copy_rows(self, src, bias=None, width=None):
        """A contiguous float32 copy of the 4-D src (its rows contiguous) with bias (float32, one
        per index of the first axis) added, each row widened to ``width`` with zeros; None when
        src is not such an array."""
        if (type(src) is not np.ndarray or src.ndim != 4 or src.dtype != np.float32 or src.strides[3] != 4
                or bias is not None and (bias.dtype != np.float32 or bias.shape != src.shape[:1])):
            return None
        if bias is not None:
            bias = np.ascontiguousarray(bias)
        d0, d1, d2, ow = src.shape
        dst = np.empty((d0, d1, d2, width or ow), dtype=np.float32)
        self.lib.copy_rows_f32(*self.pool(), address(src), *(k // 4 for k in src.strides[:3]), _maybe(bias),
                               address(dst), d0, d1, d2, ow, width or ow)
        return dst

    def gemm(self, a, b, bias, out, sums=None, relu=None, row_sums=None):
        """out (m, n), rows contiguous, = a (m, k) @ b (k, n) (+ bias (n,) when not None), float32;
        each of a and b with its rows or its columns contiguous (``gemm_kernels.c``; has_gemm);
        sums (n,), when given, = b's column sums; row_sums (m,), when given, = a's row sums; relu,
        when given (laid out as out, or out itself: then only the ReLU is kept), = max(out, 0)."""
        s = a.itemsize
        where, threads = self.pool()
        self.lib.gemm_f32_packed(_GEMM_ARGS.pack(
            where or 0, threads, address(a), a.strides[0] // s, a.strides[1] // s, address(b), b.strides[0] // s,
            b.strides[1] // s, 0 if bias is None else address(bias), address(out), out.strides[0] // s, out.shape[0],
            out.shape[1], a.shape[1], 0 if sums is None else address(sums), 0 if relu is None else address(relu),
            0 if row_sums is None else address(row_sums)))

    def relu_forward(self, x):
        """max(x, 0) for a float32 array in one dense block (any axis order), laid out like x;
        None for other arrays."""
        flat_x = dense(x)
        if flat_x is None:
            return None
        y = np.empty_like(x)            # x's layout, so dense like it
        self.lib.relu_forward_f32(*self.pool(), address(flat_x), address(dense(y)), x.size, _rows_of(x))
        return y

    def bias_relu(self, x, bias):
        """max(x + bias, 0) into x itself (bias along the rows) in one pass, for a C-ordered
        float32 x (rows, cols) and bias (cols,) (the caller checks); returns x."""
        self.lib.bias_relu_f32(*self.pool(), address(x), address(bias), x.shape[0], x.shape[1])
        return x

    def cross_entropy_rows(self, x, target, ignore_index):
        """(softmax of the rows of x (n, c) float32 with contiguous rows, the sum over rows of
        log-sum-exp minus the target's logit) for int64 class indices, or None when a target is
        out of range or ignored (the NumPy path then handles it)."""
        p = np.empty(x.shape, dtype=np.float32)
        total = ctypes.c_double()
        if self.lib.cross_entropy_rows_f32(address(x), x.shape[0], x.shape[1], x.strides[0] // 4, address(target),
                                           ignore_index, address(p), ctypes.addressof(total)):
            return None
        return p, total.value

    def relu_backward(self, y, g, out=None):
        """g where y > 0, else 0, for float32 arrays laid out alike in one dense block (any axis
        order), into ``out`` when given (g itself may be it); None when they are not."""
        flat_y, flat_g = dense(y), dense(g)
        if flat_y is None or flat_g is None or y.strides != g.strides or (out is not None and out.strides != y.strides):
            return None
        gx = np.empty_like(y) if out is None else out       # y's layout, so dense like it
        self.lib.relu_backward_f32(*self.pool(), address(flat_y), address(flat_g), address(dense(gx)), y.size,
                                   _rows_of(y))
        return gx

    def max_pool2(self, x):
        """The 2x2, stride-2 max pooling (NumPy's maximum: NaN propagates) of float32 x (N, C, H, W),
        H and W even, each image plane contiguous (any order of N and C), laid out like x; None
        for other arrays."""
        flat = _planes(x)
        if flat is None:
            return None
        n, c, h, w = x.shape
        out = np.empty((n, c, h // 2, w // 2) if flat[1] else (c, n, h // 2, w // 2), dtype=np.float32)
        out = out if flat[1] else out.transpose(1, 0, 2, 3)
        self.lib.max_pool2_f32(*self.pool(), address(flat[0]), address(dense(out)), n * c, h, w)
        return out

    def max_pool2_backward(self, x, out, g):
        """The input gradient of 2x2, stride-2 max pooling that tiles x (N, C, H, W) exactly, for
        out and g (N, C, H/2, W/2), float32, x and out laid out alike with each image plane
        contiguous (any order of N and C), g's rows contiguous; None otherwise."""
        flats = [_planes(a) for a in (x, out)]
        if (any(f is None for f in flats) or flats[0][1] != flats[1][1] or type(g) is not np.ndarray
                or g.dtype != np.float32 or g.strides[3] != 4):
            return None
        gx = np.empty_like(x)           # x's layout, so its planes lie as x's
        n, c, h, w = x.shape
        second, gs = (c, g.strides[:2]) if flats[0][1] else (n, g.strides[1::-1])
        self.lib.max_pool2_backward_f32(*self.pool(), address(flats[0][0]), address(flats[1][0]), address(g),
                                        address(dense(gx)), n * c, second, gs[0] // 4, gs[1] // 4, g.strides[2] // 4,
                                        h, w)
        return gx

    def pad(self, src, pad, slack):
        """A flat buffer holding the C-contiguous float32 (A, B, H, W) array ``src`` zero-padded by
        ``pad`` on every side, (A, B, H + 2 pad, W + 2 pad), then ``slack`` zeros; None for other
        arrays."""
        if type(src) is not np.ndarray or src.dtype != np.float32 or not src.flags.c_contiguous or src.ndim != 4:
            return None
        a, b, h, w = src.shape
        buf = np.empty(a * b * (h + 2 * pad) * (w + 2 * pad) + slack, dtype=np.float32)
        buf[buf.size - slack:] = 0
        self.lib.pad_f32(*self.pool(), address(src), address(buf), a * b, h, w, pad)
        return buf


def _planes(a):
    """(C-contiguous view, order of the first two axes) of a 4-D array whose (H, W) planes are
    contiguous and packed in some order of its first two axes; None otherwise."""
    view = dense(a)
    if view is None or a.ndim != 4 or a.strides[2] < a.strides[3] or min(a.strides[:2]) < a.strides[2]:
        return None
    return view, a.strides[0] >= a.strides[1]


def _rows_of(a):
    """The row length of a C-ordered 2-D array (a dense layer's output: its ReLU is split among
    the threads as the product split it, ``column_split`` in elementwise_kernels.c), else 0."""
    return a.shape[1] if a.ndim == 2 and a.flags.c_contiguous else 0


def dense(a):
    """A C-contiguous view of ``a``'s memory when it is one dense block in some axis order
    (a channel-major view, a transpose), else None."""
    if type(a) is not np.ndarray or a.dtype != np.float32:
        return None
    if a.flags.c_contiguous:
        return a
    order = sorted(range(a.ndim), key=lambda k: -a.strides[k])
    view = a.transpose(order)
    return view if view.flags.c_contiguous else None


def _maybe(a):
    return None if a is None else address(a)
