"""Resizing and padding layers: Upsample and PyTorch's padding modules."""
from ... import functional as F
from ..module import Module


class Upsample(Module):
    """Resize the spatial axes of (N, C, ...) input to ``size`` or by ``scale_factor``.

    Args:
        mode: 'nearest', 'nearest-exact', 'linear', 'bilinear', 'trilinear' or 'area' (see F.interpolate).
    Example:
        >>> nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)(x)   # (N, C, 2H, 2W)
    """
    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None):
        super().__init__()
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def forward(self, x):
        return F.interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners,
                             self.recompute_scale_factor)

    def extra_repr(self):
        what = f"size={self.size}" if self.size is not None else f"scale_factor={self.scale_factor}"
        return f"{what}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, "nearest")


class UpsamplingBilinear2d(Upsample):
    """Bilinear resizing with align_corners=True (PyTorch's definition of this layer)."""
    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, "bilinear", align_corners=True)


class _Pad(Module):
    mode, axes = "constant", 2

    def __init__(self, padding, value=0.0):
        super().__init__()
        self.padding = (padding,) * (2 * self.axes) if isinstance(padding, int) else tuple(padding)
        self.value = value

    def forward(self, x):
        return F.pad(x, self.padding, self.mode, self.value if self.mode == "constant" else None)

    def extra_repr(self):
        return f"{self.padding}" + (f", value={self.value}" if self.mode == "constant" else "")


class ConstantPad1d(_Pad):
    axes = 1


class ConstantPad2d(_Pad):
    pass


class ZeroPad2d(_Pad):
    def __init__(self, padding):
        super().__init__(padding, 0.0)


class ReflectionPad1d(_Pad):
    mode, axes = "reflect", 1


class ReflectionPad2d(_Pad):
    mode = "reflect"


class ReplicationPad1d(_Pad):
    mode, axes = "replicate", 1


class ReplicationPad2d(_Pad):
    mode = "replicate"


class CircularPad2d(_Pad):
    mode = "circular"
