"""Fuzzing every reader of outside files (safetensors, checkpoints, IDX, text) with a seeded
mutator: whatever the bytes, the reader returns arrays or raises a GradwiseError, and never
allocates much more than the file could hold. Bounded and deterministic (seeded), for CI."""
import contextlib
import gzip
import json
import struct
import tracemalloc

import numpy as np
import pytest

import gradwise as gw
from gradwise import nn
from gradwise.data import CharText, read_idx
from gradwise.errors import GradwiseError

CASES = 120


def _mutate(blob, rng):
    """One to three random edits: flip bits, overwrite, insert, delete, truncate, or extend."""
    b = bytearray(blob)
    for _ in range(rng.integers(1, 4)):
        kind, i = rng.integers(6), int(rng.integers(len(b) + 1))
        if kind == 0 and b:
            i = min(i, len(b) - 1)
            b[i] ^= 1 << int(rng.integers(8))
        elif kind == 1 and b:
            i = min(i, len(b) - 1)
            b[i] = int(rng.integers(256))
        elif kind == 2:
            b[i:i] = rng.bytes(int(rng.integers(1, 9)))
        elif kind == 3:
            del b[i:i + int(rng.integers(1, 9))]
        elif kind == 4:
            del b[i:]
        else:
            b += rng.bytes(int(rng.integers(1, 64)))
    return bytes(b)


_ODD = [-1, 0, 1, 2 ** 31, 2 ** 63, 10 ** 30, 1.5, "x", None, [], {}, [1, 2, 3], True, "BF16", "F8_E4M3", "F64"]


def _mutate_json(obj, rng):
    """Replace one random value deep inside a JSON object with an odd one (structure-aware)."""
    obj = json.loads(json.dumps(obj))
    node = obj
    for _ in range(int(rng.integers(1, 5))):
        keys = list(node) if isinstance(node, dict) else list(range(len(node))) if isinstance(node, list) else []
        if not keys:
            break
        key = keys[int(rng.integers(len(keys)))]
        if isinstance(node[key], (dict, list)) and rng.random() < 0.6:
            node = node[key]
            continue
        odd = _ODD[int(rng.integers(len(_ODD)))]
        if rng.random() < 0.2 and isinstance(node, dict):
            node.pop(key)
        else:
            node[key] = odd
        break
    return obj


def _with_header(blob, edit):
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.dumps(edit(json.loads(blob[8:8 + n]))).encode()
    return struct.pack("<Q", len(header)) + header + blob[8 + n:]


@contextlib.contextmanager
def _allocation_limit(limit):
    tracemalloc.start()
    try:
        yield
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak <= limit, f"the reader allocated {peak} bytes for a file that allows {limit}"


def _fuzz(tmp_path, name, valid, read, limit, json_header=False, seed=0):
    rng = np.random.default_rng(seed)
    path = tmp_path / name
    outcomes = {"read": 0, "refused": 0}
    for case in range(CASES):
        if json_header and case % 2:
            blob = _with_header(valid, lambda h: _mutate_json(h, rng))
        else:
            blob = _mutate(valid, rng)
        path.write_bytes(blob)
        try:
            with _allocation_limit(limit(len(blob))):
                read(path)
            outcomes["read"] += 1
        except GradwiseError as e:
            assert str(path) in str(e) or name in str(e), f"case {case}: the error does not name the file: {e}"
            outcomes["refused"] += 1
    assert outcomes["refused"] > CASES // 4, outcomes          # the mutator does damage files
    return outcomes


def _safetensors_bytes(tmp_path):
    arrays = {"w": np.arange(24, dtype=np.float32).reshape(4, 6), "b": np.ones(6, np.int64),
              "h": np.zeros((2, 3), np.float16)}
    gw.save(arrays, tmp_path / "valid.safetensors", metadata={"note": "fuzz"})
    return (tmp_path / "valid.safetensors").read_bytes()


def test_fuzz_safetensors(tmp_path):
    valid = _safetensors_bytes(tmp_path)
    _fuzz(tmp_path, "weights.safetensors", valid, gw.load, lambda n: 6 * n + 65536, json_header=True)


def test_fuzz_checkpoints(tmp_path):
    x, y = np.random.default_rng(0).normal(size=(16, 3)).astype(np.float32), np.arange(16) % 2
    trainer = gw.Trainer(nn.Sequential(nn.Linear(3, 4, generator=0), nn.Dropout(0.2, generator=1),
                                       nn.Linear(4, 2, generator=2)), loss="cross_entropy", optimizer="adam")
    trainer.fit((x, y), epochs=1, batch_size=8, verbose=False, diagnostics=False)
    trainer.save_checkpoint(tmp_path / "valid.safetensors")
    valid = (tmp_path / "valid.safetensors").read_bytes()

    def resume(path):
        trainer.load_checkpoint(path)
    _fuzz(tmp_path, "checkpoint-e0000-s00000002.safetensors", valid, resume, lambda n: 8 * n + 2 ** 20,
          json_header=True, seed=1)


def test_fuzz_idx(tmp_path):
    images = (np.arange(2 * 5 * 5) % 256).astype(np.uint8).reshape(2, 5, 5)
    raw = struct.pack(">HBB", 0, 0x08, 3) + struct.pack(">III", 2, 5, 5) + images.tobytes()
    _fuzz(tmp_path, "images-idx3-ubyte", raw, read_idx, lambda n: 2 * n + 65536, seed=2)
    _fuzz(tmp_path, "images-idx3-ubyte.gz", gzip.compress(raw), read_idx, lambda n: 1100 * n + 2 ** 20, seed=3)


def test_fuzz_text(tmp_path):
    text = ("First Citizen:\nBefore we proceed any further, hear me speak.\n" * 4).encode()
    outcomes = {"read": 0, "refused": 0}
    rng = np.random.default_rng(4)
    path = tmp_path / "input.txt"
    for _ in range(CASES):
        path.write_bytes(_mutate(text, rng) if rng.random() < 0.7 else rng.bytes(int(rng.integers(0, 200))))
        try:
            ds = CharText(path, 16, split="train")
            x, y = ds[len(ds) - 1]
            assert x.shape == y.shape == (16,)
            outcomes["read"] += 1
        except GradwiseError as e:
            assert str(path) in str(e), e
            outcomes["refused"] += 1
    assert outcomes["read"] and outcomes["refused"], outcomes


@pytest.mark.parametrize("dtype", ["BF16", "F8_E4M3", "F8_E5M2"])
def test_widened_dtypes_survive_fuzzed_payloads(tmp_path, dtype):
    rng = np.random.default_rng(5)
    raw = rng.bytes(64)
    n = 64 // (2 if dtype == "BF16" else 1)
    header = json.dumps({"t": {"dtype": dtype, "shape": [n], "data_offsets": [0, 64]}}).encode()
    path = tmp_path / "lowp.safetensors"
    path.write_bytes(struct.pack("<Q", len(header)) + header + raw)
    out = gw.load(path)["t"]
    assert out.dtype == np.float32 and out.shape == (n,)
