"""Normalisation layers: BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm."""
import numpy as np

from ...arguments import non_negative_int, real
from ...errors import ShapeError
from ...compose.norm import group_norm
from ...ops.norm import batch_norm, layer_norm
from ..module import Module, Parameter


class _BatchNorm(Module):
    dims = ()

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True):
        super().__init__()
        who = type(self).__name__
        num_features = non_negative_int(who, "num_features", num_features)
        eps = real(who, "eps", eps, low=0)
        if momentum is not None:
            momentum = real(who, "momentum", momentum, low=0, high=1)
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.weight = Parameter(np.ones(num_features, np.float32)) if affine else None
        self.bias = Parameter(np.zeros(num_features, np.float32)) if affine else None
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(num_features, np.float32))
            self.register_buffer("running_var", np.ones(num_features, np.float32))
            self.register_buffer("num_batches_tracked", np.zeros((), np.int64))
        else:
            self.running_mean = self.running_var = self.num_batches_tracked = None

    def forward(self, x):
        if x.ndim not in self.dims or x.shape[1] != self.num_features:
            shapes = " or ".join(str(("N", self.num_features) + ("L", "H", "W")[:d - 2]).replace("'", "")
                                 for d in self.dims)
            raise ShapeError(f"{type(self).__name__}({self.num_features}) got input of shape {tuple(x.shape)}; "
                             f"expected {shapes}")
        momentum = self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked._data += 1
            if momentum is None:        # cumulative moving average
                momentum = 1.0 / float(self.num_batches_tracked._data)
        use_batch = self.training or not self.track_running_stats
        return batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                          use_batch, momentum, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L): each feature is normalised over the batch
    (and length) in training, and by running statistics in evaluation."""
    dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of each channel of (N, C, H, W) over the batch and space."""
    dims = (4,)


class LayerNorm(Module):
    """Normalise each sample over its last dims (normalized_shape), then scale and shift."""
    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        for n in shape:
            non_negative_int("LayerNorm", "normalized_shape", n)
        self.normalized_shape, self.eps = shape, real("LayerNorm", "eps", eps, low=0)
        self.weight = Parameter(np.ones(shape, np.float32)) if elementwise_affine else None
        self.bias = Parameter(np.zeros(shape, np.float32)) if elementwise_affine and bias else None

    def forward(self, x):
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}"


class GroupNorm(Module):
    """Normalise each sample of (N, C, ...) over groups of C/num_groups channels, then scale and
    shift each channel (weight ones, bias zeros: PyTorch's init)."""
    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True):
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels={num_channels} must be divisible by num_groups={num_groups}")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        self.weight = Parameter(np.ones(num_channels, np.float32)) if affine else None
        self.bias = Parameter(np.zeros(num_channels, np.float32)) if affine else None

    def forward(self, x):
        if x.ndim < 2 or x.shape[1] != self.num_channels:
            raise ShapeError(f"GroupNorm(num_channels={self.num_channels}) got input of shape {tuple(x.shape)}; "
                             f"expected (N, {self.num_channels}, ...)")
        return group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"
