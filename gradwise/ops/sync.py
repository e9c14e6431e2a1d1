"""Ops that talk to other processes: batch normalisation over every rank's batch, and an identity
that tells data-parallel training when the backward pass has finished.

Both take the communication as a function (``reduce(array)`` sums an array over the ranks in
place), so this file knows nothing about MPI.
"""
from ..autograd import Function, queue_callback
from ..backend import xp
from .norm import _update_running, input_grad, scale_shift


class AfterBackward(Function):
    """y = x; its backward queues ``callback`` to run once the whole backward pass is done."""
    saves_inputs = False

    def forward(self, x, callback):
        self.callback = callback
        return x

    def backward(self, g):
        queue_callback(self.callback)
        return g, None


class SyncNormalize(Function):
    """Batch normalisation with mean and (biased) variance over the union of every rank's batch.

    Forward: two sums over the ranks (the per-channel sum with the count, then the sum of
    squared deviations from the global mean): the single-process formula, exactly. Backward:
    the two per-channel sums of the input gradient are summed over the ranks too, so each rank's
    input gradient is that of the sum of all ranks' losses, as PyTorch's SyncBatchNorm.
    """
    def forward(self, x, weight, bias, axes, pshape, eps, running, reduce):
        c = pshape[1]
        stats = xp.empty_like(x, shape=(c + 1,), order="C")
        stats[:c] = x.sum(axis=axes)
        stats[c] = x.size // c
        reduce(stats)
        count = float(stats[c])
        mean = (stats[:c] / count).reshape(pshape)
        centred = x - mean
        sq = xp.sum(centred * centred, axis=axes)
        reduce(sq)
        var = (sq / count).reshape(pshape)
        if running is not None:
            _update_running(running, mean, var, int(count))
        self.axes, self.pshape, self.reduce, self.count = axes, pshape, reduce, count
        return scale_shift(self, centred, var, eps, weight, bias, pshape)

    def backward(self, g):
        xhat, inv_std, weight = self.saved
        nx, nw, nb = self.needs_grad[:3]
        c = self.pshape[1]
        gxh = g * xhat
        local = xp.empty_like(g, shape=(2 * c,), order="C")
        local[:c] = xp.sum(g, axis=self.axes)
        local[c:] = xp.sum(gxh, axis=self.axes)
        # weight and bias: this rank's own loss (DistributedDataParallel averages them); copied
        # before the sums below are reduced in place
        gw = local[c:].copy().reshape(weight.shape) if nw else None
        gb = local[:c].copy().reshape(weight.shape if weight is not None else -1) if nb else None
        gx = None
        if nx:
            self.reduce(local)
            sum_g, sum_gx = local[:c].reshape(self.pshape), local[c:].reshape(self.pshape)
            scale = inv_std if weight is None else inv_std * weight.reshape(self.pshape)
            gx = input_grad(g, xhat, sum_g, sum_gx, self.count, scale)
        return gx, gw, gb, None, None, None, None, None
