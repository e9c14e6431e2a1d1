"""SyncBatchNorm: batch normalisation whose statistics cover every rank's batch."""
from ..errors import ShapeError
from ..nn.layers.norm import _BatchNorm
from ..nn.module import Module
from ..ops.sync import SyncNormalize
from . import group
from .collectives import allreduce_array


class SyncBatchNorm(_BatchNorm):
    """Batch normalisation over the union of all ranks' batches, so N ranks at batch B/N train as
    one process at batch B (plain BatchNorm would normalise each rank's B/N samples alone).

    In evaluation it uses the running statistics, as BatchNorm; outside a process group of
    several ranks it is BatchNorm. Input (N, C, ...) of any rank >= 2.

    Example:
        >>> model = nn.SyncBatchNorm.convert_sync_batchnorm(model)     # every BatchNorm*d
    """
    dims = (2, 3, 4, 5)

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 process_group=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats)

    def forward(self, x):
        if not (self.training and group.active()):
            return super().forward(x)
        if x.ndim not in self.dims or x.shape[1] != self.num_features:
            raise ShapeError(f"SyncBatchNorm({self.num_features}) got input of shape {tuple(x.shape)}; "
                             f"expected (N, {self.num_features}, ...)")
        momentum, running = self.momentum, None
        if self.track_running_stats:
            self.num_batches_tracked._data += 1
            if momentum is None:
                momentum = 1.0 / float(self.num_batches_tracked._data)
            running = (self.running_mean._data, self.running_var._data, momentum)
        axes = (0,) + tuple(range(2, x.ndim))
        pshape = (1, self.num_features) + (1,) * (x.ndim - 2)
        return SyncNormalize.apply(x, self.weight, self.bias, axes, pshape, self.eps, running, allreduce_array)

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """``module`` with every BatchNorm1d/2d replaced by a SyncBatchNorm holding the same
        parameters and running statistics (the module itself if it is one)."""
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            new = cls(module.num_features, module.eps, module.momentum, module.affine, module.track_running_stats)
            for name in ("weight", "bias"):
                if getattr(module, name) is not None:
                    setattr(new, name, getattr(module, name))       # the same Parameters: optimizers still hold them
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                if getattr(module, name, None) is not None:
                    new.register_buffer(name, getattr(module, name))
            new.train(module.training)
            return new
        if isinstance(module, Module):
            for name, child in list(module.named_children()):
                setattr(module, name, cls.convert_sync_batchnorm(child))
        return module
