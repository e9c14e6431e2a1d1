"""Pooling layers: MaxPool1d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d."""
from ...ops.conv import pair
from ...ops.pool import adaptive_avg_pool2d, avg_pool2d, max_pool1d, max_pool2d
from ..module import Module


class MaxPool2d(Module):
    """Largest value of each kernel_size window (stride defaults to kernel_size), e.g. 2x2 stride 2
    halves height and width. Input (N, C, H, W)."""
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
        super().__init__()
        _check_window(type(self).__name__, kernel_size, stride, padding, dilation)
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.dilation, self.ceil_mode = dilation, ceil_mode

    def forward(self, x):
        return max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride or self.kernel_size}, padding={self.padding}"


class MaxPool1d(MaxPool2d):
    """Max pooling over the last axis of (N, C, L)."""
    def forward(self, x):
        return max_pool1d(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode)


class AvgPool2d(Module):
    """Mean of each window; with ``count_include_pad=False`` zero padding is not counted."""
    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__()
        _check_window(type(self).__name__, kernel_size, stride, padding, 1)
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, x):
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride or self.kernel_size}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average into a fixed output_size grid whatever the input size (e.g. 1 for global pooling)."""
    def __init__(self, output_size):
        super().__init__()
        pair(output_size, "output_size", 1, "AdaptiveAvgPool2d")
        self.output_size = output_size

    def forward(self, x):
        return adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


def _check_window(who, kernel_size, stride, padding, dilation):
    """Reject a zero or negative window at construction, not at the first forward."""
    pair(kernel_size, "kernel_size", 1, who)
    if stride is not None:
        pair(stride, "stride", 1, who)
    pair(padding, "padding", 0, who)
    pair(dilation, "dilation", 1, who)
