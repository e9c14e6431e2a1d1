"""Every file gradwise reads maps foreign failures to a FileFormatError naming the file and what
is wrong; bfloat16 and float8 safetensors load widened to float32; killed saves' temporaries are
cleaned at the next save."""
import gzip
import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import gradwise as gw
from gradwise import nn
from gradwise.data import CharText, read_idx
from gradwise.errors import FileFormatError, GradwiseError
from gradwise.serialization import remove_stale_temporaries
from gradwise.training import load_checkpoint

FIXTURES = Path(__file__).parent / "fixtures"


def test_bfloat16_float8_float16_safetensors_saved_by_pytorch_load_exactly():
    arrays, ref = gw.load(FIXTURES / "lowp.safetensors"), np.load(FIXTURES / "lowp_ref.npz")
    assert sorted(arrays) == sorted(ref.files)
    for name in ref.files:
        np.testing.assert_array_equal(arrays[name].astype(np.float32), ref[name], err_msg=name)
    assert arrays["bf16"].dtype == arrays["e4m3"].dtype == arrays["e5m2"].dtype == np.float32
    assert arrays["f16"].dtype == np.float16
    nn.Linear(4, 3).load_state_dict({"weight": arrays["bf16"], "bias": np.zeros(3, np.float32)})


def _safetensors(header, data=b""):
    blob = json.dumps(header).encode()
    return struct.pack("<Q", len(blob)) + blob + data


@pytest.mark.parametrize("content, problem", [
    (b"", "shorter than the 8-byte header length"),
    (struct.pack("<Q", 10 ** 12) + b"{}", "the header length says 1000000000000 bytes"),
    (struct.pack("<Q", 4) + b"{x}!", "not valid JSON"),
    (_safetensors([1, 2]), "a JSON list, not an object"),
    (_safetensors({"w": {"dtype": "C64", "shape": [1], "data_offsets": [0, 8]}}, bytes(8)), "unknown dtype 'C64'"),
    (_safetensors({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, bytes(4)), "not a list of non-neg"),
    (_safetensors({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}, bytes(8)), "within the 8 bytes"),
    (_safetensors({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, bytes(8)), "needs 12 bytes"),
    (_safetensors({"__metadata__": {"a": 1}}), "__metadata__ must map strings to strings"),
])
def test_damaged_safetensors_name_the_file_and_the_problem(tmp_path, content, problem):
    path = tmp_path / "weights.safetensors"
    path.write_bytes(content)
    with pytest.raises(FileFormatError, match=problem) as info:
        gw.load(path)
        gw.serialization.metadata(path)
    assert str(path) in str(info.value) and info.value.path == str(path)
    assert isinstance(info.value, ValueError)


def _checkpoint(tmp_path):
    x, y = np.random.default_rng(0).normal(size=(16, 3)).astype(np.float32), np.arange(16) % 2
    trainer = gw.Trainer(nn.Linear(3, 2, generator=0), loss="cross_entropy", optimizer="adam")
    trainer.fit((x, y), epochs=1, batch_size=8, verbose=False, diagnostics=False)
    path = tmp_path / "checkpoint-e0000-s00000002.safetensors"
    trainer.save_checkpoint(path)
    return trainer, path, (x, y)


def _edit_header(path, edit):
    arrays, meta = gw.load(path), gw.serialization.metadata(path)
    info = json.loads(meta["gradwise"])
    edit(info)
    gw.save(arrays, path, metadata={"gradwise": json.dumps(info)})


@pytest.mark.parametrize("edit, problem", [
    (lambda i: i.pop("epoch"), "'epoch' is None; expected a JSON integer"),
    (lambda i: i.update(global_step="12"), "'global_step' is '12'"),
    (lambda i: i.update(rng=[1]), "'rng' is \\[1\\]; expected a JSON object"),
    (lambda i: i.update(format="other/1"), "not a gradwise training checkpoint"),
    (lambda i: i["optimizer"].pop("param_groups"), "lacks param_groups"),
    (lambda i: i.update(epoch=-3), "negative epoch"),
    (lambda i: i["rng"].update({"gradwise.random:default": {"bit_generator": "nope"}}), "generator state"),
    (lambda i: i["optimizer"]["param_groups"][0].update(lr="fast"), "optimizer or generator state|lr"),
])
def test_an_edited_checkpoint_header_is_a_file_format_error(tmp_path, edit, problem):
    trainer, path, data = _checkpoint(tmp_path)
    _edit_header(path, edit)
    with pytest.raises(GradwiseError, match=problem):
        trainer.load_checkpoint(path)


def test_a_weights_file_is_not_taken_for_a_checkpoint(tmp_path):
    path = tmp_path / "model.safetensors"
    gw.save(nn.Linear(2, 2).state_dict(), path)
    with pytest.raises(FileFormatError, match="not a gradwise training checkpoint"):
        load_checkpoint(path)


def _idx(array):
    return struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(">" + "I" * array.ndim, *array.shape) + \
        array.astype(np.uint8).tobytes()


def test_corrupt_gzip_idx_is_a_file_format_error_with_the_name(tmp_path):
    blob = bytearray(gzip.compress(_idx(np.arange(600, dtype=np.uint8).reshape(6, 10, 10) % 7)))
    blob[30:40] = b"\xff" * 10                      # damage the deflate stream, keep the trailer
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(bytes(blob))
    with pytest.raises(FileFormatError, match="train-images-idx3-ubyte.gz: cannot be read as IDX \\(gzip\\)"):
        read_idx(path)


def test_idx_header_promising_more_than_gzip_can_hold(tmp_path):
    path = tmp_path / "bomb-idx3-ubyte.gz"
    head = struct.pack(">HBB", 0, 0x08, 3) + struct.pack(">III", 60000, 28, 28000)
    path.write_bytes(gzip.compress(head))
    with pytest.raises(FileFormatError, match="more than .* compressed bytes can hold"):
        read_idx(path)


def test_text_that_is_not_utf8_or_too_short(tmp_path):
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("caf\xe9 ol\xe9 ".encode("latin-1") * 20)
    with pytest.raises(FileFormatError, match="latin1.txt: not UTF-8 text: byte 0xe9 at offset 3"):
        CharText(bad, 8)
    short = tmp_path / "short.txt"
    short.write_text("abc")
    with pytest.raises(FileFormatError, match="short.txt: CharText: 3 characters"):
        CharText(short, 8)


def test_temporaries_of_killed_saves_are_removed_at_the_next_save(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)                                   # a process that has exited
    stale = tmp_path / f".tmp-{pid}-abc123-checkpoint-e0001.safetensors"
    stale.write_bytes(b"half a file")
    live = tmp_path / f".tmp-{os.getpid()}-xyz-model.safetensors"     # this process: maybe still writing it
    live.write_bytes(b"in flight")
    legacy = tmp_path / ".tmp-k3j4model.safetensors"                  # older naming: removed after an hour
    legacy.write_bytes(b"old")
    os.utime(legacy, (1e9, 1e9))
    gw.save({"w": np.zeros(2, np.float32)}, tmp_path / "model.safetensors")
    assert not stale.exists() and not legacy.exists() and live.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, "model.safetensors"])
    assert remove_stale_temporaries(tmp_path) == []
