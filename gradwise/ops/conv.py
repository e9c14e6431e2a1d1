"""2-D convolution and transposed convolution (1-D ones are these with height 1).

NOTE: primitives for speed: the forward is a strided window view of the padded input, one copy
into columns, and one GEMM (per group); the backward adds kernel-offset slices back, one per
kernel position (kh * kw of them), never ``np.add.at``. The transposed convolution is the same
two steps in the other order.
"""
from ..autograd import Function
from ..backend import xp
from ..errors import ShapeError

_as_strided = xp.lib.stride_tricks.as_strided


def pair(v, name="value"):
    """An int or a pair of ints as a pair."""
    if isinstance(v, int):
        return v, v
    v = tuple(v)
    if len(v) != 2 or not all(isinstance(i, int) for i in v):
        raise ValueError(f"{name} must be an int or a pair of ints; got {v}")
    return v


def out_size(size, k, stride, dilation, pad_total):
    return (size + pad_total - dilation * (k - 1) - 1) // stride + 1


def windows(xp_, kh, kw, stride, dilation, oh, ow):
    """Read-only view (N, C, oh, ow, kh, kw) of the kernel windows of a padded (N, C, H, W) array."""
    n, c = xp_.shape[:2]
    s_n, s_c, s_h, s_w = xp_.strides
    return _as_strided(xp_, (n, c, oh, ow, kh, kw),
                       (s_n, s_c, s_h * stride[0], s_w * stride[1], s_h * dilation[0], s_w * dilation[1]),
                       writeable=False)


def im2col(xp_, kh, kw, stride, dilation, oh, ow):
    """Columns (N*oh*ow, C*kh*kw): one row per output position, one copy."""
    n, c = xp_.shape[:2]
    win = windows(xp_, kh, kw, stride, dilation, oh, ow)
    return win.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, c * kh * kw)


def add_windows(out, vals, stride, dilation):
    """Add vals (N, C, oh, ow, kh, kw) into the windows of ``out`` (N, C, Hp, Wp): the adjoint of
    ``windows``, one strided slice per kernel position."""
    oh, ow, kh, kw = vals.shape[2:]
    for i in range(kh):
        r = i * dilation[0]
        for j in range(kw):
            c = j * dilation[1]
            out[:, :, r:r + stride[0] * (oh - 1) + 1:stride[0], c:c + stride[1] * (ow - 1) + 1:stride[1]] += \
                vals[:, :, :, :, i, j]
    return out


def _gmm(a, b, groups):
    """Grouped product: a (M, G*Ka) with b (G, Ka, Kb) -> (M, G*Kb)."""
    if groups == 1:
        return a @ b[0]
    m = a.shape[0]
    out = a.reshape(m, groups, -1).transpose(1, 0, 2) @ b
    return out.transpose(1, 0, 2).reshape(m, -1)


def _gmm_t(a, b, groups):
    """Grouped a^T b: a (M, G*Ka), b (M, G*Kb) -> (G, Ka, Kb)."""
    if groups == 1:
        return (a.T @ b)[None]
    m = a.shape[0]
    return a.reshape(m, groups, -1).transpose(1, 2, 0) @ b.reshape(m, groups, -1).transpose(1, 0, 2)


def _rows(x):
    """(N, C, H, W) -> (N*H*W, C), channels last."""
    return x.transpose(0, 2, 3, 1).reshape(-1, x.shape[1])


def _unrows(r, n, h, w):
    return r.reshape(n, h, w, -1).transpose(0, 3, 1, 2)


class Conv2d(Function):
    def forward(self, x, weight, bias, stride, padding, dilation, groups):
        n, c, h, w = x.shape
        o, cg, kh, kw = weight.shape
        pt, pb, pl, pr = padding
        oh, ow = out_size(h, kh, stride[0], dilation[0], pt + pb), out_size(w, kw, stride[1], dilation[1], pl + pr)
        if oh <= 0 or ow <= 0:
            raise ShapeError(f"conv2d: input {h}x{w} (padded to {h + pt + pb}x{w + pl + pr}) is smaller than the "
                             f"kernel {kh}x{kw} with dilation {dilation}")
        xp_ = xp.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr))) if any(padding) else x
        cols = im2col(xp_, kh, kw, stride, dilation, oh, ow)
        w3 = weight.reshape(groups, o // groups, cg * kh * kw)
        out = _gmm(cols, w3.transpose(0, 2, 1), groups)
        if bias is not None:
            out += bias
        self.save_for_backward(cols, weight)
        self.args = (x.shape, xp_.shape, stride, padding, dilation, groups, oh, ow)
        return xp.ascontiguousarray(_unrows(out, n, oh, ow))

    def backward(self, g):
        cols, weight = self.saved
        xshape, pshape, stride, padding, dilation, groups, oh, ow = self.args
        o, cg, kh, kw = weight.shape
        nx, nw, nb = self.needs_grad[:3]
        g2 = _rows(g)
        gx = gw = gb = None
        if nw:
            gw = _gmm_t(g2, cols, groups).reshape(weight.shape)
        if nb:
            gb = g.sum(axis=(0, 2, 3))
        if nx:
            dcols = _gmm(g2, weight.reshape(groups, o // groups, cg * kh * kw), groups)
            dcols = dcols.reshape(xshape[0], oh, ow, -1, kh, kw).transpose(0, 3, 1, 2, 4, 5)
            gxp = add_windows(xp.zeros(pshape, dtype=g.dtype), dcols, stride, dilation)
            pt, pb, pl, pr = padding
            gx = gxp[:, :, pt:pshape[2] - pb, pl:pshape[3] - pr]
        return gx, gw, gb, None, None, None, None


class ConvTranspose2d(Function):
    def forward(self, x, weight, bias, stride, padding, output_padding, dilation, groups):
        n, cin, h, w = x.shape
        _, og, kh, kw = weight.shape
        full_h = (h - 1) * stride[0] + dilation[0] * (kh - 1) + 1 + output_padding[0]
        full_w = (w - 1) * stride[1] + dilation[1] * (kw - 1) + 1 + output_padding[1]
        oh, ow = full_h - 2 * padding[0], full_w - 2 * padding[1]
        if oh <= 0 or ow <= 0:
            raise ShapeError(f"conv_transpose2d: padding {padding} leaves no output for input {h}x{w}")
        rows = _rows(x)
        cols = _gmm(rows, weight.reshape(groups, cin // groups, og * kh * kw), groups)
        cols = cols.reshape(n, h, w, -1, kh, kw).transpose(0, 3, 1, 2, 4, 5)
        full = add_windows(xp.zeros((n, og * groups, full_h, full_w), dtype=cols.dtype), cols, stride, dilation)
        out = full[:, :, padding[0]:padding[0] + oh, padding[1]:padding[1] + ow]
        if bias is not None:
            out += bias[:, None, None]
        self.save_for_backward(rows, weight)
        self.args = (x.shape, stride, padding, dilation, groups, output_padding)
        return xp.ascontiguousarray(out)

    def backward(self, g):
        rows, weight = self.saved
        (n, cin, h, w), stride, padding, dilation, groups, _ = self.args
        _, og, kh, kw = weight.shape
        nx, nw, nb = self.needs_grad[:3]
        full = xp.pad(g, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2)) if any(padding) else g
        gcols = im2col(full, kh, kw, stride, dilation, h, w)
        gx = gw = gb = None
        if nx:
            w3 = weight.reshape(groups, cin // groups, og * kh * kw)
            gx = _unrows(_gmm(gcols, w3.transpose(0, 2, 1), groups), n, h, w)
        if nw:
            gw = _gmm_t(rows, gcols, groups).reshape(weight.shape)
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
    stride, dilation = pair(stride, "stride"), pair(dilation, "dilation")
    _check_conv("conv2d", input, weight, groups)
    kh, kw = weight.shape[2:]
    if padding == "valid":
        pads = (0, 0, 0, 0)
    elif padding == "same":
        if stride != (1, 1):
            raise ValueError("conv2d: padding='same' needs stride 1 (as in PyTorch)")
        th, tw = dilation[0] * (kh - 1), dilation[1] * (kw - 1)
        pads = (th // 2, th - th // 2, tw // 2, tw - tw // 2)
    else:
        ph, pw = pair(padding, "padding")
        pads = (ph, ph, pw, pw)
    return Conv2d.apply(input, weight, bias, stride, pads, dilation, groups)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 2-D convolution (the gradient of conv2d with respect to its input), as PyTorch's.

    Args:
        input: (N, C_in, H, W). weight: (C_in, C_out / groups, kh, kw). bias: (C_out,).
    Returns: (N, C_out, (H-1)*stride - 2*padding + dilation*(kh-1) + output_padding + 1, ...).
    """
    stride, padding = pair(stride, "stride"), pair(padding, "padding")
    output_padding, dilation = pair(output_padding, "output_padding"), pair(dilation, "dilation")
    _check_conv("conv_transpose2d", input, weight, groups, transposed=True)
    if any(op >= max(s, d) for op, s, d in zip(output_padding, stride, dilation)):
        raise ValueError(f"conv_transpose2d: output_padding {output_padding} must be smaller than the stride or "
                         f"the dilation")
    return ConvTranspose2d.apply(input, weight, bias, stride, padding, output_padding, dilation, groups)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution: input (N, C_in, L), weight (C_out, C_in / groups, k) -> (N, C_out, L_out)."""
    if input.ndim != 3:
        raise ShapeError(f"conv1d: expected input of shape (N, C, L); got {input.shape}")
    pad = padding if isinstance(padding, str) else (0, padding)
    out = conv2d(input.unsqueeze(2), weight.unsqueeze(2), bias, (1, stride), pad, (1, dilation), groups)
    return out.squeeze(2)
