"""Layer benchmarks, gradwise against PyTorch in the same run: forward + backward, float32.

  lenet  LeNet-5 (conv 6@5x5 pad 2, ReLU, maxpool 2, conv 16@5x5, ReLU, maxpool 2, 120, 84, 10),
         batch 64 of 1x28x28, cross-entropy
  lstm   LSTM input 32, hidden 128, sequence 50, batch 64, loss on the last hidden state

Times: the two frameworks alternate in rounds in this process; the median is reported and the
ratio is PyTorch time / gradwise time (above 1: gradwise is faster). Peak memory: each framework
runs the workload alone in a fresh worker process, and the growth of its peak resident set
over the steps is reported.

    python bench/layers.py [--rounds 7] [--no-memory]
"""
import argparse
import json
import statistics
import subprocess
import sys
import time

import numpy as np

WORKLOADS = ("lenet", "lstm")


def build_gradwise(name, rng):
    import gradwise as gw
    from gradwise import nn
    if name == "lenet":
        model = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2, generator=0), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5, generator=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(400, 120, generator=2), nn.ReLU(), nn.Linear(120, 84, generator=3), nn.ReLU(),
            nn.Linear(84, 10, generator=4))
        x, y = rng.standard_normal((64, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, 64)

        def step():
            loss = gw.functional.cross_entropy(model(gw.tensor(x)), y)
            loss.backward()
            model.zero_grad()
        return model, step
    lstm, head = nn.LSTM(32, 128, batch_first=True, generator=0), nn.Linear(128, 10, generator=1)
    x, y = rng.standard_normal((64, 50, 32), dtype=np.float32), rng.integers(0, 10, 64)

    def step():
        _, (h, _) = lstm(gw.tensor(x))
        loss = gw.functional.cross_entropy(head(h[0]), y)
        loss.backward()
        lstm.zero_grad()
        head.zero_grad()
    return lstm, step


def build_torch(name, rng):
    import torch
    torch.set_num_threads(2)
    T = torch.nn
    if name == "lenet":
        model = T.Sequential(
            T.Conv2d(1, 6, 5, padding=2), T.ReLU(), T.MaxPool2d(2), T.Conv2d(6, 16, 5), T.ReLU(), T.MaxPool2d(2),
            T.Flatten(), T.Linear(400, 120), T.ReLU(), T.Linear(120, 84), T.ReLU(), T.Linear(84, 10))
        x = torch.from_numpy(rng.standard_normal((64, 1, 28, 28), dtype=np.float32))
        y = torch.from_numpy(rng.integers(0, 10, 64))

        def step():
            loss = T.functional.cross_entropy(model(x), y)
            loss.backward()
            model.zero_grad()
        return model, step
    lstm, head = T.LSTM(32, 128, batch_first=True), T.Linear(128, 10)
    x = torch.from_numpy(rng.standard_normal((64, 50, 32), dtype=np.float32))
    y = torch.from_numpy(rng.integers(0, 10, 64))

    def step():
        _, (h, _) = lstm(x)
        loss = T.functional.cross_entropy(head(h[0]), y)
        loss.backward()
        lstm.zero_grad()
        head.zero_grad()
    return lstm, step


def _status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def worker(framework, name, steps=20):
    """Run one workload alone; print, as JSON, how far its steps raise the resident set (MiB)
    above what the process held before them (imports, model and data included in neither)."""
    build = build_gradwise if framework == "gradwise" else build_torch
    _, step = build(name, np.random.default_rng(0))
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")                               # reset the peak (VmHWM) to the current size
    base = _status_kib("VmRSS")
    for _ in range(steps):
        step()
    print(json.dumps({"peak_growth_mib": (_status_kib("VmHWM") - base) / 1024}))


def memory(framework, name):
    out = subprocess.run([sys.executable, __file__, "--worker", framework, name], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["peak_growth_mib"]


def timed(step, repeat):
    start = time.perf_counter()
    for _ in range(repeat):
        step()
    return (time.perf_counter() - start) / repeat


def main(rounds, with_memory):
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
        print("PyTorch is not installed: timing gradwise only (pip install torch==2.13.0 for the comparison)")
    print(f"{'workload':10} {'gradwise ms':>12} {'PyTorch ms':>11} {'ratio':>6} {'gw peak MiB':>12} "
          f"{'torch peak MiB':>15}")
    results = {}
    for name in WORKLOADS:
        _, g = build_gradwise(name, np.random.default_rng(0))
        t = build_torch(name, np.random.default_rng(0))[1] if have_torch else None
        reps = 5 if name == "lenet" else 3
        g(), t and t()
        tg, tt = [], []
        for _ in range(rounds):
            tg.append(timed(g, reps))
            if t:
                tt.append(timed(t, reps))
        mg, mt = statistics.median(tg) * 1e3, statistics.median(tt) * 1e3 if tt else float("nan")
        # each round times both back to back: the median of the paired ratios resists machine drift
        ratio = statistics.median(b / a for a, b in zip(tg, tt)) if tt else float("nan")
        pg = memory("gradwise", name) if with_memory else float("nan")
        pt = memory("torch", name) if with_memory and have_torch else float("nan")
        results[name] = dict(gradwise_ms=mg, torch_ms=mt, ratio=ratio, gradwise_peak_mib=pg, torch_peak_mib=pt)
        print(f"{name:10} {mg:12.2f} {mt:11.2f} {ratio:6.2f} {pg:12.1f} {pt:15.1f}")
    print("ratio = median over rounds of PyTorch time / gradwise time (above 1: gradwise is faster);\n"
          "peak = rise of the resident set over 20 steps in a fresh process")
    return results


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3])
        sys.exit(0)
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--no-memory", action="store_true")
    args = p.parse_args()
    main(args.rounds, not args.no_memory)
