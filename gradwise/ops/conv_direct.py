"""3x3 stride-1 "same" convolutions computed directly in C (``fused_kernels.c``: conv3x3_f32).

NOTE: why. ResNet's 3x3 convolutions of 16-64 channels are memory-bound as im2col (or kernel-row)
copies plus thin GEMMs on these VMs: 25-90 GFLOP/s on two cores. The register-blocked direct
kernel (8 output channels x 16 columns in vector registers) runs 104-110 GFLOP/s on one core
(AMD EPYC Zen 4, N = 32: 16 channels at 32x32 3.10 -> 1.41 ms, 32 at 16x16 2.09 -> 1.37 ms, 64 at
16x16 6.65 -> 5.79 ms). The input gradient is the same kernel on the output gradient padded by
one, with the kernel flipped and transposed (for padding 1 that gives the unpadded input's
gradient directly); the weight gradient is a register-blocked kernel of its own (2 output
channels x 9 kernel positions in vector registers, two output rows at a time; even heights),
16 channels at 32x32, batch 32, 4.5 -> 1.2 ms against the GEMM on kernel-row columns
(``conv_split.weight_grad``, which odd heights still take; Intel Xeon, 2 threads). Each kernel
splits its work over NumPy's OpenBLAS threads (``blas.pool``): 2x on 2 cores.

Taken for float32 on a CPU with AVX-512 and a C compiler: kernel 3x3, stride 1, dilation 1,
padding 1, one group, output width a multiple of 16, output channels a multiple of 8 (and input
channels too when the input needs a gradient). NOTE: AVX-512 only, measured: built for AVX2
(-march=haswell, run on the same Zen 4) the 16-float vectors split in two and spill, 25 GFLOP/s,
slower than the columns; an 8-column AVX2 variant reached 57-61, about the columns' rate there.
"""
from ..backend import xp
from . import conv_split, fused


def eligible(x, weight, stride, padding, dilation, groups, ow, input_grad):
    o, c, kh, kw = weight.shape
    return ((kh, kw) == (3, 3) and stride == (1, 1) and dilation == (1, 1) and tuple(padding) == (1, 1, 1, 1)
            and groups == 1 and ow % 16 == 0 and o % 8 == 0 and (not input_grad or c % 8 == 0)
            and type(x) is xp.ndarray and x.dtype == weight.dtype == xp.float32
            and fused.cpu_has("avx512f") and fused.kernels(weight) is not None)


def forward(fn, xc, weight, bias):
    """The convolution of the padded channel-major input ``xc`` (C, N, H + 2, W + 2); returns
    (N, O, H, W), channel-major."""
    xc = xc if xc.flags.c_contiguous else xc.copy()
    c, n, hp, wp = xc.shape
    out = xp.empty_like(xc, shape=(weight.shape[0], n, hp - 2, wp - 2))
    fused.kernels().conv3x3(xc, weight, out)
    if bias is not None:
        out += bias[:, None, None, None]
    fn.save_for_backward(xc, weight)
    return out.transpose(1, 0, 2, 3)


def backward(fn, gt, needs):
    """(gx, gw) for the output gradient gt (O, N, H, W), channel-major and contiguous."""
    xc, weight = fn.saved
    o, c = weight.shape[:2]
    n, h, w = gt.shape[1:]
    gx = gw = None
    if needs[0]:
        gp = xp.zeros_like(gt, shape=(o, n, h + 2, w + 2))
        gp[:, :, 1:-1, 1:-1] = gt
        flipped = xp.ascontiguousarray(weight[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))      # (C, O, 3, 3)
        gxc = xp.empty_like(gt, shape=(c, n, h, w))
        fused.kernels().conv3x3(gp, flipped, gxc)
        gx = gxc.transpose(1, 0, 2, 3)
    if needs[1] and h % 2 == 0 and o % 2 == 0:
        gw = xp.empty_like(weight)
        fused.kernels().conv3x3_weight_grad(xc, gt, gw)
    elif needs[1]:
        buf, m = conv_split.shifted_columns(xc, 3, 1, 2 * w)
        gw = conv_split.weight_grad(buf, gt, weight, xc.shape[2], 1, m)
    return gx, gw
