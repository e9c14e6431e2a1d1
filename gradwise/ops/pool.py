"""Pooling: max (the gradient goes to the first maximum of each window) and average, on (N, C, H, W).

NOTE: primitives for speed: the windows are a strided view; backward adds one strided slice
per kernel position.
"""
import math

from ..autograd import Function
from ..backend import xp
from ..errors import ArgumentError, ShapeError
from . import fused
from .conv import out_size, pair, windows


def _geometry(op, x, kernel_size, stride, padding, dilation, ceil_mode):
    if ceil_mode:
        raise ArgumentError(f"{op}: ceil_mode=True is not supported; pad the input instead")
    if x.ndim != 4:
        raise ShapeError(f"{op}: expected input of shape (N, C, H, W); got {x.shape}")
    k = pair(kernel_size, "kernel_size", 1, op)
    s = k if stride is None or stride == [] else pair(stride, "stride", 1, op)
    p, d = pair(padding, "padding", 0, op), pair(dilation, "dilation", 1, op)
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ArgumentError(f"{op}: padding {p} must be at most half the kernel size {k}")
    oh = out_size(x.shape[2], k[0], s[0], d[0], 2 * p[0])
    ow = out_size(x.shape[3], k[1], s[1], d[1], 2 * p[1])
    if oh <= 0 or ow <= 0:
        raise ShapeError(f"{op}: input {x.shape[2]}x{x.shape[3]} is smaller than the kernel {k[0]}x{k[1]}")
    return k, s, p, d, oh, ow


def _pad(x, p, value):
    if not any(p):
        return x
    return xp.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])), constant_values=value)


def _crop(a, p):
    return a[:, :, p[0]:a.shape[2] - p[0], p[1]:a.shape[3] - p[1]]


def _offsets(k, s, d, oh, ow):
    """The strided slice of a padded input that each kernel position (i, j) reads, row-major."""
    for i in range(k[0]):
        for j in range(k[1]):
            r, c = i * d[0], j * d[1]
            yield (slice(None), slice(None), slice(r, r + s[0] * (oh - 1) + 1, s[0]),
                   slice(c, c + s[1] * (ow - 1) + 1, s[1]))


class MaxPool2d(Function):
    """NOTE: the forward is a running np.maximum over the kernel positions (no index bookkeeping:
    2.6 -> 0.2 ms for LeNet's first pool); backward finds, per window, the first position that
    holds the maximum (row-major, as an argmax would) from the saved input, and routes the
    gradient there. The saved input is usually the ReLU output, already kept for its backward.
    Compiled both ways for 2x2 windows, stride 2 (``pool_kernels.c``: one pass each, vectorised, on
    OpenBLAS's threads; the same maxima as the running maximum bit for bit, the output gradient read
    in place in any layout with contiguous rows): LeNet-5's backward 0.87 -> 0.46 ms each (Intel
    Xeon, cProfile, scalar), C@112's first pool forward 17.6x and backward 7.7x faster than the
    running maximum and the scalar backward (AMD EPYC Zen 4, 2 threads, vectorised)."""
    def forward(self, x, k, s, p, d, oh, ow):
        jit = fused.kernels() if k == s == (2, 2) and d == (1, 1) and not any(p) else None
        if jit is not None and x.shape[2] % 2 == 0 and x.shape[3] % 2 == 0:
            out = jit.max_pool2(x)
            if out is not None:
                self.save_for_backward(x, out)
                self.args = (k, s, p, d)
                return out
        xp_ = _pad(x, p, -xp.inf)
        slices = _offsets(k, s, d, oh, ow)
        out = xp_[next(slices)].copy(order="K")          # keep the input's memory order (conv gives channel-major)
        for sl in slices:
            xp.maximum(out, xp_[sl], out=out)
        self.save_for_backward(xp_, out)
        self.args = (k, s, p, d)
        return out

    def backward(self, g):
        xp_, out = self.saved
        k, s, p, d = self.args
        jit = fused.kernels() if k == s == (2, 2) and d == (1, 1) and not any(p) else None
        if jit is not None and xp_.shape[2] % 2 == 0 and xp_.shape[3] % 2 == 0:
            gx = jit.max_pool2_backward(xp_, out, g)        # g in either order of images and channels
            if gx is not None:
                return (gx,) + (None,) * 6
        if g.strides != out.strides:                      # one small copy so every pass walks one order
            g_same = xp.empty_like(out, dtype=g.dtype)
            g_same[...] = g
            g = g_same
        # windows that do not overlap (span <= stride): every input element is written at most once,
        # and where they also tile the input exactly, once each (no zero fill needed)
        disjoint = all(dd * (kk - 1) + 1 <= ss for kk, ss, dd in zip(k, s, d))
        tiled = disjoint and not any(p) and k == s and all(
            o * ss == n for o, ss, n in zip(g.shape[2:], s, xp_.shape[2:]))
        gx = (xp.empty_like if tiled else xp.zeros_like)(xp_, dtype=g.dtype)    # same memory order as the input
        # per kernel position: where it holds the maximum and no earlier position did (hit > taken
        # is hit & ~taken for booleans, one pass)
        slices = list(_offsets(k, s, d, *g.shape[2:]))
        taken = xp.equal(xp_[slices[0]], out)
        hit = xp.empty_like(taken)
        for n, sl in enumerate(slices):
            if n:
                xp.equal(xp_[sl], out, out=hit)
                xp.greater(hit, taken, out=hit)
                if n + 1 < len(slices):
                    taken |= hit
            first = hit if n else taken
            if disjoint:
                xp.multiply(g, first, out=gx[sl])
            else:
                gx[sl] += g * first
        return (_crop(gx, p),) + (None,) * 6


class AvgPool2d(Function):
    def forward(self, x, k, s, p, oh, ow, count_include_pad):
        xp_ = _pad(x, p, 0)
        total = windows(xp_, k[0], k[1], s, (1, 1), oh, ow).sum(axis=(-2, -1))
        if count_include_pad or not any(p):
            divisor = k[0] * k[1]
        else:   # count only the real (unpadded) elements of each window
            ones = _pad(xp.ones((1, 1) + x.shape[2:], dtype=x.dtype), p, 0)
            divisor = windows(ones, k[0], k[1], s, (1, 1), oh, ow).sum(axis=(-2, -1))
        self.args = (xp_.shape, k, s, p, divisor)
        return total / divisor

    def backward(self, g):
        pshape, k, s, p, divisor = self.args
        share = g / divisor
        gx = xp.zeros_like(g, shape=pshape, order="C")
        for sl in _offsets(k, s, (1, 1), *g.shape[2:]):
            gx[sl] += share
        return (_crop(gx, p),) + (None,) * 6


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """Largest value of each window (stride defaults to the kernel size), as PyTorch's ``F.max_pool2d``.

    Args:
        input: (N, C, H, W). kernel_size, stride, padding, dilation: int or pair.
    """
    k, s, p, d, oh, ow = _geometry("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode)
    return MaxPool2d.apply(input, k, s, p, d, oh, ow)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Mean of each window, as PyTorch's ``F.avg_pool2d``; zero padding counts unless
    ``count_include_pad=False``."""
    k, s, p, _, oh, ow = _geometry("avg_pool2d", input, kernel_size, stride, padding, 1, ceil_mode)
    return AvgPool2d.apply(input, k, s, p, oh, ow, count_include_pad)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """Max pooling over the last axis of (N, C, L)."""
    if input.ndim != 3:
        raise ShapeError(f"max_pool1d: expected input of shape (N, C, L); got {input.shape}")
    out = max_pool2d(input.unsqueeze(2), (1, kernel_size), None if stride is None else (1, stride),
                     (0, padding), (1, dilation), ceil_mode)
    return out.squeeze(2)


def adaptive_avg_pool2d(input, output_size):
    """Average over a grid of output_size cells that covers the input (PyTorch's bins:
    cell i spans floor(i*H/out) to ceil((i+1)*H/out))."""
    from .reduce import mean
    from .shape import stack
    n, c, h, w = input.shape
    oh, ow = pair(output_size, "output_size", 1, "adaptive_avg_pool2d")
    if h % oh == 0 and w % ow == 0:
        return mean(input.reshape(n, c, oh, h // oh, ow, w // ow), axis=(3, 5))
    cells = [mean(input[:, :, (i * h) // oh:math.ceil((i + 1) * h / oh), (j * w) // ow:math.ceil((j + 1) * w / ow)],
                  axis=(2, 3)) for i in range(oh) for j in range(ow)]
    return stack(cells, axis=2).reshape(n, c, oh, ow)
