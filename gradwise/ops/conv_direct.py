"""3x3 stride-1 "same" convolutions computed directly in C (``conv3x3_kernels.c``: conv3x3_*).

NOTE: why. ResNet's 3x3 convolutions of 16-64 channels are memory-bound as im2col (or kernel-row)
copies plus thin GEMMs on these VMs: 25-90 GFLOP/s on two cores. The register-blocked direct
kernel (8 output channels x 16 columns in vector registers) runs 104-110 GFLOP/s on one core
(AMD EPYC Zen 4, N = 32: 16 channels at 32x32 3.10 -> 1.41 ms, 32 at 16x16 2.09 -> 1.37 ms, 64 at
16x16 6.65 -> 5.79 ms). The input gradient is the same kernel on the output gradient padded by
one, with the kernel flipped and transposed (for padding 1 that gives the unpadded input's
gradient directly); the weight gradient is a register-blocked kernel of its own (2 output
channels x 9 kernel positions in vector registers, two output rows at a time), 16 channels at
32x32, batch 32, 4.5 -> 1.2 ms against the GEMM on kernel-row columns (Intel Xeon, 2 threads).
Widths that are not a multiple of 16 (and odd heights, for the weight gradient) run on flat
padded planes: 16 consecutive positions of the flat plane per vector, the two padding columns
of each row computed and dropped (ResNet's 8x8 stage: the W6 step -4.5%). Each kernel splits
its work over NumPy's OpenBLAS threads (``blas.pool``): 2x on 2 cores.

Taken for float32 with the kernels built for AVX2 or AVX-512 (``fused.vector_floats()``):
kernel 3x3, stride 1, dilation 1, padding 1, one group, output width a multiple of 16 or at least
MIN_FLAT_WIDTH, output channels a multiple of 8 (and input channels too when the input needs a
gradient). The kernels work on one vector register of either width (VF: 16 columns a vector on
AVX-512, 8 on AVX2). An earlier build with 16-float vectors on AVX2 split them in two and spilled
(25 GFLOP/s, Zen 4 with -march=haswell); at the register's own width, with both frameworks held
to AVX2 on an Intel Xeon (``gradwise bench --isa avx2``), the W6 step on/off 0.713
(``python bench/lowering_ab.py direct W6``).
"""
from ..backend import xp
from . import fused
from .conv_rows import padded

#: the narrowest output width that takes the flat-plane kernel (narrower rows waste too much of
#: each vector on the two padding columns)
MIN_FLAT_WIDTH = 6


def eligible(x, weight, stride, padding, dilation, groups, ow, input_grad):
    o, c, kh, kw = weight.shape
    return ((kh, kw) == (3, 3) and stride == (1, 1) and dilation == (1, 1) and tuple(padding) == (1, 1, 1, 1)
            and groups == 1 and (ow % 16 == 0 or ow >= MIN_FLAT_WIDTH) and o % 8 == 0
            and (not input_grad or c % 8 == 0) and type(x) is xp.ndarray and x.dtype == weight.dtype == xp.float32
            and fused.vector_floats() >= 8 and fused.kernels(weight) is not None)


def _positions(h, w):
    """Output positions per image on the flat padded plane: H * (W + 2), up to a multiple of 16."""
    return -(-h * (w + 2) // 16) * 16


def _convolve(buf, src_shape, weight):
    """The 3x3 "same" convolution of the padded planes in ``buf`` (``padded``'s buffer of a
    (C, N, H, W) array) with weight (O, C, 3, 3): (O, N, H, W), contiguous."""
    c, n, h, w = src_shape
    jit, o = fused.kernels(), weight.shape[0]
    if w % 16 == 0:
        out = xp.empty_like(buf, shape=(o, n, h, w))
        jit.conv3x3(buf, weight, out, c)
        return out
    flat = xp.empty_like(buf, shape=(o, n, _positions(h, w)))
    jit.conv3x3_flat(buf, weight, flat, c, h, w)
    return xp.ascontiguousarray(flat[:, :, :h * (w + 2)].reshape(o, n, h, w + 2)[..., :w])


def forward(fn, xt, weight, bias):
    """The convolution of the channel-major input ``xt`` (C, N, H, W); returns (N, O, H, W),
    channel-major."""
    buf = padded(xt, (1, 1, 1, 1), 16)[0]
    out = _convolve(buf, xt.shape, weight)
    if bias is not None:
        out += bias[:, None, None, None]
    fn.save_for_backward(buf, weight)
    fn.direct = xt.shape
    return out.transpose(1, 0, 2, 3)


def backward(fn, gt, needs):
    """(gx, gw) for the output gradient gt (O, N, H, W), channel-major and contiguous."""
    buf, weight = fn.saved
    c, n, h, w = fn.direct
    o = weight.shape[0]
    gx = gw = None
    if needs[0]:
        gbuf = padded(gt, (1, 1, 1, 1), 16)[0]
        flipped = xp.ascontiguousarray(weight[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))      # (C, O, 3, 3)
        gx = _convolve(gbuf, gt.shape, flipped).transpose(1, 0, 2, 3)
    if needs[1]:
        gw = xp.empty_like(weight)
        jit = fused.kernels()
        if w % 16 == 0 and h % 2 == 0:
            jit.conv3x3_weight_grad(buf, gt, gw, c)
        else:                   # the gradient on the flat planes, zero at the dropped positions
            gflat = xp.zeros_like(gt, shape=(o, n, _positions(h, w)))
            gflat[:, :, :h * (w + 2)].reshape(o, n, h, w + 2)[..., :w] = gt
            jit.conv3x3_flat_weight_grad(buf, gflat, gw, c, h, w)
    return gx, gw
