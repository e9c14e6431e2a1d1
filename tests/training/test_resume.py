"""A run killed with SIGKILL mid-epoch and resumed from its last checkpoint ends with weights
bitwise identical to an uninterrupted run."""
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import gradwise as gw
from gradwise.training import latest_checkpoint, load_checkpoint

SCRIPT = Path(__file__).with_name("resume_script.py")


def run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True, timeout=120)


def test_kill_and_resume_is_bitwise_identical(tmp_path):
    straight = run(tmp_path / "a", tmp_path / "a.safetensors")
    assert straight.returncode == 0, straight.stderr
    killed = run(tmp_path / "b", tmp_path / "b.safetensors", "--kill-at", 14)      # 9 steps per epoch: epoch 2
    assert killed.returncode == -signal.SIGKILL
    assert not (tmp_path / "b.safetensors").exists()
    last = latest_checkpoint(tmp_path / "b")
    _, info = load_checkpoint(last)
    assert (info["global_step"], info["epoch"], info["batch_in_epoch"]) == (12, 1, 3)   # mid-epoch
    resumed = run(tmp_path / "b", tmp_path / "b.safetensors", "--resume")
    assert resumed.returncode == 0, resumed.stderr
    a, b = gw.load(tmp_path / "a.safetensors"), gw.load(tmp_path / "b.safetensors")
    assert sorted(a) == sorted(b)
    for k in a:
        assert np.array_equal(a[k], b[k]), f"{k} differs after resume"


def test_damaged_checkpoint_is_a_clear_error_and_the_previous_one_stays(tmp_path):
    assert run(tmp_path / "c", tmp_path / "c.safetensors").returncode == 0
    newest = latest_checkpoint(tmp_path / "c")
    older = sorted((tmp_path / "c").glob("checkpoint-*.safetensors"))[0]
    newest.write_bytes(newest.read_bytes()[:1000])          # truncated, as by a full disk
    with pytest.raises(ValueError, match=rf"checkpoint .*{newest.name} cannot be used.*previous checkpoint "
                                         rf".*{older.name} is intact"):
        load_checkpoint(newest)
    arrays, info = load_checkpoint(older)
    assert info["global_step"] > 0 and any(k.startswith("model.") for k in arrays)
