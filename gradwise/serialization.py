"""gw.save / gw.load: what PyTorch programs save, in the safetensors format (no pickle: loading
never runs code).

``save(obj, f)`` takes a state dict or any nesting of dicts, lists and tuples holding tensors,
arrays, numbers, strings and None (``{'epoch': 3, 'model': model.state_dict(), 'optimizer':
opt.state_dict()}``). The arrays go into the safetensors body, named by their path
(``model.fc.weight``, ``optimizer.state.0.exp_avg``), and the structure around them into the
header's metadata as JSON. A flat state dict is therefore an ordinary safetensors file that
PyTorch's ``safetensors.torch.load_file`` reads, and a safetensors file written by PyTorch loads
here. Writes to a path are atomic: a temporary file in the same folder, fsync, then rename.
"""
import json
import numbers
import os
import tempfile
import time

import numpy as np

from . import safetensors_file
from .backend import device_type, to_device
from .tensor import Tensor
from .errors import ArgumentTypeError, FileFormatError, MissingFileError

STRUCTURE = "gradwise.structure"        # metadata key of the JSON structure
FORMAT = "gradwise-object/1"


def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False, metadata=None):
    """Save ``obj`` (a state dict, or nested dicts/lists/tuples of tensors, arrays, numbers,
    strings and None) to ``f`` (a path, written atomically, or a binary file object).

    Args:
        metadata: gradwise's addition: a dict of str -> str stored in the file's header.

    Example:
        >>> gw.save({"epoch": 3, "model": model.state_dict(), "optimizer": opt.state_dict()}, "ckpt.pt")
    """
    if metadata is not None and not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise TypeError("save: metadata must map str to str")
    arrays = {}
    tree = _encode(obj, "", arrays)
    header = dict(metadata or {})
    header[STRUCTURE] = json.dumps({"format": FORMAT, "tree": tree})
    data = _to_bytes(arrays, header)
    if hasattr(f, "write"):
        f.write(data)
    else:
        atomic_write(f, data)


def _encode(obj, path, arrays):
    """The JSON form of obj; tensors and arrays go into ``arrays`` under a name from their path."""
    if isinstance(obj, (Tensor, np.ndarray)):
        name = path or "tensor"
        while name in arrays:
            name += "'"
        arr = _host(obj._data if isinstance(obj, Tensor) else obj)
        arrays[name] = arr if arr.flags.c_contiguous else arr.copy()     # (ascontiguousarray makes 0-d 1-d)
        return {"ndarray" if isinstance(obj, np.ndarray) else "tensor": name}
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, numbers.Integral):
        return int(obj)
    if isinstance(obj, numbers.Real):
        return {"float": repr(float(obj))}          # keeps nan and inf exact and JSON-valid
    if isinstance(obj, dict):
        return {"dict": [[_encode(k, "", {}), _encode(v, _join(path, k), arrays)] for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        items = [_encode(v, _join(path, i), arrays) for i, v in enumerate(obj)]
        return {"tuple" if isinstance(obj, tuple) else "list": items}
    _refuse(obj, path)


def _host(arr):
    """Files hold host arrays: a device array is copied to the host."""
    return np.asarray(arr) if device_type(arr) == "cpu" else to_device(arr, "cpu")


def _join(path, key):
    return f"{path}.{key}" if path else str(key)


def _refuse(obj, path):
    from .nn import Module
    from .optim.optimizer import Optimizer
    where = f" (at {path!r})" if path else ""
    if isinstance(obj, Module):
        raise TypeError(f"save: gradwise does not pickle whole modules{where}; save model.state_dict() instead and "
                        f"load it with model.load_state_dict(gw.load(f))")
    if isinstance(obj, Optimizer):
        raise TypeError(f"save: gradwise does not pickle optimizers{where}; save optimizer.state_dict() instead and "
                        f"load it with optimizer.load_state_dict(gw.load(f))")
    raise TypeError(f"save: cannot store a {type(obj).__name__}{where}; gradwise saves tensors, arrays, numbers, "
                    f"strings, None and dicts/lists/tuples of them (no pickle)")


def _to_bytes(arrays, metadata):
    from safetensors.numpy import save as to_bytes
    return to_bytes(arrays, metadata=metadata)


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args):
    """Load what ``save`` wrote (or any safetensors file, e.g. one PyTorch wrote) from a path or a
    binary file object; arrays come back as Tensors (ndarrays that were saved as ndarrays stay so).

    Args:
        map_location: a device (or its name) to put the tensors on; dicts and functions are
            accepted and leave them on the CPU.
        weights_only: accepted; loading never runs code whatever its value.

    Example:
        >>> model.load_state_dict(gw.load("lenet.safetensors"))
    """
    arrays, header = _read(f)
    device = map_location if isinstance(map_location, str) or type(map_location).__name__ == "device" else None
    if STRUCTURE not in header:
        return {k: _tensor(v, device) for k, v in arrays.items()}
    try:
        info = json.loads(header[STRUCTURE])
    except json.JSONDecodeError as e:
        raise FileFormatError(getattr(f, "name", f), f"the gradwise structure in the header is damaged ({e})") from None
    if info.get("format") != FORMAT:
        raise FileFormatError(getattr(f, "name", f), f"unknown gradwise format {info.get('format')!r} (this version "
                                                     f"reads {FORMAT})")
    try:
        return _decode(info["tree"], arrays, device)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise FileFormatError(getattr(f, "name", f), f"the gradwise structure in the header does not match the "
                                                     f"tensors ({type(e).__name__}: {e})") from None


def _tensor(array, device):
    t = Tensor(array)
    return t if device is None or str(device) == "cpu" else t.to(device)


def _decode(node, arrays, device):
    if not isinstance(node, dict):
        return node
    (kind, value), = node.items()
    if kind == "tensor":
        return _tensor(arrays[value], device)
    if kind == "ndarray":
        return arrays[value]
    if kind == "float":
        return float(value)
    if kind == "dict":
        return {_decode(k, arrays, device): _decode(v, arrays, device) for k, v in value}
    items = [_decode(v, arrays, device) for v in value]
    return tuple(items) if kind == "tuple" else items


def _read(f):
    """(name -> ndarray, header metadata) of a safetensors file or file object, read by the checked
    parser (bf16 and float8 widened to float32; damage is a FileFormatError naming the file)."""
    if hasattr(f, "read"):
        blob, where = f.read(), "the file object"
    else:
        where = os.fspath(f)
        if not os.path.isfile(where):
            raise MissingFileError(f"load: no file at {where!r}")
        with open(where, "rb") as fh:
            blob = fh.read()
    try:
        return safetensors_file.read_bytes(blob, where)
    except FileFormatError:
        # (checked only after the parse fails: a header length such as 640 also starts with b"\x80\x02")
        if blob[:4] == b"PK\x03\x04" or blob[:2] in (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05"):
            raise FileFormatError(where, "a PyTorch pickle file (torch.save's default format); gradwise never "
                                         "unpickles. Re-save it from PyTorch with safetensors.torch.save_file("
                                         "state_dict, path)") from None
        raise


def save_arrays(arrays, path, metadata=None):
    """Write ``arrays`` (name -> ndarray or Tensor) as a plain safetensors file, atomically (checkpoints)."""
    out = {}
    for name, value in arrays.items():
        if not isinstance(name, str):
            raise ArgumentTypeError(f"save: keys must be strings; got {name!r}")
        arr = _host(value._data if isinstance(value, Tensor) else value)
        out[name] = arr if arr.flags.c_contiguous else arr.copy()
    if metadata is not None and not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise ArgumentTypeError("save: metadata must map str to str")
    atomic_write(path, _to_bytes(out, metadata))


def load_arrays(path):
    """A safetensors file as name -> ndarray (the raw arrays; ``load`` gives PyTorch's view)."""
    return _read(path)[0]


def metadata(path):
    """The str -> str metadata stored in a safetensors file's header (without gradwise's structure)."""
    return {k: v for k, v in _read(path)[1].items() if k != STRUCTURE}


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


__all__ = ["atomic_write", "load", "load_arrays", "metadata", "save", "save_arrays"]
