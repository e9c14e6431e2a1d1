"""examples/pytorch/mnist_torchvision.py, an unmodified PyTorch program, runs under `gradwise run`."""
import gzip
import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


def _write_idx(path, array):
    head = struct.pack(">HBB", 0, 8, array.ndim) + struct.pack(">" + "I" * array.ndim, *array.shape)
    path.write_bytes(gzip.compress(head + array.astype(np.uint8).tobytes()))


def test_torchvision_mnist_script_runs_on_gradwise(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    r = np.random.default_rng(0)
    for split, n in (("train", 48), ("t10k", 20)):
        labels = r.integers(0, 10, n)
        images = np.zeros((n, 28, 28), np.uint8)
        images[np.arange(n), 2 + 2 * labels] = 255            # a learnable bar per class
        _write_idx(raw / f"{split}-images-idx3-ubyte.gz", images)
        _write_idx(raw / f"{split}-labels-idx1-ubyte.gz", labels)
    env = {k: v for k, v in os.environ.items() if k != "GRADWISE_DATASETS"}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run([sys.executable, "-m", "gradwise.run", "--no-doctor",
                          str(ROOT / "examples" / "pytorch" / "mnist_torchvision.py"), "--root", str(tmp_path),
                          "--out", str(tmp_path / "ck.pt"), "--batch-size", "16"],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "epoch 1 [0/48]" in out.stdout and "reloaded epoch 1: test accuracy" in out.stdout
    assert (tmp_path / "ck.pt").read_bytes()[8:9] == b"{"          # safetensors, not a pickle
