"""gw.save / gw.load: state dicts in the safetensors format (no pickle: loading never runs code).

Writes are atomic: a temporary file in the same folder, fsync, then rename, so a crash leaves
either the old file or the new one, never half of one.
"""
import os
import tempfile

import numpy as np

from .backend import device_type, to_device
from .tensor import Tensor


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
            raise TypeError(f"save: keys must be strings; got {name!r}")
        arr = value._data if isinstance(value, Tensor) else value
        arr = np.asarray(arr) if device_type(arr) == "cpu" else to_device(arr, "cpu")     # files hold host arrays
        arrays[name] = arr if arr.flags.c_contiguous else arr.copy()     # (ascontiguousarray makes 0-d 1-d)
    if metadata is not None and not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise TypeError("save: metadata must map str to str")
    blob = to_bytes(arrays, metadata=metadata)
    atomic_write(path, blob)


def atomic_write(path, data: bytes):
    """Write ``data`` to ``path`` via a temporary file, fsync and rename."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=os.path.basename(path), dir=folder)
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


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def load(path):
    """Read a safetensors file (ours or PyTorch's) into an ordered dict name -> ndarray.

    Example:
        >>> model.load_state_dict(gw.load("lenet.safetensors"))
    """
    from safetensors import SafetensorError
    from safetensors.numpy import load as from_bytes
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"load: no file at {path!r}")
    with open(path, "rb") as f:
        blob = f.read()
    try:
        return dict(from_bytes(blob))
    except (SafetensorError, ValueError) as e:
        raise ValueError(f"load: {path!r} is not a valid safetensors file ({len(blob)} bytes): {e}. "
                         f"The file is damaged or truncated; use an earlier copy.") from None


def metadata(path):
    """The str -> str metadata stored in a safetensors file's header."""
    from safetensors import safe_open
    with safe_open(os.fspath(path), framework="numpy") as f:
        return f.metadata() or {}
