"""An outside check of gradwise's numbers: one training step of a benchmark workload with the same
weights and data in gradwise and in PyTorch, each framework in its own process; prints both losses
and the largest difference between their parameter gradients, relative to the largest gradient.

    python bench/torch_agreement.py --torch-python /path/to/python-with-torch W2 W3 W6
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def gradwise_side(name, path):
    import gradwise as gw
    from gradwise.bench import workloads
    x, y = workloads.data(name, np.random.default_rng(0))
    gw.manual_seed(0)
    net = workloads.model(gw.nn, name)
    loss = gw.nn.CrossEntropyLoss()(net(gw.tensor(x)), gw.tensor(y))
    loss.backward()
    arrays = {"x": x, "y": y, "loss": np.array(loss.item())}
    arrays.update({"w:" + k: np.asarray(v.numpy()) for k, v in net.state_dict().items()})
    arrays.update({"g:" + k: p.grad.numpy() for k, p in net.named_parameters()})
    np.savez(path, **arrays)


def torch_side(name, path):
    import torch
    from gradwise.bench import workloads
    saved = np.load(path)
    net = workloads.model(torch.nn, name)
    net.load_state_dict({k[2:]: torch.from_numpy(saved[k]) for k in saved.files if k.startswith("w:")})
    loss = torch.nn.CrossEntropyLoss()(net(torch.from_numpy(saved["x"])), torch.from_numpy(saved["y"]))
    loss.backward()
    worst = max(np.abs(p.grad.numpy() - saved["g:" + k]).max() / max(np.abs(saved["g:" + k]).max(), 1e-12)
                for k, p in net.named_parameters())
    print(f"{name}: loss gradwise {float(saved['loss']):.6f}, PyTorch {loss.item():.6f}; largest gradient "
          f"difference {worst:.1e} of the largest gradient")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("names", nargs="+")
    p.add_argument("--torch-python", help="a Python with torch installed (required)")
    p.add_argument("--side", choices=["gradwise", "torch"], help=argparse.SUPPRESS)
    p.add_argument("--file", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.side:
        sys.path.insert(0, ROOT)
        (gradwise_side if a.side == "gradwise" else torch_side)(a.names[0], a.file)
        sys.exit()
    if not a.torch_python:
        p.error("--torch-python is required")
    with tempfile.TemporaryDirectory() as tmp:
        for name in a.names:
            path = os.path.join(tmp, f"{name}.npz")
            for python, side in ((sys.executable, "gradwise"), (a.torch_python, "torch")):
                subprocess.run([python, os.path.abspath(__file__), name, "--side", side, "--file", path], check=True)
