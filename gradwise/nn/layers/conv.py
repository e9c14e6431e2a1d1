"""Convolution layers: Conv1d, Conv2d, ConvTranspose2d (PyTorch's arguments and weight layout)."""
import math

import numpy as np

from ... import functional as F
from ...arguments import non_negative_int, positive_int
from ...creation import _rng
from ...errors import ArgumentError, ShapeError
from ...ops.conv import conv1d, conv2d, conv_transpose2d, pair
from .. import init
from ..module import Module, Parameter


class _ConvNd(Module):
    def __init__(self, in_channels, out_channels, kernel_size, weight_shape, fan_in, bias, generator,
                 stride, padding, dilation, groups):
        super().__init__()
        who = type(self).__name__
        in_channels, out_channels = (non_negative_int(who, n, v) for n, v in
                                     (("in_channels", in_channels), ("out_channels", out_channels)))
        groups = positive_int(who, "groups", groups)
        pair(stride, "stride", 1, who)
        pair(dilation, "dilation", 1, who)
        if not isinstance(padding, str):
            pair(padding, "padding", 0, who)
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ArgumentError(f"{type(self).__name__}: in_channels ({in_channels}) and out_channels ({out_channels}) "
                             f"must both be divisible by groups ({groups})")
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        rng = _rng(generator)
        self.weight = Parameter(np.empty(weight_shape, np.float32))
        init.default_uniform_(self.weight, fan_in, rng)     # PyTorch's kaiming_uniform_(a=sqrt(5))
        self.bias = Parameter(np.empty(out_channels, np.float32)) if bias else None
        if bias:
            init.default_uniform_(self.bias, fan_in, rng)

    def _set_padding_mode(self, padding_mode, dtype):
        if padding_mode not in ("zeros", "reflect", "replicate", "circular"):
            raise ValueError(f"{type(self).__name__}: padding_mode must be 'zeros', 'reflect', 'replicate' or "
                             f"'circular'; got {padding_mode!r}")
        if padding_mode != "zeros" and isinstance(self.padding, str):
            raise ValueError(f"{type(self).__name__}: padding_mode={padding_mode!r} needs numeric padding; "
                             f"got padding={self.padding!r}")
        self.padding_mode = padding_mode
        if dtype is not None:
            self.to(dtype=dtype)

    def _padded(self, x, spatial):
        """The input padded by ``padding_mode`` (then the convolution itself pads nothing)."""
        p = (self.padding,) * spatial if isinstance(self.padding, int) else tuple(self.padding)
        widths = [w for q in reversed(p) for w in (q, q)]
        return F.pad(x, widths, mode=self.padding_mode), 0

    def _check(self, x, ndim, layout):
        if x.ndim != ndim or x.shape[1] != self.in_channels:
            raise ShapeError(f"{type(self).__name__}(in_channels={self.in_channels}) got input of shape "
                             f"{tuple(x.shape)}; expected {layout.format(self.in_channels)}")


class Conv2d(_ConvNd):
    """2-D convolution over (N, C_in, H, W) with C_out filters of size kernel_size.

    Args:
        in_channels, out_channels, kernel_size: as in PyTorch; stride, padding ('same', 'valid'
        or ints), dilation, groups, bias.
        generator: np.random.Generator or int seed of the initial weights.
    Shapes: weight (C_out, C_in / groups, kh, kw); output (N, C_out, H_out, W_out) with
        H_out = (H + 2 * padding - dilation * (kh - 1) - 1) // stride + 1.

    Example:
        >>> nn.Conv2d(1, 6, 5, padding=2)(gw.zeros(8, 1, 28, 28)).shape
        (8, 6, 28, 28)
    """
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None, generator=None):
        k = pair(kernel_size, "kernel_size", 1, "Conv2d")
        super().__init__(in_channels, out_channels, k, (out_channels, in_channels // max(groups, 1)) + k,
                         in_channels // max(groups, 1) * math.prod(k), bias, generator, stride, padding, dilation,
                         groups)
        self._set_padding_mode(padding_mode, dtype)

    def forward(self, x):
        self._check(x, 4, "(N, {}, H, W)")
        x, padding = (x, self.padding) if self.padding_mode == "zeros" else self._padded(x, 2)
        return conv2d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}, dilation={self.dilation}, groups={self.groups}"
                + (f", padding_mode={self.padding_mode!r}" if self.padding_mode != "zeros" else ""))


class Conv1d(_ConvNd):
    """1-D convolution over (N, C_in, L); weight (C_out, C_in / groups, k)."""
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None, generator=None):
        kernel_size = positive_int("Conv1d", "kernel_size", kernel_size)
        super().__init__(in_channels, out_channels, kernel_size,
                         (out_channels, in_channels // max(groups, 1), kernel_size),
                         in_channels // max(groups, 1) * kernel_size, bias, generator, stride, padding, dilation,
                         groups)
        self._set_padding_mode(padding_mode, dtype)

    def forward(self, x):
        self._check(x, 3, "(N, {}, L)")
        x, padding = (x, self.padding) if self.padding_mode == "zeros" else self._padded(x, 1)
        return conv1d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}")


class ConvTranspose2d(_ConvNd):
    """Transposed 2-D convolution (upsampling), as PyTorch's; weight (C_in, C_out / groups, kh, kw).

    Output size: (H - 1) * stride - 2 * padding + dilation * (kh - 1) + output_padding + 1.
    """
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, generator=None):
        k = pair(kernel_size, "kernel_size", 1, "ConvTranspose2d")
        # PyTorch computes fan_in from weight.shape[1] * receptive field for transposed convs too
        super().__init__(in_channels, out_channels, k, (in_channels, out_channels // max(groups, 1)) + k,
                         out_channels // max(groups, 1) * math.prod(k), bias, generator, stride, padding, dilation,
                         groups)
        self.output_padding = output_padding

    def forward(self, x):
        self._check(x, 4, "(N, {}, H, W)")
        return conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding, self.output_padding,
                                self.groups, self.dilation)

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}, output_padding={self.output_padding}")
