"""gw.save / gw.load: state dicts in the safetensors format (no pickle: loading never runs code).

Writes are atomic: a temporary file in the same folder, fsync, then rename, so a crash leaves
either the old file or the new one, never half of one.
"""
import os
import tempfile
import time

import numpy as np

from . import safetensors_file
from .tensor import Tensor
from .errors import ArgumentTypeError, MissingFileError


def save(state_dict, path, metadata=None):
    """Write ``state_dict`` (name -> ndarray or Tensor) to ``path`` as safetensors, atomically.

    Args:
        metadata: optional dict of str -> str stored in the file's header.

    Example:
        >>> gw.save(model.state_dict(), "lenet.safetensors")
    """
    from safetensors.numpy import save as to_bytes
    arrays = {}
    for name, value in state_dict.items():
        if not isinstance(name, str):
            raise ArgumentTypeError(f"save: keys must be strings; got {name!r}")
        arr = value._data if isinstance(value, Tensor) else np.asarray(value)
        arrays[name] = arr if arr.flags.c_contiguous else arr.copy()     # (ascontiguousarray makes 0-d 1-d)
    if metadata is not None and not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise ArgumentTypeError("save: metadata must map str to str")
    blob = to_bytes(arrays, metadata=metadata)
    atomic_write(path, blob)


def atomic_write(path, data: bytes):
    """Write ``data`` to ``path`` via a temporary file, fsync and rename."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    remove_stale_temporaries(folder)
    fd, tmp = tempfile.mkstemp(prefix=f"{_TMP}{os.getpid()}-", suffix="-" + os.path.basename(path), dir=folder)
    try:
        os.fchmod(fd, 0o666 & ~_umask())     # mkstemp makes 0600; give the file the usual permissions
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:     # some filesystems cannot fsync a folder; the rename is still atomic
        pass


_TMP = ".tmp-"


def remove_stale_temporaries(folder):
    """Delete the temporary files that saves killed mid-write left in ``folder``: those whose
    writer process (its pid is in the name) no longer runs, and those of older gradwise versions
    (no pid in the name) untouched for an hour. Returns the names removed."""
    removed = []
    for name in os.listdir(folder):
        if not name.startswith(_TMP):
            continue
        pid = name[len(_TMP):].split("-", 1)[0]
        stale = not _alive(int(pid)) if pid.isdigit() else _age(os.path.join(folder, name)) > 3600
        if stale:
            try:
                os.unlink(os.path.join(folder, name))
                removed.append(name)
            except OSError:     # another process removed it first, or it is not ours to remove
                pass
    return removed


def _age(path):
    try:
        return time.time() - os.path.getmtime(path)
    except OSError:
        return 0.0


def _alive(pid):
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):      # someone else's live process, or no way to know: keep the file
        return True
    return True


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def load(path):
    """Read a safetensors file (ours or PyTorch's) into an ordered dict name -> ndarray.

    bfloat16 and float8 (E4M3, E5M2) tensors, which NumPy has no dtype for, are widened to
    float32 exactly. A damaged file is a FileFormatError naming it and what is wrong.

    Example:
        >>> model.load_state_dict(gw.load("lenet.safetensors"))
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise MissingFileError(f"load: no file at {path!r}")
    return safetensors_file.read(path)


def metadata(path):
    """The str -> str metadata stored in a safetensors file's header."""
    return safetensors_file.metadata(os.fspath(path))
