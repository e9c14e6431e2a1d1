"""One training run per folder: a lock file that a second run sees, and that a killed run leaves
unlocked (the operating system drops the lock with the process, so no stale lock survives a crash).

Example:
    >>> with run_lock("runs/digits"):
    ...     trainer.fit(...)
"""
import contextlib
import os
import time
from pathlib import Path

from ..errors import RunLockedError

LOCK_NAME = ".gradwise.lock"
_held = {}          # resolved folder -> [open file, depth]: the same process may lock again (CLI, then fit)


@contextlib.contextmanager
def run_lock(folder):
    """Hold the lock of ``folder`` (created if missing) for the duration of the ``with`` block.

    Raises RunLockedError, naming the other process, if another live process holds it.
    """
    folder = Path(folder).resolve()
    key = str(folder)
    if key in _held:
        _held[key][1] += 1
        try:
            yield
        finally:
            _held[key][1] -= 1
        return
    folder.mkdir(parents=True, exist_ok=True)
    f = open(folder / LOCK_NAME, "a+")
    try:
        _acquire(f, folder)
    except BaseException:
        f.close()
        raise
    _held[key] = [f, 1]
    try:
        yield
    finally:
        if _held[key][1] == 1:
            del _held[key]
            f.close()           # closing drops the lock
        else:
            _held[key][1] -= 1


def _acquire(f, folder):
    try:
        import fcntl
    except ImportError:         # not POSIX (Windows): no lock, as before
        return
    try:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        f.seek(0)
        holder = f.read().strip() or "unknown"
        raise RunLockedError(f"{folder} is in use by another training run ({holder}); two runs in one folder "
                             f"would overwrite each other's checkpoints and metrics.csv. Wait for it to finish, or "
                             f"give this run another folder (--name / run_dir).") from None
    f.seek(0)
    f.truncate()
    f.write(f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}")
    f.flush()
