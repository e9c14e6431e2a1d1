"""DistributedDataParallel: the same model on every rank, gradients averaged after each backward."""
import contextlib

import numpy as np

from ..autograd import _GradMode
from ..nn.module import Module
from ..ops.sync import AfterBackward
from ..tensor import Tensor
from . import group
from .collectives import ReduceOp, allreduce_array, broadcast


class _Bucket:
    """Parameters whose gradients travel together in one flat buffer (one all-reduce). The
    buffer ends with one flag per parameter: how many ranks had a gradient for it."""
    def __init__(self, params):
        self.params = params
        self.offsets = np.cumsum([0] + [p.numel() for p in params]).tolist()
        self.buffer = np.empty(self.offsets[-1] + len(params), params[0].dtype)

    def pack(self):
        buf, n = self.buffer, self.offsets[-1]
        for i, p in enumerate(self.params):
            lo, hi = self.offsets[i], self.offsets[i + 1]
            if p._grad is None:
                buf[lo:hi] = 0
                buf[n + i] = 0
            else:
                buf[lo:hi] = p._grad._data.reshape(-1)
                buf[n + i] = 1
        return buf

    def unpack(self):
        buf, n = self.buffer, self.offsets[-1]
        for i, p in enumerate(self.params):
            if buf[n + i] == 0:         # no rank used this parameter: its gradient stays None
                continue
            avg = buf[self.offsets[i]:self.offsets[i + 1]].reshape(p._data.shape)
            if p._grad is None:
                p._grad = Tensor._make(avg.copy(), None)
            else:
                p._grad._data[...] = avg
                p._grad._vbox[0] += 1


class DistributedDataParallel(Module):
    """Data-parallel training of ``module``: each rank runs it on its own share of the batch;
    after every ``backward()`` the gradients are averaged over the ranks, so every rank takes
    the same optimizer step and the replicas stay identical.

    At construction the parameters and buffers are copied from rank 0. The gradients travel in
    buckets of about ``bucket_cap_mb`` (each one flat buffer, one all-reduce), last layer
    first, once the backward pass is over. ``no_sync()`` skips the averaging (gradient accumulation:
    the next synchronised backward averages the sum). The wrapped model is ``.module``; the
    state_dict keys start with ``module.``, as PyTorch's.

    Args:
        module: the model (the same architecture on every rank).
        broadcast_buffers: copy rank 0's buffers (running statistics) to all ranks before every
            training forward.
        bucket_cap_mb: bucket size in MiB.

    Example:
        >>> dist.init_process_group("mpi")
        >>> model = nn.parallel.DistributedDataParallel(model)
        >>> loss_fn(model(x_shard), y_shard).backward(); opt.step()     # averaged gradients
    """
    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True,
                 process_group=None, bucket_cap_mb=25, find_unused_parameters=False, **_):
        super().__init__()
        if not group.is_initialized():
            raise group.DistributedError("DistributedDataParallel needs a process group: call "
                                         "gradwise.distributed.init_process_group('mpi') first (under mpiexec)")
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel wraps an nn.Module; got {type(module).__name__}")
        self.module = module
        self.broadcast_buffers = broadcast_buffers
        self.require_backward_grad_sync = True
        self._pending = False
        _broadcast_coalesced(list(module.parameters()) + list(module.buffers()))
        params = [p for p in module.parameters() if p.requires_grad]
        self._buckets = _make_buckets(params[::-1], bucket_cap_mb * 2 ** 20)   # gradients arrive last layer first

    def forward(self, *inputs, **kwargs):
        if self.training and self.broadcast_buffers and group.active():
            _broadcast_coalesced(list(self.module.buffers()))
        out = self.module(*inputs, **kwargs)
        if not (_GradMode.enabled and self.require_backward_grad_sync and group.active()):
            return out
        return _map_tensors(out, lambda t: AfterBackward.apply(t, self._sync_once) if t.requires_grad else t)

    def _sync_once(self):
        # one output node per output tensor queues this; the first call of a pass does the work
        if self._pending:
            return
        self._pending = True
        try:
            self.sync_gradients()
        finally:
            self._pending = False

    def sync_gradients(self):
        """Average every parameter's gradient over the ranks (what backward does automatically)."""
        for bucket in self._buckets:
            allreduce_array(bucket.pack(), ReduceOp.SUM)
            bucket.buffer[:bucket.offsets[-1]] /= group.get_world_size()
            bucket.unpack()

    @contextlib.contextmanager
    def no_sync(self):
        """Inside this block backward accumulates gradients locally, without communication."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old


def _broadcast_coalesced(tensors):
    """Rank 0's values of ``tensors`` everywhere: one broadcast per dtype, through a flat buffer."""
    by_dtype = {}
    for t in tensors:
        by_dtype.setdefault(t._data.dtype, []).append(t)
    for same in by_dtype.values():
        flat = np.concatenate([t._data.reshape(-1) for t in same])
        broadcast(flat, 0)
        offset = 0
        for t in same:
            t._data[...] = flat[offset:offset + t._data.size].reshape(t._data.shape)
            t._vbox[0] += 1
            offset += t._data.size


def _make_buckets(params, cap_bytes):
    buckets, current, size = [], [], 0
    for p in params:
        if current and (size + p._data.nbytes > cap_bytes or p.dtype != current[0].dtype):
            buckets.append(_Bucket(current))
            current, size = [], 0
        current.append(p)
        size += p._data.nbytes
    if current:
        buckets.append(_Bucket(current))
    return buckets


def _map_tensors(out, fn):
    if isinstance(out, Tensor):
        return fn(out)
    if isinstance(out, (tuple, list)):
        return type(out)(_map_tensors(o, fn) for o in out)
    if isinstance(out, dict):
        return {k: _map_tensors(v, fn) for k, v in out.items()}
    return out
