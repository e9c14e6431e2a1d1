"""Stride-1 convolution lowered on whole padded rows: the im2col for narrow images.

NOTE: why. ``im2col`` copies, per (channel, kernel offset), one run of ``ow`` elements per output
row: 8 or 12 floats in the small feature maps of LeNet and of a ResNet's last stage, where the
copy loop's overhead per run dominates. Here the output is computed on every column of the
padded width Wp instead of the ow valid ones: then each (channel, kernel offset, image) row of
the column matrix is one contiguous run of oh * Wp elements of the padded input, and the columns
past ow are dropped afterwards. (Wp - ow) / ow more GEMM work for far fewer, longer copies.
Measured on an AMD EPYC, in-process A/B, min over 11-30 rounds: LeNet's second convolution
(12x12 input, 5x5 kernel) forward 0.82 -> 0.62 ms, forward + backward 4.7 -> 3.7 ms; the W2
LeNet-5 step -3%, its inference (I2) -7%; a 64-channel 8x8 3x3 convolution unchanged; widths 16
and 24 slower by 5-8% (the extra columns cost more than the shorter copies save), hence
MAX_WIDTH = 12. The input gradient, when it is scattered back, uses the same runs (one
contiguous add per kernel offset).

The reads of the last run go (kw - 1) * dilation elements past the padded input: the buffer has
that many zeros after it. Those extra columns only ever meet zeros of the output gradient.
"""
from ..backend import xp
from . import fused

#: widest output that takes this path (wider rows are long runs already; the extra columns cost)
MAX_WIDTH = 12

_as_strided = xp.lib.stride_tricks.as_strided


def eligible(x, stride, groups, ow):
    return type(x) is xp.ndarray and stride == (1, 1) and groups == 1 and ow <= MAX_WIDTH


def shallow(x, weight, stride, groups):
    """Whether the compiled shallow convolution (``fused_kernels.c``: no columns, kernel positions
    four at a time) takes this one: few output channels (the GEMM on im2col columns is then a few
    rows tall), kernels at least four wide, few channels x positions. NOTE: measured against
    im2col + GEMM, forward and weight gradient, AMD EPYC Zen 4: LeNet's 1 -> 6 channels 5x5
    convolution (batch 64, 28x28) 1.82-1.92 -> 0.92-1.03 ms; 2 -> 8 channels 5x5 about equal;
    slower, so not taken: 1 -> 32 channels 3x3 (PyTorch's MNIST example; forward 0.41 -> 0.80 ms)
    and 3 -> 16 channels 3x3 (0.64 -> 1.02 ms)."""
    o, c, kh, kw = weight.shape
    return (stride == (1, 1) and groups == 1 and o <= 8 and kw >= 4 and c * kh * kw <= 50
            and x.dtype == weight.dtype and fused.kernels(weight, dtypes=(xp.float32, xp.float64)) is not None
            and type(x) is xp.ndarray)


def padded(xc, pads, slack):
    """A zero-padded copy (C, N, Hp, Wp) of channel-major ``xc`` at the start of a flat buffer
    with ``slack`` zeros after it; returns (buffer, padded view). In one compiled pass when the
    padding is the same on every side and xc a contiguous float32 array (``fused.pad``: NumPy's
    strided copy and four strided fills, the column ones a few elements per row, cost the direct
    3x3 convolutions' nine paddings 4.9 -> 1.6 ms a W6 step)."""
    c, n, h, w = xc.shape
    top, bottom, left, right = pads
    hp, wp = h + top + bottom, w + left + right
    size = c * n * hp * wp
    jit = fused.kernels() if top == bottom == left == right else None
    buf = None if jit is None else jit.pad(xc, top, slack)
    if buf is not None:
        return buf, buf[:size].reshape(c, n, hp, wp)
    buf = xp.empty(size + slack, dtype=xc.dtype)
    out = buf[:size].reshape(c, n, hp, wp)
    buf[size:] = 0
    out[:, :, :top] = 0
    out[:, :, hp - bottom:] = 0
    out[:, :, :, :left] = 0
    out[:, :, :, wp - right:] = 0
    out[:, :, top:top + h, left:left + w] = xc
    return buf, out


def columns(buf, shape, kh, kw, dilation, rows):
    """(C*kh*kw, N*rows*Wp): row (c, i, j) holds, per image, the run of rows*Wp elements of the
    padded input that starts at (i*dh, j*dw)."""
    c, n, hp, wp = shape
    s = buf.itemsize
    view = _as_strided(buf, (c, kh, kw, n, rows * wp), (n * hp * wp * s, dilation[0] * wp * s, dilation[1] * s,
                                                        hp * wp * s, s), writeable=False)
    return view.copy().reshape(c * kh * kw, n * rows * wp)


def forward(fn, x, weight, bias, padding, dilation):
    """The convolution of (N, C, H, W) ``x``; keeps on ``fn`` what ``backward`` needs."""
    o, c, kh, kw = weight.shape
    slack = (kw - 1) * dilation[1]
    buf, xpad = padded(x.transpose(1, 0, 2, 3), padding, slack)
    n, hp, wp = xpad.shape[1:]
    oh, ow = hp - (kh - 1) * dilation[0], wp - slack
    fn.rows = (xpad.shape, oh, ow, shallow(x, weight, (1, 1), 1))
    if fn.rows[3]:                                  # no columns: the padded input is what backward needs
        y = xp.empty_like(buf, shape=(o, n, oh * wp))
        fused.kernels().shallow_conv(buf, hp * wp, weight, wp, *dilation, y)     # C order: shallow()
        fn.save_for_backward(buf, weight)
        return compact(y.reshape(o, n, oh, wp)[..., :ow], bias)
    cols = columns(buf, xpad.shape, kh, kw, dilation, oh)
    fn.save_for_backward(cols, weight)
    return compact((weight.reshape(o, -1) @ cols).reshape(o, n, oh, wp)[..., :ow], bias)


def compact(valid, bias):
    """The valid part (O, N, oh, ow) of an output computed on a wider grid, copied into a
    channel-major array with the bias added on the way; returned as (N, O, oh, ow)."""
    jit = fused.kernels()
    out = None if jit is None else jit.copy_rows(valid, bias)      # on both cores
    if out is not None:
        return out.transpose(1, 0, 2, 3)
    out = xp.empty(valid.shape, dtype=valid.dtype)
    if bias is None:
        out[...] = valid
    else:
        xp.add(valid, bias[:, None, None, None], out=out)
    return out.transpose(1, 0, 2, 3)


def backward(fn, g, padding, dilation, stride1_input_grad):
    """(gx, gw, gb) of the convolution made by ``forward``; ``stride1_input_grad(gt, weight,
    pshape, dilation, oh, ow)`` is the correlation path for the input gradient."""
    cols, weight = fn.saved                 # the padded input instead of columns when shallow
    (c, n, hp, wp), oh, ow, is_shallow = fn.rows
    o, _, kh, kw = weight.shape
    nx, nw, nb = fn.needs_grad[:3]
    gt = g.transpose(1, 0, 2, 3)                                     # (O, N, oh, ow), channel-major usually
    jit = fused.kernels()
    grid = None if jit is None else jit.copy_rows(gt, width=wp)     # the output gradient on every column
    if grid is None:
        grid = xp.zeros((o, n, oh, wp), dtype=g.dtype)
        grid[..., :ow] = gt
    g2 = grid.reshape(o, -1)
    gw = None
    if nw and is_shallow:
        gw = xp.empty_like(weight, order="C")
        fused.kernels().shallow_conv_weight_grad(cols, hp * wp, g2.reshape(o, n, -1), wp, *dilation, gw)
    elif nw:
        gw = (cols @ g2.T).T.reshape(weight.shape)                  # the orientation OpenBLAS runs faster
    gb = grid.sum(axis=(1, 2, 3)) if nb else None
    gx = None
    if nx:
        pt, pb, pl, pr = padding
        if correlation_moves_less(weight, (c, n, hp, wp), oh, ow):
            gxc = stride1_input_grad(xp.ascontiguousarray(gt).reshape(o, -1), weight, (c, n, hp, wp), dilation,
                                     oh, ow)
        else:
            gxc = _scatter(weight.reshape(o, -1).T @ g2, (c, n, hp, wp), kh, kw, dilation, oh)
        gx = gxc[:, :, pt:hp - pb, pl:wp - pr].transpose(1, 0, 2, 3)
    return gx, gw, gb


def correlation_moves_less(weight, pshape, oh, ow):
    """Whether a stride-1 convolution's input gradient moves less memory as a correlation of the
    padded output gradient (which copies O*Hp*Wp per kernel position, twice) than by scattering
    columns back (C*oh*ow per kernel position, a write and a read-modify-write)."""
    o, c = weight.shape[:2]
    return o * pshape[2] * pshape[3] < 2 * c * oh * ow


def _scatter(dcols, shape, kh, kw, dilation, rows):
    """The adjoint of ``columns``: add each row run of ``dcols`` (C*kh*kw, N*rows*Wp) back into a
    zeroed padded input, one contiguous add per kernel offset."""
    c, n, hp, wp = shape
    size = c * n * hp * wp
    slack = (kw - 1) * dilation[1]
    buf = xp.zeros(size + slack, dtype=dcols.dtype)
    s = buf.itemsize
    dcols = dcols.reshape(c, kh, kw, n, rows * wp)
    jit = fused.kernels(buf, dcols, dtypes=(xp.float32, xp.float64))
    if jit is not None:                 # one plane at a time, in cache (ops/fused_kernels.c)
        jit.add_runs(buf, hp * wp, dcols, wp, dilation[0], dilation[1])
        return buf[:size].reshape(c, n, hp, wp)
    for i in range(kh):
        for j in range(kw):
            start = i * dilation[0] * wp + j * dilation[1]
            target = _as_strided(buf[start:], (c, n, rows * wp), (n * hp * wp * s, hp * wp * s, s))
            target += dcols[:, i, j]
    return buf[:size].reshape(c, n, hp, wp)
