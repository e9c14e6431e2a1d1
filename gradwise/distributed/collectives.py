"""Collectives in PyTorch's shape (``all_reduce``, ``broadcast``, ``all_gather``, ``barrier``) and
their array forms used inside gradwise. Every wait is bounded by the group's timeout."""
import enum

import numpy as np

from .group import DistributedError, comm, get_world_size, wait


class ReduceOp(enum.Enum):
    """How ``all_reduce`` combines the ranks' values."""
    SUM = "sum"
    AVG = "avg"
    MAX = "max"
    MIN = "min"
    PRODUCT = "product"


def _mpi_op(op):
    from mpi4py import MPI
    op = ReduceOp(op.value if isinstance(op, ReduceOp) else str(op).lower())
    return {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.MAX: MPI.MAX, ReduceOp.MIN: MPI.MIN,
            ReduceOp.PRODUCT: MPI.PROD}[op], op is ReduceOp.AVG


def _array(tensor, who):
    data = getattr(tensor, "_data", tensor)
    if not isinstance(data, np.ndarray):
        raise TypeError(f"{who}: expected a Tensor or an ndarray; got {type(tensor).__name__}")
    if not data.flags.c_contiguous:
        raise DistributedError(f"{who}: the tensor must be contiguous (call .contiguous() first); got strides "
                               f"{data.strides} for shape {data.shape}")
    return data


def allreduce_array(array, op=ReduceOp.SUM):
    """Combine a contiguous ndarray over the ranks, in place; returns it."""
    from mpi4py import MPI
    mpi_op, average = _mpi_op(op)
    wait(comm().Iallreduce(MPI.IN_PLACE, array, op=mpi_op), f"all_reduce({array.size} x {array.dtype})")
    if average:
        if array.dtype.kind in "iub":
            raise DistributedError(f"all_reduce(op=AVG) needs a floating tensor; got dtype {array.dtype}")
        array /= get_world_size()
    return array


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Replace ``tensor`` on every rank by the combination (sum, average, max ...) over all ranks."""
    data = _array(tensor, "all_reduce")
    allreduce_array(data, op)
    if hasattr(tensor, "_vbox"):
        tensor._vbox[0] += 1
    return None


def broadcast(tensor, src=0, group=None, async_op=False):
    """Copy rank ``src``'s ``tensor`` into ``tensor`` on every other rank."""
    data = _array(tensor, "broadcast")
    _check_rank(src, "broadcast")
    wait(comm().Ibcast(data, root=src), f"broadcast({data.size} x {data.dtype}) from rank {src}")
    if hasattr(tensor, "_vbox"):
        tensor._vbox[0] += 1


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Fill ``tensor_list`` (one tensor per rank, of ``tensor``'s shape) with every rank's ``tensor``."""
    data = _array(tensor, "all_gather")
    n = get_world_size()
    if len(tensor_list) != n:
        raise DistributedError(f"all_gather: tensor_list needs one tensor per rank ({n}); got {len(tensor_list)}")
    out = np.empty((n,) + data.shape, data.dtype)
    wait(comm().Iallgather(data, out), f"all_gather({data.size} x {data.dtype})")
    for i, t in enumerate(tensor_list):
        dst = _array(t, "all_gather")
        if dst.shape != data.shape:
            raise DistributedError(f"all_gather: tensor_list[{i}] has shape {dst.shape}; expected {data.shape}")
        dst[...] = out[i]


def gather_rows(array):
    """Concatenate every rank's array along axis 0 (row counts may differ), in rank order."""
    array = np.ascontiguousarray(array)
    counts = np.array([array.shape[0]], np.int64)
    all_counts = np.empty(get_world_size(), np.int64)
    wait(comm().Iallgather(counts, all_counts), "all_gather(row counts)")
    row = int(np.prod(array.shape[1:], dtype=np.int64))
    out = np.empty((int(all_counts.sum()),) + array.shape[1:], array.dtype)
    sizes = [int(c) * row for c in all_counts]
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).tolist()
    wait(comm().Iallgatherv(array, [out, (sizes, offsets)]), f"all_gather({array.shape[0]} rows)")
    return out


def barrier(group=None, async_op=False, device_ids=None):
    """Wait until every rank gets here (bounded by the timeout)."""
    wait(comm().Ibarrier(), "barrier")


def _check_rank(rank, who):
    n = get_world_size()
    if not 0 <= rank < n:
        raise DistributedError(f"{who}: src must be a rank in 0..{n - 1}; got {rank}")
