"""2-D convolution and transposed convolution (1-D ones are these with height 1).

NOTE: primitives for speed: the forward is a strided window view of the padded input, one copy
into columns, and one GEMM (per group); the backward adds kernel-offset slices back, one per
kernel position (kh * kw of them), never ``np.add.at``. The transposed convolution is the same
two steps in the other order. Other lowerings take stride-1 convolutions where they are faster
(measured there): 3x3 "same" convolutions computed directly in C (``conv_direct``), narrow
outputs on whole padded rows (``conv_rows``), deep products as one accumulating GEMM per kernel
row (``conv_split``); ``Conv2d`` picks, in that order.
"""
from ..autograd import Function
from ..backend import get_array_module, xp
from ..arguments import int_pair
from ..errors import ArgumentError, ShapeError
from . import conv_direct, conv_o16, conv_rows, conv_split, fused

_as_strided = xp.lib.stride_tricks.as_strided


def _contiguous(a):
    """``a`` in C order, copied only if needed (np.ascontiguousarray would move a device array to the host)."""
    return a if a.flags.c_contiguous else a.copy()


def pair(v, name="value", minimum=0, op="conv"):
    """An int or a pair of ints, each >= ``minimum``, as a pair (ArgumentError otherwise)."""
    return int_pair(op, name, v, minimum)


def out_size(size, k, stride, dilation, pad_total):
    return (size + pad_total - dilation * (k - 1) - 1) // stride + 1


def windows(xp_, kh, kw, stride, dilation, oh, ow):
    """Read-only view (A, B, oh, ow, kh, kw) of the kernel windows of a padded (A, B, H, W) array."""
    a, b = xp_.shape[:2]
    s_a, s_b, s_h, s_w = xp_.strides
    shape = (a, b, oh, ow, kh, kw)
    strides = (s_a, s_b, s_h * stride[0], s_w * stride[1], s_h * dilation[0], s_w * dilation[1])
    if type(xp_) is not xp.ndarray:     # a device array: its own module's view (CuPy's has no writeable flag)
        return get_array_module(xp_).lib.stride_tricks.as_strided(xp_, shape, strides)
    return _as_strided(xp_, shape, strides, writeable=False)


def im2col(xc, kh, kw, stride, dilation, oh, ow):
    """Columns (C*kh*kw, N*oh*ow) of a padded channel-major (C, N, H, W) array: one row per
    (channel, kernel offset), one copy.

    This kernel-offset-major layout copies long runs of each row at once, which is 1.5-3x
    faster than one row per output position for the small channel counts of early layers.
    """
    c, n = xc.shape[:2]
    win = windows(xc, kh, kw, stride, dilation, oh, ow)          # (C, N, oh, ow, kh, kw)
    return _contiguous(win.transpose(0, 4, 5, 1, 2, 3)).reshape(c * kh * kw, n * oh * ow)


def sum_windows(shape, cols, stride, dilation):
    """A new channel-major array of ``shape`` (C, N, Hp, Wp) holding the sum of cols (C, kh, kw, N,
    oh, ow) over their windows: the adjoint of ``im2col``, one strided slice per kernel position,
    both sides in one order (or, compiled, one channel plane at a time, each plane zeroed by the
    thread that fills it: ``ops/fused_kernels.c``; NumPy's zeros first were 0.6 ms of W6's step)."""
    jit = fused.kernels(cols, dtypes=(xp.float32, xp.float64))
    if jit is not None:
        out = xp.empty_like(cols, shape=shape, order="C")
        jit.add_windows(out, cols, stride[0], stride[1], dilation[0], dilation[1], zero=True)
        return out
    out = xp.zeros_like(cols, shape=shape, order="C")
    kh, kw, _, oh, ow = cols.shape[1:]
    for i in range(kh):
        r = i * dilation[0]
        for j in range(kw):
            c = j * dilation[1]
            out[:, :, r:r + stride[0] * (oh - 1) + 1:stride[0], c:c + stride[1] * (ow - 1) + 1:stride[1]] += \
                cols[:, i, j]
    return out


def _pad_cn(xc, pads):
    """Zero-pad the last two axes of a (C, N, H, W) array: pads = (top, bottom, left, right).
    (A zeroed buffer and one copy: np.pad's general machinery cost 0.4 ms a call here.)"""
    if not any(pads):
        return xc
    top, bottom, left, right = pads
    out = xp.zeros_like(xc, shape=xc.shape[:2] + (xc.shape[2] + top + bottom, xc.shape[3] + left + right),
                        order="C")
    out[:, :, top:top + xc.shape[2], left:left + xc.shape[3]] = xc
    return out


def _bmm(a, b):
    """Per-group product (G, A, B) @ (G, B, C); a plain GEMM when there is one group."""
    return (a[0] @ b[0])[None] if a.shape[0] == 1 else a @ b


def _weight_grad(g, cols):
    """Per group g (G, O, M) @ cols(G, K, M).T, the weight gradient.

    NOTE: computed as (cols @ g.T).T: the same product, but OpenBLAS runs this orientation of
    the long, thin operands 1.3-1.9x faster (Intel Xeon, 2 threads: O=16, K=144, M=32768
    2.34 -> 1.23 ms; O=64, K=576, M=2048 0.83 -> 0.64 ms)."""
    if g.shape[0] == 1:
        return (cols[0] @ g[0].T).T[None]
    return (cols @ g.transpose(0, 2, 1)).transpose(0, 2, 1)


def _channels_first(x):
    """(N, C, H, W) -> (C, N*H*W)."""
    return _contiguous(x.transpose(1, 0, 2, 3)).reshape(x.shape[1], -1)


class Conv2d(Function):
    """NOTE: works channel-major, (C, N, H, W), throughout: conv outputs are channel-major views,
    so the input usually already lies that way, the padding, windows and gradient buffer follow
    the memory order, and the input gradient goes back channel-major (free to transpose next)."""
    def forward(self, x, weight, bias, stride, padding, dilation, groups):
        n, c, h, w = x.shape
        o, cg, kh, kw = weight.shape
        pt, pb, pl, pr = padding
        oh, ow = out_size(h, kh, stride[0], dilation[0], pt + pb), out_size(w, kw, stride[1], dilation[1], pl + pr)
        if oh <= 0 or ow <= 0:
            raise ShapeError(f"conv2d: input {h}x{w} (padded to {h + pt + pb}x{w + pl + pr}) is smaller than the "
                             f"kernel {kh}x{kw} with dilation {dilation}")
        self.rows = self.split = self.direct = self.o16 = None
        if conv_direct.eligible(x, weight, stride, padding, dilation, groups, ow, self.needs_grad[0]):
            return conv_direct.forward(self, x.transpose(1, 0, 2, 3), weight, bias)
        if conv_o16.eligible(x, weight, stride, dilation, groups):
            return conv_o16.forward(self, x, weight, bias, padding, stride[0])
        if conv_rows.eligible(x, stride, groups, ow) or conv_rows.shallow(x, weight, stride, groups):
            self.args = (None, stride, padding, dilation)
            return conv_rows.forward(self, x, weight, bias, padding, dilation)
        xc = _pad_cn(x.transpose(1, 0, 2, 3), padding)
        if conv_split.eligible(x, weight, stride, groups, cg * kw):
            self.args = (xc.shape, stride, padding, dilation, oh, ow)
            return conv_split.forward(self, xc, weight, bias, dilation)
        cols = im2col(xc, kh, kw, stride, dilation, oh, ow).reshape(groups, cg * kh * kw, -1)
        out = _bmm(weight.reshape(groups, o // groups, -1), cols).reshape(o, -1)
        if bias is not None:
            out += bias[:, None]
        self.save_for_backward(cols, weight)
        self.args = (xc.shape, stride, padding, dilation, oh, ow)
        return out.reshape(o, n, oh, ow).transpose(1, 0, 2, 3)

    def backward(self, g):
        if self.rows is not None:
            _, _, padding, dilation = self.args
            return conv_rows.backward(self, g, padding, dilation, _stride1_input_grad) + (None,) * 4
        if self.direct:
            gt = _channels_first(g).reshape(g.shape[1], g.shape[0], *g.shape[2:])
            gx, gw = conv_direct.backward(self, gt, self.needs_grad[:2])
            gb = gt.sum(axis=(1, 2, 3)) if self.needs_grad[2] else None
            return gx, gw, gb, None, None, None, None
        if self.o16:
            return conv_o16.backward(self, g, _input_grad) + (None,) * 4
        cols, weight = self.saved
        pshape, stride, padding, dilation, oh, ow = self.args
        groups = 1 if self.split is not None else cols.shape[0]
        nx, nw, nb = self.needs_grad[:3]
        gt = _channels_first(g).reshape(groups, weight.shape[0] // groups, -1)      # (G, O/G, M)
        gx = gw = gb = None
        if nw and self.split is not None:
            gw = conv_split.weight_grad(cols, gt.reshape(-1, pshape[1], oh, ow), weight, pshape[2], dilation[0],
                                        self.split[3])
        elif nw:
            gw = _weight_grad(gt, cols).reshape(weight.shape)
        if nb:
            gb = gt.sum(axis=2).reshape(-1)
        if nx:
            gx = _input_grad(gt, weight, pshape, stride, padding, dilation, oh, ow)
        return gx, gw, gb, None, None, None, None


def _input_grad(gt, weight, pshape, stride, padding, dilation, oh, ow):
    """The input gradient (N, C, H, W), channel-major, from the output gradient gt (G, O/G, N*oh*ow)
    of a convolution of the padded input of shape ``pshape`` (C, N, Hp, Wp)."""
    groups = gt.shape[0]
    pt, pb, pl, pr = padding
    if stride == (1, 1) and groups == 1 and conv_rows.correlation_moves_less(weight, pshape, oh, ow):
        gxc = _stride1_input_grad(gt[0], weight, pshape, dilation, oh, ow)
    else:
        w3 = weight.reshape(groups, weight.shape[0] // groups, -1)
        dcols = _bmm(w3.transpose(0, 2, 1), gt).reshape(-1, *weight.shape[2:], pshape[1], oh, ow)
        gxc = sum_windows(pshape, dcols, stride, dilation)
    return gxc[:, :, pt:pshape[2] - pb, pl:pshape[3] - pr].transpose(1, 0, 2, 3)


def _stride1_input_grad(gt, weight, pshape, dilation, oh, ow):
    """The gradient of a stride-1 convolution's padded input: the output gradient, fully padded,
    correlated with the flipped, transposed kernel (im2col + one GEMM).

    NOTE: for stride 1 this moves about half the memory of scattering columns back with one
    read-modify-write pass per kernel position (add_windows); the FLOPs are the same.
    """
    o, c, kh, kw = weight.shape
    if conv_split.eligible(gt, weight, (1, 1), 1, o * kw):
        return conv_split.input_grad(gt.reshape(o, pshape[1], oh, ow), weight, pshape, dilation)
    eh, ew = dilation[0] * (kh - 1), dilation[1] * (kw - 1)
    gp = _pad_cn(gt.reshape(o, pshape[1], oh, ow), (eh, eh, ew, ew))
    cols = im2col(gp, kh, kw, (1, 1), dilation, pshape[2], pshape[3])             # (O*kh*kw, N*Hp*Wp)
    flipped = weight[:, :, ::-1, ::-1].transpose(1, 0, 2, 3).reshape(c, -1)       # (C, O*kh*kw)
    return (flipped @ cols).reshape(pshape)


class ConvTranspose2d(Function):
    def forward(self, x, weight, bias, stride, padding, output_padding, dilation, groups):
        n, cin, h, w = x.shape
        _, og, kh, kw = weight.shape
        full_h = (h - 1) * stride[0] + dilation[0] * (kh - 1) + 1 + output_padding[0]
        full_w = (w - 1) * stride[1] + dilation[1] * (kw - 1) + 1 + output_padding[1]
        oh, ow = full_h - 2 * padding[0], full_w - 2 * padding[1]
        if oh <= 0 or ow <= 0:
            raise ShapeError(f"conv_transpose2d: padding {padding} leaves no output for input {h}x{w}")
        xt = _channels_first(x).reshape(groups, cin // groups, -1)                  # (G, Cin/G, M)
        w3 = weight.reshape(groups, cin // groups, -1)                              # (G, Cin/G, Og*kh*kw)
        cols = _bmm(w3.transpose(0, 2, 1), xt).reshape(og * groups, kh, kw, n, h, w)
        full = sum_windows((og * groups, n, full_h, full_w), cols, stride,
                           dilation)
        out = full[:, :, padding[0]:padding[0] + oh, padding[1]:padding[1] + ow]
        if bias is not None:
            out += bias[:, None, None, None]
        self.save_for_backward(xt, weight)
        self.args = (x.shape, stride, padding, dilation)
        return out.transpose(1, 0, 2, 3)

    def backward(self, g):
        xt, weight = self.saved
        (n, cin, h, w), stride, padding, dilation = self.args
        groups = xt.shape[0]
        kh, kw = weight.shape[2:]
        nx, nw, nb = self.needs_grad[:3]
        full = _pad_cn(g.transpose(1, 0, 2, 3), (padding[0],) * 2 + (padding[1],) * 2)
        gcols = im2col(full, kh, kw, stride, dilation, h, w).reshape(groups, -1, n * h * w)   # (G, Og*kh*kw, M)
        gx = gw = gb = None
        if nx:
            gx = _bmm(weight.reshape(groups, cin // groups, -1), gcols).reshape(cin, n, h, w).transpose(1, 0, 2, 3)
        if nw:
            gw = _bmm(xt, gcols.transpose(0, 2, 1)).reshape(weight.shape)
        if nb:
            gb = g.sum(axis=(0, 2, 3))
        return gx, gw, gb, None, None, None, None, None


def _check_conv(op, x, weight, groups, transposed=False):
    if x.ndim != 4:
        raise ShapeError(f"{op}: expected input of shape (N, C, H, W); got {x.shape}")
    if weight.ndim != 4:
        raise ShapeError(f"{op}: expected a 4-D weight; got {weight.shape}")
    cin = weight.shape[0] if transposed else weight.shape[1] * groups
    if x.shape[1] != cin:
        raise ShapeError(f"{op}: input has {x.shape[1]} channels, but the weight {weight.shape} with groups={groups} "
                         f"expects {cin}")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation, as PyTorch's ``F.conv2d``.

    Args:
        input: (N, C_in, H, W). weight: (C_out, C_in / groups, kh, kw). bias: (C_out,).
        stride, dilation: int or pair. padding: int, pair, or 'valid' / 'same' (stride 1).
    Returns: (N, C_out, H_out, W_out).
    """
    stride, dilation = pair(stride, "stride", 1, "conv2d"), pair(dilation, "dilation", 1, "conv2d")
    _check_conv("conv2d", input, weight, groups)
    kh, kw = weight.shape[2:]
    if padding == "valid":
        pads = (0, 0, 0, 0)
    elif padding == "same":
        if stride != (1, 1):
            raise ArgumentError("conv2d: padding='same' needs stride 1 (as in PyTorch)")
        th, tw = dilation[0] * (kh - 1), dilation[1] * (kw - 1)
        pads = (th // 2, th - th // 2, tw // 2, tw - tw // 2)
    else:
        ph, pw = pair(padding, "padding", 0, "conv2d")
        pads = (ph, ph, pw, pw)
    return Conv2d.apply(input, weight, bias, stride, pads, dilation, groups)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 2-D convolution (the gradient of conv2d with respect to its input), as PyTorch's.

    Args:
        input: (N, C_in, H, W). weight: (C_in, C_out / groups, kh, kw). bias: (C_out,).
    Returns: (N, C_out, (H-1)*stride - 2*padding + dilation*(kh-1) + output_padding + 1, ...).
    """
    stride, padding = pair(stride, "stride", 1, "conv_transpose2d"), pair(padding, "padding", 0, "conv_transpose2d")
    output_padding = pair(output_padding, "output_padding", 0, "conv_transpose2d")
    dilation = pair(dilation, "dilation", 1, "conv_transpose2d")
    _check_conv("conv_transpose2d", input, weight, groups, transposed=True)
    if any(op >= max(s, d) for op, s, d in zip(output_padding, stride, dilation)):
        raise ArgumentError(f"conv_transpose2d: output_padding {output_padding} must be smaller than the stride or "
                         f"the dilation")
    return ConvTranspose2d.apply(input, weight, bias, stride, padding, output_padding, dilation, groups)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution: input (N, C_in, L), weight (C_out, C_in / groups, k) -> (N, C_out, L_out)."""
    if input.ndim != 3:
        raise ShapeError(f"conv1d: expected input of shape (N, C, L); got {input.shape}")
    pad = padding if isinstance(padding, str) else (0, padding)
    out = conv2d(input.unsqueeze(2), weight.unsqueeze(2), bias, (1, stride), pad, (1, dilation), groups)
    return out.squeeze(2)
