"""Data-parallel training over MPI, in PyTorch's ``torch.distributed`` shape.

Launch N copies with ``mpiexec -n N python script.py`` (or ``mpiexec -n N gradwise train``):

    >>> import gradwise.distributed as dist
    >>> dist.init_process_group("mpi")          # rank and world size from mpiexec
    >>> model = gw.nn.parallel.DistributedDataParallel(model)
    >>> sampler = dist.DistributedSampler(train)  # also gradwise.utils.data.distributed

mpi4py is imported only when a process group is created (``pip install 'gradwise[mpi]'``).
"""
from .collectives import ReduceOp, all_gather, all_reduce, barrier, broadcast
from .group import (DistributedError, DistributedTimeoutError, destroy_process_group, get_backend, get_rank,
                    get_world_size, init_process_group, is_available, is_initialized, launched_by_mpi)
from .sampler import DistributedSampler

__all__ = ["DistributedError", "DistributedSampler", "DistributedTimeoutError", "ReduceOp", "all_gather",
           "all_reduce", "barrier", "broadcast", "destroy_process_group", "get_backend", "get_rank",
           "get_world_size", "init_process_group", "is_available", "is_initialized", "launched_by_mpi"]
