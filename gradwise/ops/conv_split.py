"""Stride-1 convolution as one accumulating GEMM per kernel row (the im2col of wide images).

NOTE: why. ``im2col`` writes kh * kw shifted copies of the input (nine for 3x3) and the GEMM reads
them back: on a VM with little memory bandwidth that copy is as slow as the product. Here only
the kw horizontal shifts are copied, onto the grid of all Hp padded rows (N * Hp * ow columns):
shifting that grid down by i * dilation rows is then just an offset into the same buffer, so
kernel row i is a window of it that BLAS reads in place, and the output is the sum of kh
products, accumulated by BLAS itself (``blas.gemm`` with beta = 1). The rows past oh are
computed and dropped (Hp / oh more work). A third of the copying and of the saved columns for
a 3x3 kernel. Forward, AMD EPYC, in-process A/B, min of 11 rounds: 16 channels at 32x32 3.97 ->
2.57 ms, 32 at 16x16 2.86 -> 2.28 ms, 64 at 8x8 2.20 -> 2.07 ms. The input gradient (a
correlation of the padded output gradient with the flipped kernel) is the same computation.

Used where ``blas.gemm`` reaches BLAS (NumPy's OpenBLAS), for stride 1, one group, kh > 1 and
products at least MIN_DEPTH deep. The W6 ResNet step: -11% (in-process A/B, 11 rounds).
"""
from .. import blas
from ..backend import xp
from .conv_rows import compact

_as_strided = xp.lib.stride_tricks.as_strided


#: the fewest rows (channels x kernel width) a kernel row's product must have: thinner products run
#: too far below BLAS's rate (LeNet's first convolution, 1 channel x 5: +65%; 6 x 5: +1 to +9%;
#: 16 x 3: -24%)
MIN_DEPTH = 40


def eligible(x, weight, stride, groups, depth):
    """Whether this path runs: ``depth`` is channels x kernel width of the products (the input's
    channels for the forward, the output's for the input gradient)."""
    return (type(x) is xp.ndarray and stride == (1, 1) and groups == 1 and weight.shape[2] > 1
            and depth >= MIN_DEPTH and x.dtype == weight.dtype and x.dtype in (xp.float32, xp.float64)
            and blas.available())


def shifted_columns(src, kw, dw, slack):
    """(A*kw, N*H*ow + slack) for a contiguous (A, N, H, W) array, ow = W - (kw-1)*dw: row (a, j)
    holds src[a, :, :, j*dw:j*dw + ow] flattened over (n, y, x); the slack columns are zeros."""
    a, n, h, w = src.shape
    ow = w - (kw - 1) * dw
    m = n * h * ow
    buf = xp.empty((a * kw, m + slack), dtype=src.dtype)
    buf[:, m:] = 0
    s0, s1, s2, s3 = src.strides
    view = _as_strided(src, (a, kw, n, h, ow), (s0, s3 * dw, s1, s2, s3), writeable=False)
    buf[:, :m].reshape(a, kw, n, h, ow)[...] = view
    return buf, m


def row_products(weights, buf, m, step):
    """sum over kernel rows i of weights[i] (R, A*kw) @ buf[:, i*step : i*step + m]."""
    out = xp.empty((weights[0].shape[0], m), dtype=buf.dtype)
    for i, w in enumerate(weights):
        blas.gemm(w, buf[:, i * step:i * step + m], out, 0.0 if i == 0 else 1.0)
    return out


def forward(fn, xc, weight, bias, dilation):
    """Convolution of the padded channel-major input ``xc`` (C, N, Hp, Wp); returns (N, O, oh, ow)."""
    c, n, hp, wp = xc.shape
    o, _, kh, kw = weight.shape
    dh, dw = dilation
    oh, ow = hp - (kh - 1) * dh, wp - (kw - 1) * dw
    buf, m = shifted_columns(xc if xc.flags.c_contiguous else xc.copy(), kw, dw, (kh - 1) * dh * ow)
    weights = [xp.ascontiguousarray(weight[:, :, i, :]).reshape(o, c * kw) for i in range(kh)]
    fn.save_for_backward(buf, weight)
    fn.split = (xc.shape, oh, ow, m)
    return compact(row_products(weights, buf, m, dh * ow).reshape(o, n, hp, ow)[:, :, :oh], bias)


def weight_grad(buf, gt, weight, hp, dh, m):
    """(O, C, kh, kw) gradient from the saved shifted columns and the output gradient gt (O, N, oh, ow)."""
    o, c, kh, kw = weight.shape
    n, oh, ow = gt.shape[1:]
    grid = xp.zeros((o, n, hp, ow), dtype=gt.dtype)          # zero on the rows past oh
    grid[:, :, :oh] = gt
    g2 = grid.reshape(o, m)
    gw = xp.empty((o, c, kh, kw), dtype=weight.dtype)
    part = xp.empty((c * kw, o), dtype=weight.dtype)
    for i in range(kh):
        blas.gemm(buf[:, i * dh * ow:i * dh * ow + m], g2.T, part)
        gw[:, :, i, :] = part.reshape(c, kw, o).transpose(2, 0, 1)
    return gw


def input_grad(gt, weight, pshape, dilation):
    """The gradient of the padded input (C, N, Hp, Wp): the output gradient gt (O, N, oh, ow), padded
    by the kernel's extent, correlated with the flipped, transposed kernel, row by row."""
    o, c, kh, kw = weight.shape
    dh, dw = dilation
    eh, ew = dh * (kh - 1), dw * (kw - 1)
    n, oh, ow = gt.shape[1:]
    hg, wg = oh + 2 * eh, ow + 2 * ew
    gp = xp.zeros((o, n, hg, wg), dtype=gt.dtype)
    gp[:, :, eh:eh + oh, ew:ew + ow] = gt
    wp = pshape[3]                                           # = wg - ew
    buf, m = shifted_columns(gp, kw, dw, eh * wp)
    flipped = weight[:, :, ::-1, ::-1]
    weights = [xp.ascontiguousarray(flipped[:, :, i, :].transpose(1, 0, 2)).reshape(c, o * kw) for i in range(kh)]
    return row_products(weights, buf, m, dh * wp).reshape(c, n, hg, wp)[:, :, :pshape[2]]
