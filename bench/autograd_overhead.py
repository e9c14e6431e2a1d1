"""Autograd overhead, gradwise against PyTorch in the same run.

Workloads (float32, forward + backward):
  chain  a chain of 1,000 small elementwise ops on a (16,) tensor, then sum().backward()
  mlp    one SGD step of a 3-layer MLP 784-128-64-10 (ReLU, cross-entropy) at batch 16

Each framework runs the same workload in alternating rounds; the median time per step is
reported, and the ratio is PyTorch time / gradwise time (above 1: gradwise is faster).

    python bench/autograd_overhead.py [--rounds 15]

PyTorch is optional: `pip install torch==2.13.0`; without it only gradwise is timed.
"""
import argparse
import statistics
import time

import numpy as np

import gradwise as gw
import gradwise.functional as F

CHAIN_OPS = 1000


def chain_gradwise(x0):
    x = gw.tensor(x0, requires_grad=True)
    y = x
    for _ in range(CHAIN_OPS // 4):
        y = (y * 0.999 + 0.001).tanh() - 0.0001
    y.sum().backward()
    return x.grad


def chain_torch(torch, x0):
    x = torch.tensor(x0, requires_grad=True)
    y = x
    for _ in range(CHAIN_OPS // 4):
        y = (y * 0.999 + 0.001).tanh() - 0.0001
    y.sum().backward()
    return x.grad


def mlp_params(rng):
    sizes = [784, 128, 64, 10]
    return [(rng.standard_normal((i, o)).astype(np.float32) * float(np.sqrt(2 / i)), np.zeros(o, np.float32))
            for i, o in zip(sizes[:-1], sizes[1:])]


class MlpGradwise:
    def __init__(self, params):
        self.params = [(gw.tensor(w.copy(), requires_grad=True), gw.tensor(b.copy(), requires_grad=True))
                       for w, b in params]

    def step(self, x, y, lr=0.01):
        h = gw.tensor(x)
        for i, (w, b) in enumerate(self.params):
            h = h @ w + b
            if i < len(self.params) - 1:
                h = F.relu(h)
        loss = F.cross_entropy(h, y)
        loss.backward()
        with gw.no_grad():
            for w, b in self.params:
                w -= lr * w.grad
                b -= lr * b.grad
                w.grad = b.grad = None
        return loss.item()


class MlpTorch:
    def __init__(self, torch, params):
        self.torch = torch
        self.params = [(torch.tensor(w.copy(), requires_grad=True), torch.tensor(b.copy(), requires_grad=True))
                       for w, b in params]

    def step(self, x, y, lr=0.01):
        torch = self.torch
        h = torch.from_numpy(x)
        for i, (w, b) in enumerate(self.params):
            h = h @ w + b
            if i < len(self.params) - 1:
                h = torch.relu(h)
        loss = torch.nn.functional.cross_entropy(h, torch.from_numpy(y))
        loss.backward()
        with torch.no_grad():
            for w, b in self.params:
                w -= lr * w.grad
                b -= lr * b.grad
                w.grad = b.grad = None
        return loss.item()


def timed(fn, repeat):
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat


def run(rounds):
    try:
        import torch
        torch.set_num_threads(2)
    except ImportError:
        torch = None
        print("PyTorch is not installed: timing gradwise only (pip install torch==2.13.0 for the comparison)")
    rng = np.random.default_rng(0)
    x16 = rng.uniform(-1, 1, 16).astype(np.float32)
    xb = rng.standard_normal((16, 784)).astype(np.float32)
    yb = rng.integers(0, 10, 16)
    params = mlp_params(rng)
    mg = MlpGradwise(params)
    workloads = {
        f"chain of {CHAIN_OPS} ops, fwd+bwd": (lambda: chain_gradwise(x16), 5,
                                               (lambda: chain_torch(torch, x16)) if torch else None),
        "MLP 784-128-64-10 step, batch 16": (lambda: mg.step(xb, yb), 100, None),
    }
    if torch:
        mt = MlpTorch(torch, params)
        workloads["MLP 784-128-64-10 step, batch 16"] = (lambda: mg.step(xb, yb), 100, lambda: mt.step(xb, yb))
        np.testing.assert_allclose(chain_gradwise(x16), chain_torch(torch, x16).numpy(), rtol=1e-4)
    print(f"{'workload':38} {'gradwise ms':>12} {'PyTorch ms':>11} {'ratio':>7}")
    results = {}
    for name, (g, reps, t) in workloads.items():
        g(), t and t()                       # warm up
        tg, tt = [], []
        for _ in range(rounds):
            tg.append(timed(g, reps))
            if t:
                tt.append(timed(t, reps))
        mg_ms = statistics.median(tg) * 1e3
        mt_ms = statistics.median(tt) * 1e3 if tt else float("nan")
        ratio = statistics.median(b / a for a, b in zip(tg, tt)) if tt else float("nan")
        results[name] = (mg_ms, mt_ms, ratio)
        print(f"{name:38} {mg_ms:12.3f} {mt_ms:11.3f} {ratio:7.2f}")
    print("ratio = median over rounds of PyTorch time / gradwise time (above 1: gradwise is faster)")
    return results


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=15)
    run(p.parse_args().rounds)
