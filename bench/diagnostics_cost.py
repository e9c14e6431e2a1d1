"""What the training doctor costs: Trainer.fit time with diagnostics on (the default) and off.

Workloads: LeNet-5 on MNIST (batch 64; the real images from ../shared/data/mnist when present,
else random ones of the same shape), an LSTM sequence classifier (batch 64, 50 steps of 32
features, hidden 128) and an MLP 784-512-256-10 (batch 128). Every fit runs in its own fresh
process, on and off alternating; the report is the median over rounds of on/off - 1.
Goal: at most 3%.

    python bench/diagnostics_cost.py [--rounds 5] [--steps 200]
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

import numpy as np

MNIST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data", "mnist")  # ../shared/data
WORKLOADS = ("lenet5", "lstm", "mlp")


def data(name, steps):
    rng = np.random.default_rng(0)
    if name == "lstm":
        x = rng.standard_normal((64 * steps, 50, 32), dtype=np.float32)
        return x, (x[:, :, 0].sum(1) > 0).astype(np.int64), 64, "random sequences"
    batch = 64 if name == "lenet5" else 128
    for root in (os.environ.get("MNIST_DIR", ""), MNIST, "/work/shared/data/mnist"):
        if root and os.path.exists(os.path.join(root, "train-images-idx3-ubyte.gz")):
            from gradwise.data.datasets.idx import MNIST as Dataset
            ds = Dataset(root, train=True)
            n = min(batch * steps, len(ds.labels))
            return ds.images[:n].reshape(-1, 1, 28, 28).astype(np.float32) / 255, ds.labels[:n], batch, "MNIST"
    return (rng.standard_normal((batch * steps, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, batch * steps),
            batch, "random images")


def build(name):
    from gradwise import models, nn
    if name == "lenet5":
        return models.lenet5(generator=0)
    if name == "mlp":
        return models.mlp((1, 28, 28), 10, hidden=(512, 256), generator=0)

    class LSTMClassifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(32, 128, batch_first=True, generator=0)
            self.head = nn.Linear(128, 2, generator=1)

        def forward(self, s):
            return self.head(self.lstm(s)[1][0][-1])
    return LSTMClassifier()


def worker(name, steps, diagnostics):
    """One fit in this process; prints its seconds."""
    import gradwise as gw
    x, y, batch, _ = data(name, steps)
    trainer = gw.Trainer(build(name), "cross_entropy", "sgd", lr=0.01)
    start = time.perf_counter()
    trainer.fit((x, y), epochs=1, batch_size=batch, shuffle=False, verbose=False, diagnostics=diagnostics)
    print(time.perf_counter() - start)


def timed(name, steps, diagnostics):
    out = subprocess.run([sys.executable, __file__, "--worker", name, "--steps", str(steps),
                          "--diagnostics", str(int(diagnostics))], capture_output=True, text=True, check=True)
    return float(out.stdout.split()[-1])


def main(rounds, steps, names):
    print(f"{'workload':10} {'data':15} {'off s':>8} {'on s':>8} {'slower by':>10}")
    for name in names:
        ratios, off, on = [], [], []
        for r in range(rounds):
            pair = [False, True] if r % 2 == 0 else [True, False]
            t = {d: timed(name, steps, d) for d in pair}
            off.append(t[False])
            on.append(t[True])
            ratios.append(t[True] / t[False])
        print(f"{name:10} {data(name, 1)[3]:15} {statistics.median(off):8.3f} {statistics.median(on):8.3f} "
              f"{(statistics.median(ratios) - 1) * 100:9.1f}%")
    print(f"{steps} steps per fit, one fresh process per fit, on/off alternating; the doctor samples the first 10 "
          f"steps and then every 10th; 'slower by' is the median over {rounds} rounds of on/off - 1")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--only", nargs="*", default=list(WORKLOADS), choices=WORKLOADS)
    p.add_argument("--worker")
    p.add_argument("--diagnostics", type=int, default=1)
    a = p.parse_args()
    if a.worker:
        worker(a.worker, a.steps, bool(a.diagnostics))
    else:
        main(a.rounds, a.steps, a.only)
