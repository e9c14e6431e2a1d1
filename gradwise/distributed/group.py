"""The process group: one MPI communicator shared by every rank of a data-parallel run.

``mpiexec -n N python script.py`` starts N copies of a script; ``init_process_group("mpi")``
joins them. mpi4py is imported only here, and only when a group is created, so
``import gradwise`` stays light and works without MPI.

Two rules keep a run from hanging when one rank fails:

- an uncaught exception in any rank prints its traceback, names the rank and aborts every
  rank (``MPI_Abort``), instead of leaving the others waiting in a collective forever;
- every collective waits at most ``timeout`` seconds for the other ranks (a rank stuck in a
  loop, or one that skipped a collective); then it raises ``DistributedTimeoutError`` naming
  the operation, and the excepthook above aborts the job.
"""
import datetime
import os
import sys
import time

from ..errors import GradwiseError

#: the default wait for the other ranks (PyTorch's default process-group timeout is 30 minutes)
DEFAULT_TIMEOUT = 1800.0


class DistributedError(GradwiseError, RuntimeError):
    """A collective used without a process group, or a failed rank."""


class DistributedTimeoutError(DistributedError, TimeoutError):
    """A collective that the other ranks did not join within the timeout."""


class _Group:
    """The state of the initialised group (one per process)."""
    comm = None
    rank = 0
    size = 1
    timeout = DEFAULT_TIMEOUT
    previous_hook = None


def _mpi():
    try:
        from mpi4py import MPI
    except ImportError:
        raise DistributedError("gradwise.distributed needs mpi4py and an MPI library: pip install 'gradwise[mpi]' "
                               "(mpi4py and the MPICH wheel), then launch with mpiexec -n N python script.py") \
            from None
    return MPI


def is_available() -> bool:
    """True when mpi4py can be imported (the MPI backend can be used)."""
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return False
    return True


def launched_by_mpi() -> bool:
    """True when this process was started by mpiexec (MPICH, Open MPI or PMI variables are set)."""
    keys = ("PMI_RANK", "PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS")
    return any(k in os.environ for k in keys)


def init_process_group(backend="mpi", init_method=None, timeout=None, world_size=-1, rank=-1, **_):
    """Join the ranks started by ``mpiexec``; rank and world size come from the MPI environment.

    Args:
        backend: "mpi" (the only one; "gloo" and "nccl" are accepted as names for it, so PyTorch
            scripts run).
        timeout: the longest wait in one collective, as seconds or a ``datetime.timedelta``
            (default 30 minutes, or the GRADWISE_DIST_TIMEOUT environment variable in seconds).
        world_size, rank: if given, checked against what MPI says.

    Example:
        >>> import gradwise.distributed as dist
        >>> dist.init_process_group("mpi"); dist.get_rank(), dist.get_world_size()
    """
    if backend not in ("mpi", "gloo", "nccl", None):
        raise DistributedError(f"init_process_group: unknown backend {backend!r}; gradwise runs on 'mpi'")
    if _Group.comm is not None:
        raise DistributedError("init_process_group: the default process group is already initialised")
    MPI = _mpi()
    comm = MPI.COMM_WORLD
    if (world_size not in (-1, None) and world_size != comm.Get_size()) or \
            (rank not in (-1, None) and rank != comm.Get_rank()):
        raise DistributedError(f"init_process_group: asked for rank {rank} of {world_size}, but mpiexec started "
                               f"rank {comm.Get_rank()} of {comm.Get_size()}")
    _Group.comm, _Group.rank, _Group.size = comm, comm.Get_rank(), comm.Get_size()
    _Group.timeout = _seconds(timeout if timeout is not None else os.environ.get("GRADWISE_DIST_TIMEOUT",
                                                                                  DEFAULT_TIMEOUT))
    _Group.previous_hook = sys.excepthook
    sys.excepthook = _abort_on_exception


def _seconds(timeout):
    if isinstance(timeout, datetime.timedelta):
        return timeout.total_seconds()
    value = float(timeout)
    if value <= 0:
        raise DistributedError(f"init_process_group: timeout must be > 0 seconds; got {timeout}")
    return value


def _abort_on_exception(kind, value, tb):
    """Print the failing rank's error, then abort every rank (no rank is left waiting)."""
    comm = _Group.comm
    if comm is None or _Group.size < 2:
        return (_Group.previous_hook or sys.__excepthook__)(kind, value, tb)
    print(f"gradwise.distributed: rank {_Group.rank} of {_Group.size} failed with {kind.__name__}: {value}\n"
          f"gradwise.distributed: aborting all ranks", file=sys.stderr, flush=True)
    (_Group.previous_hook or sys.__excepthook__)(kind, value, tb)
    sys.stderr.flush()
    time.sleep(1.0)         # let mpiexec forward this output before the abort tears the job down
    comm.Abort(1)


def destroy_process_group(group=None):
    """Leave the group (the MPI library itself is finalised at exit)."""
    if _Group.comm is not None:
        sys.excepthook = _Group.previous_hook or sys.__excepthook__
    _Group.comm, _Group.rank, _Group.size = None, 0, 1


def is_initialized() -> bool:
    return _Group.comm is not None


def get_rank(group=None) -> int:
    """This process's rank (0 without a group, as a single process)."""
    return _Group.rank


def get_world_size(group=None) -> int:
    """The number of ranks (1 without a group)."""
    return _Group.size


def get_backend(group=None) -> str:
    return "mpi"


def active() -> bool:
    """True inside an initialised group of more than one rank: what data-parallel code checks."""
    return _Group.comm is not None and _Group.size > 1


def comm():
    """The MPI communicator; a clear error before ``init_process_group``."""
    if _Group.comm is None:
        raise DistributedError("no process group: call gradwise.distributed.init_process_group('mpi') first "
                               "(and launch with mpiexec -n N)")
    return _Group.comm


def wait(request, what):
    """Wait for a nonblocking MPI request, at most the group's timeout; spins briefly (collectives
    of a healthy run finish in microseconds to milliseconds), then polls with short sleeps."""
    deadline = None
    spins = 0
    while not request.Test():
        spins += 1
        if spins < 2000:
            continue
        now = time.monotonic()
        if deadline is None:
            deadline = now + _Group.timeout
        elif now > deadline:
            raise DistributedTimeoutError(
                f"gradwise.distributed: {what} on rank {_Group.rank} waited {_Group.timeout:g} s for the other "
                f"{_Group.size - 1} rank(s), which never joined it (a rank died, hangs, or skipped this "
                f"collective). Aborting; raise the limit with init_process_group(timeout=...) if a rank is "
                f"just slow.")
        time.sleep(0.0002)
