"""What the training doctor costs: Trainer.fit throughput with diagnostics on (the default) and
off, in the same run, alternating, on LeNet-5 (batch 64, 1x28x28) and an MLP 784-512-256-10
(batch 128). Goal: at most 5% slower with diagnostics on.

    python bench/diagnostics_cost.py [--rounds 5] [--steps 60]
"""
import argparse
import statistics
import time

import numpy as np

import gradwise as gw
from gradwise import models


def workload(name, steps):
    rng = np.random.default_rng(0)
    batch = 64 if name == "lenet5" else 128
    x = rng.standard_normal((batch * steps, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, batch * steps)
    build = (lambda: models.lenet5(generator=0)) if name == "lenet5" else \
        (lambda: models.mlp((1, 28, 28), 10, hidden=(512, 256), generator=0))
    return build, x, y, batch


def seconds(build, x, y, batch, diagnostics):
    trainer = gw.Trainer(build(), "cross_entropy", "sgd", lr=0.01)
    start = time.perf_counter()
    trainer.fit((x, y), epochs=1, batch_size=batch, shuffle=False, verbose=False, diagnostics=diagnostics)
    return time.perf_counter() - start


def main(rounds, steps):
    print(f"{'workload':10} {'off s':>8} {'on s':>8} {'slower by':>10}")
    for name in ("lenet5", "mlp"):
        build, x, y, batch = workload(name, steps)
        seconds(build, x[:batch * 3], y[:batch * 3], batch, True)     # warm up
        off, on, ratios = [], [], []
        for _ in range(rounds):
            a = seconds(build, x, y, batch, False)
            b = seconds(build, x, y, batch, True)
            off.append(a)
            on.append(b)
            ratios.append(b / a)
        print(f"{name:10} {statistics.median(off):8.3f} {statistics.median(on):8.3f} "
              f"{(statistics.median(ratios) - 1) * 100:9.1f}%")
    print(f"{steps} steps per fit; the doctor samples the first 10 steps and then every 10th; "
          "'slower by' is the median over rounds of on/off - 1")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--steps", type=int, default=200)
    a = p.parse_args()
    main(a.rounds, a.steps)
