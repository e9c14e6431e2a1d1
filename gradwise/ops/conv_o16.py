"""Convolutions with a multiple of 16 output channels (8 on AVX2), computed directly in C
(``conv_kernels.c``), each vector holding 16 output channels (8) of one output position.

NOTE: why. LeNet's second convolution (6 -> 16 channels, 5x5, 14x14 inputs, batch 64) as whole-row
columns + GEMM (``conv_rows``) copied 150 x 8,960 floats of columns and computed a third more
positions than it kept; directly, every vector lane is useful whatever the width. The input
gradient runs on flat planes of the output gradient padded by K - 1 (the idea of ``conv_rows``),
vectorised over positions, so any number of input channels. Measured on an Intel Xeon (AVX-512,
2 threads), forward / forward + backward, columns -> direct (``python bench/conv_o16_shapes.py``):
LeNet's second convolution 1.04 -> 0.18 / 2.35 -> 0.94 ms; the same at 28x28 and 56x56 inputs
3.7 -> 1.0 / 9.1 -> 4.4 and 23.6 -> 4.2 / 66 -> 19 ms; PyTorch's MNIST example's second (32 -> 64,
3x3, 26x26) 9.7 -> 6.8 / 39 -> 27 ms; 3 -> 16 channels 3x3 at 32x32 0.72 -> 0.21 / 2.3 -> 1.6 ms.
The W2 step 5.69 -> 4.14 ms, C@56 22.5 -> 14.1 ms (``python bench/lowering_ab.py o16 W2``).
Stride 2 (ResNet's downsampling 3x3 convolutions, forward and weight gradient; the input gradient
of a strided one stays the columns' adjoint): 16 -> 32 channels at 32x32 forward 1.56 -> 0.79
ms, 32 -> 64 at 16x16 1.19 -> 0.61 ms; the W6 step on/off 0.915 (15 rounds).

Taken for float32 with the compiled kernels built for AVX2 or AVX-512: stride 1 or 2, dilation 1,
one group, output channels a multiple of the vector's floats (``fused.vector_floats()``: 16 on
AVX-512, 8 on AVX2), a square kernel of 3 or 5 (the weight gradient keeps K*K vector
accumulators; those two are instantiated), and not a 3x3 "same" convolution that ``conv_direct``
takes first. With both frameworks held to AVX2 on the same Xeon (kernels built for haswell,
OPENBLAS_CORETYPE=Haswell), on/off: W2 step 0.765, W6 0.951, C@56 0.731
(``python bench/lowering_ab.py o16 W2``, in-process alternating, minimum of 9, 7, 5 rounds).
"""
from ..backend import xp
from . import fused
from .conv_rows import padded

#: the square kernel sizes with a compiled weight gradient
KERNELS = (3, 5)
#: the strides taken (the same both ways)
STRIDES = (1, 2)


def eligible(x, weight, stride, dilation, groups):
    o, c, kh, kw = weight.shape
    vf = fused.vector_floats()
    return (stride[0] == stride[1] and stride[0] in STRIDES and dilation == (1, 1) and groups == 1
            and vf >= 8 and o % vf == 0 and kh == kw and kh in KERNELS
            and type(x) is xp.ndarray and x.dtype == weight.dtype == xp.float32 and fused.kernels(weight) is not None)


def forward(fn, x, weight, bias, padding, stride):
    """The convolution of (N, C, H, W) ``x`` with this stride (both ways); returns (N, O, oh, ow),
    channel-major. Keeps on ``fn`` what ``backward`` needs."""
    o, c, k, _ = weight.shape
    if any(padding):
        xs = padded(x.transpose(1, 0, 2, 3), padding, 0)[1].transpose(1, 0, 2, 3)
    else:
        xs = x if x.strides[3] == x.itemsize else xp.ascontiguousarray(x)
    n, _, hp, wp = xs.shape
    oh, ow = (hp - k) // stride + 1, (wp - k) // stride + 1
    vf = fused.vector_floats()
    wv = xp.ascontiguousarray(weight.reshape(o // vf, vf, c * k * k).transpose(0, 2, 1))
    b = xp.zeros_like(weight, shape=(o,)) if bias is None else xp.ascontiguousarray(bias)
    out = xp.empty_like(x, shape=(o, n, oh, ow), order="C").transpose(1, 0, 2, 3)     # channel-major
    fused.kernels().conv16(xs, wv.reshape(o // vf, c, k, k, vf), b, out, stride)
    fn.save_for_backward(xs, weight)
    fn.o16 = (padding, stride)
    return out


def backward(fn, g, strided_input_grad):
    """(gx, gw, gb) for the output gradient g (N, O, oh, ow), None where not needed; a strided
    convolution's input gradient by ``strided_input_grad(gt, weight, padded shape (C, N, Hp, Wp),
    stride, padding, dilation, oh, ow)``, the columns' adjoint (``conv._input_grad``)."""
    xs, weight = fn.saved
    padding, stride = fn.o16
    nx, nw, nb = fn.needs_grad[:3]
    o, oh, ow = g.shape[1:]
    gt = xp.ascontiguousarray(g.transpose(1, 0, 2, 3))                  # (O, N, oh, ow)
    gx = None
    if nx and stride == 1:
        gx = _input_grad(xs, weight, gt, padding)
    elif nx:
        pshape = (xs.shape[1], xs.shape[0], *xs.shape[2:])
        gx = strided_input_grad(gt.reshape(1, o, -1), weight, pshape, (stride, stride), padding, (1, 1), oh, ow)
    return gx, _weight_grad(xs, weight, g, stride) if nw else None, gt.reshape(o, -1).sum(axis=1) if nb else None


def _weight_grad(xs, weight, g, stride):
    """The weight gradient for the output gradient g (N, O, oh, ow)."""
    o, c, k, _ = weight.shape
    if g.strides[3] != g.itemsize or g.strides[2] != g.shape[3] * g.itemsize:
        g = xp.ascontiguousarray(g)         # planes contiguous, as the kernel reads them
    vf = fused.vector_floats()
    gwv = xp.empty_like(weight, shape=(o // vf, c, k, k, vf), order="C")
    fused.kernels().conv16_weight_grad(xs, g, gwv, stride)
    return xp.ascontiguousarray(gwv.transpose(0, 4, 1, 2, 3)).reshape(o, c, k, k)


def _input_grad(xs, weight, gt, padding):
    """The input gradient (N, C, H, W), channel-major, of a stride-1 convolution for the output
    gradient gt (O, N, oh, ow): on flat planes of gt padded by K - 1 (``conv_input_grad_flat``),
    any number of channels."""
    o, c, k, _ = weight.shape
    n, _, hp, wp = xs.shape
    buf, gpad = padded(gt, (k - 1,) * 4, 32)
    hg, wg = gpad.shape[2:]
    gx = xp.empty_like(weight, shape=(c, n, -(-hp * wg // 32) * 32), order="C")
    flipped = xp.ascontiguousarray(weight[:, :, ::-1, ::-1].transpose(0, 2, 3, 1))        # (O, K, K, C)
    fused.kernels().conv_input_grad_flat(buf, flipped, gx, hg, wg)
    pt, pb, pl, pr = padding
    return gx[:, :, :hp * wg].reshape(c, n, hp, wg)[:, :, pt:hp - pb, pl:wp - pr].transpose(1, 0, 2, 3)
