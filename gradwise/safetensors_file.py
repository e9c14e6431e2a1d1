"""Reading safetensors files with checks: every size is checked against the file before anything
is allocated, every failure is a FileFormatError naming the file, and the dtypes NumPy lacks
(bfloat16, float8 E4M3 and E5M2) load widened to float32 by bit manipulation.

Layout (https://github.com/huggingface/safetensors): 8 bytes little-endian header length N,
N bytes of JSON ``{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}``,
then the data, offsets counted from its start.
"""
import json
import math
import os

import numpy as np

from .errors import FileFormatError

MAX_HEADER = 100 * 1024 * 1024          # the reference implementation's limit

_NATIVE = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
           "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1", "BOOL": "?"}
_WIDENED = {"BF16": 2, "F8_E4M3": 1, "F8_E5M2": 1}      # dtype -> bytes per element, loaded as float32


def _e4m3_table():
    """float32 value of each of the 256 float8 E4M3 (fn) codes: bias 7, no infinities, S.1111.111 is NaN."""
    codes = np.arange(256)
    sign = np.where(codes & 0x80, -1.0, 1.0)
    exp, man = (codes >> 3) & 0xF, codes & 0x7
    value = np.where(exp == 0, man / 8 * 2.0 ** -6, (1 + man / 8) * 2.0 ** (exp - 7.0))
    value = np.where((exp == 0xF) & (man == 0x7), np.nan, value)
    return (sign * value).astype(np.float32)


def _widen(dtype, raw):
    if dtype == "BF16":                 # bfloat16 is the high half of a float32
        return (raw.view("<u2").astype(np.uint32) << 16).view(np.float32)
    if dtype == "F8_E5M2":              # E5M2 is the high byte of a float16
        return (raw.astype(np.uint16) << 8).view("<f2").astype(np.float32)
    return _e4m3_table()[raw]


def read_header(path):
    """The parsed JSON header of the safetensors file at ``path`` and the data's size and start."""
    with open(path, "rb") as f:
        return _parse_header(path, os.path.getsize(path), f.read)


def _parse_header(path, size, read):
    """The header from ``read`` (the file's bytes from the start); sizes checked before reading."""
    head = read(8)
    if len(head) < 8:
        raise FileFormatError(path, f"not a safetensors file: {size} bytes, shorter than the 8-byte header length")
    n = int.from_bytes(head, "little")
    if n > min(size - 8, MAX_HEADER):
        raise FileFormatError(path, f"not a safetensors file, or truncated: the header length says {n} bytes, "
                                    f"but the file holds {size - 8} after it")
    text = read(n)
    try:
        header = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise FileFormatError(path, f"the safetensors header is not valid JSON ({e}); the file is damaged") from None
    if not isinstance(header, dict):
        raise FileFormatError(path, f"the safetensors header is a JSON {type(header).__name__}, not an object")
    return header, size - 8 - n, 8 + n


def metadata(path):
    """The str -> str metadata of the safetensors file at ``path``."""
    return _metadata(path, read_header(path)[0])


def _metadata(path, header):
    meta = header.get("__metadata__") or {}
    if not isinstance(meta, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items()):
        raise FileFormatError(path, "the header's __metadata__ must map strings to strings")
    return meta


def read(path):
    """All tensors of the file at ``path``, name -> ndarray, sorted by name (BF16/F8 as float32)."""
    header, data_size, start = read_header(path)
    entries = {k: _entry(path, k, v, data_size) for k, v in header.items() if k != "__metadata__"}
    with open(path, "rb") as f:
        f.seek(start)
        blob = f.read(data_size)
    if len(blob) != data_size:
        raise FileFormatError(path, f"the file shrank while it was read ({len(blob)} of {data_size} bytes)")
    return _arrays(entries, blob)


def read_bytes(blob, where="the file object"):
    """(name -> ndarray, metadata) of a whole safetensors file held in memory, with the same checks."""
    import io
    header, data_size, start = _parse_header(where, len(blob), io.BytesIO(blob).read)
    entries = {k: _entry(where, k, v, data_size) for k, v in header.items() if k != "__metadata__"}
    return _arrays(entries, memoryview(blob)[start:]), _metadata(where, header)


def _arrays(entries, blob):
    out = {}
    for name, (dtype, shape, begin, end) in sorted(entries.items()):
        raw = np.frombuffer(blob, np.uint8, end - begin, begin)
        if dtype in _WIDENED:
            arr = _widen(dtype, raw)
        else:
            arr = raw.view(_NATIVE[dtype]).astype(np.dtype(_NATIVE[dtype]).newbyteorder("="), copy=True)
        out[name] = arr.reshape(shape)
    return out


def _entry(path, name, info, data_size):
    where = f"tensor {name!r}"
    if not isinstance(info, dict):
        raise FileFormatError(path, f"{where}: its header entry is {info!r}, not an object")
    dtype, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
    if not isinstance(dtype, str) or (dtype not in _NATIVE and dtype not in _WIDENED):
        raise FileFormatError(path, f"{where}: unknown dtype {dtype!r}; known: "
                                    f"{', '.join(list(_NATIVE) + list(_WIDENED))}")
    if not isinstance(shape, list) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0
                                              for d in shape):
        raise FileFormatError(path, f"{where}: shape {shape!r} is not a list of non-negative integers")
    if (not isinstance(offsets, list) or len(offsets) != 2
            or not all(isinstance(o, int) and not isinstance(o, bool) for o in offsets)
            or not 0 <= offsets[0] <= offsets[1] <= data_size):
        raise FileFormatError(path, f"{where}: data_offsets {offsets!r} are not [begin, end] within the "
                                    f"{data_size} bytes of data; the file is truncated or damaged")
    itemsize = _WIDENED.get(dtype) or np.dtype(_NATIVE[dtype]).itemsize
    expected = math.prod(shape) * itemsize
    if offsets[1] - offsets[0] != expected:
        raise FileFormatError(path, f"{where}: shape {shape} of {dtype} needs {expected} bytes, but its offsets "
                                    f"span {offsets[1] - offsets[0]}")
    return dtype, tuple(shape), offsets[0], offsets[1]
