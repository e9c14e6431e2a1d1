"""The speed and memory suite: gradwise against PyTorch on the same workloads in the same run.

Training step = forward + backward + SGD update, float32, one fixed batch:
  W1 MLP 784-512-256-10, ReLU, cross-entropy, batch 128
  W2 LeNet-5, batch 64
  W3 LSTM classifier: input 32, hidden 128, sequence 50, batch 64, last hidden -> Linear 10
  W4 MLP 784-2048-2048-10, batch 512 (limited by matrix multiply speed)
  W5 GRU classifier, the size of W3
  W6 small ResNet (3 stages of one basic block, 16/32/64 channels) on 3x32x32, batch 32
  I1, I2 inference (forward under no_grad) of W1 and W2

Both frameworks alternate in rounds; the ratio is the median over rounds of PyTorch time /
gradwise time (above 1: gradwise is faster). Peak memory is the peak resident set of a fresh
process that imports the framework and runs the workload (and, separately, how much the steps
add on top of what the process held before them).

    gradwise bench [--rounds 7] [--only W1,W2] [--json out.json] [--markdown out.md]

PyTorch (``pip install torch==2.13.0``) is optional; without it only gradwise is timed.
"""
import argparse
import json
import math
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

WORKLOADS = {
    "W1": "MLP 784-512-256-10, batch 128",
    "W2": "LeNet-5, batch 64",
    "W3": "LSTM 32->128, seq 50, batch 64",
    "W4": "MLP 784-2048-2048-10, batch 512",
    "W5": "GRU 32->128, seq 50, batch 64",
    "W6": "ResNet (16/32/64) 3x32x32, batch 32",
    "I1": "inference: W1 forward",
    "I2": "inference: W2 forward",
}
GOALS = {"W1": 1.0, "W2": 0.8, "W3": 1.0, "W4": 0.95, "W5": 1.0, "W6": 0.7}
MLP_SIZES = {"W1": ([784, 512, 256, 10], 128), "W4": ([784, 2048, 2048, 10], 512), "I1": ([784, 512, 256, 10], 128)}


def _data(name, rng):
    if name in MLP_SIZES:
        sizes, batch = MLP_SIZES[name]
        return rng.standard_normal((batch, sizes[0]), dtype=np.float32), rng.integers(0, 10, batch)
    if name in ("W2", "I2"):
        return rng.standard_normal((64, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, 64)
    if name in ("W3", "W5"):
        return rng.standard_normal((64, 50, 32), dtype=np.float32), rng.integers(0, 10, 64)
    return rng.standard_normal((32, 3, 32, 32), dtype=np.float32), rng.integers(0, 10, 32)


def _model(nn, name):
    """The same architecture from either framework's ``nn`` (the names and arguments agree)."""
    if name in MLP_SIZES:
        sizes = MLP_SIZES[name][0]
        layers = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(a, b), nn.ReLU()]
        return nn.Sequential(*layers[:-1])
    if name in ("W2", "I2"):
        return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                             nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84),
                             nn.ReLU(), nn.Linear(84, 10))
    if name in ("W3", "W5"):
        return _Recurrent(nn, nn.LSTM if name == "W3" else nn.GRU)
    return _resnet(nn)


def _Recurrent(nn, cell):
    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn, self.head = cell(32, 128, batch_first=True), nn.Linear(128, 10)

        def forward(self, x):
            out, _ = self.rnn(x)
            return self.head(out[:, -1])
    return Classifier()


def _resnet(nn):
    def block(cin, cout, stride):
        body = nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
                             nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout))
        skip = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)) \
            if stride != 1 or cin != cout else nn.Identity()

        class Block(nn.Module):
            def __init__(self):
                super().__init__()
                self.body, self.skip, self.relu = body, skip, nn.ReLU()

            def forward(self, x):
                return self.relu(self.body(x) + self.skip(x))
        return Block()
    return nn.Sequential(nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
                         block(16, 16, 1), block(16, 32, 2), block(32, 64, 2),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


def build(framework, name):
    """(step function, model) for one workload in one framework."""
    rng = np.random.default_rng(0)
    x, y = _data(name, rng)
    infer = name.startswith("I")
    if framework == "gradwise":
        import gradwise as gw
        from gradwise import nn, optim
        model = _model(nn, name)
        opt = optim.SGD(model.parameters(), lr=0.01)
        tx, ty = gw.tensor(x), gw.tensor(y)
        loss_fn, no_grad = nn.CrossEntropyLoss(), gw.no_grad
    else:
        import torch
        torch.set_num_threads(2)
        torch.manual_seed(0)
        nn = torch.nn
        model = _model(nn, name)
        opt = torch.optim.SGD(model.parameters(), lr=0.01)
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)
        loss_fn, no_grad = nn.CrossEntropyLoss(), torch.no_grad

    if infer:
        model.eval()

        def step():
            with no_grad():
                model(tx)
    else:
        def step():
            loss = loss_fn(model(tx), ty)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return step, model


def matmul_gflops(n=2048, repeat=5):
    """The machine's float32 matrix-multiply rate through NumPy's BLAS, in GFLOP/s."""
    a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
    a @ a
    best = min(_timed(lambda: a @ a, 1) for _ in range(repeat))
    return 2 * n ** 3 / best / 1e9


def _timed(fn, reps):
    start = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - start) / reps


def import_seconds():
    out = subprocess.run([sys.executable, "-c", "import time; t = time.perf_counter(); import gradwise; "
                          "print(time.perf_counter() - t)"], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def _status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def worker(framework, name, steps=20):
    """In a fresh process: print the peak resident set, and its rise over the steps, in MiB."""
    step, _ = build(framework, name)
    # VmHWM, not ru_maxrss: on Linux a child's ru_maxrss starts from its parent's high-water mark
    setup_peak = _status_kib("VmHWM")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")                            # reset VmHWM to the current resident size
    before = _status_kib("VmRSS")
    for _ in range(steps):
        step()
    steps_peak = _status_kib("VmHWM")
    print(json.dumps({"peak_mib": max(setup_peak, steps_peak) / 1024, "rise_mib": (steps_peak - before) / 1024}))


def memory(framework, name):
    out = subprocess.run([sys.executable, "-m", "gradwise.bench", "--worker", framework, name], capture_output=True,
                         text=True)
    if out.returncode != 0:
        raise RuntimeError(f"memory worker {framework} {name} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(rounds=7, only=None, with_memory=True, log=print):
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
        log("PyTorch is not installed: timing gradwise only (pip install torch==2.13.0 for the comparison)")
    gflops = matmul_gflops()
    results = {"date": time.strftime("%Y-%m-%d"), "machine": f"{platform.machine()}, {_cores()} cores",
               "numpy": np.__version__, "matmul_gflops": gflops, "import_seconds": import_seconds(), "workloads": {}}
    if have_torch:
        import torch
        results["torch"] = torch.__version__
    for name in (only or WORKLOADS):
        g_step, g_model = build("gradwise", name)
        t_step = build("torch", name)[0] if have_torch else None
        reps = max(1, int(0.25 / max(_timed(g_step, 1), 1e-4)))     # ~0.25 s per timing
        _timed(g_step, reps)                                         # warm up: caches, BLAS threads, allocator
        if t_step:
            _timed(t_step, reps)
        tg, tt = [], []
        for _ in range(rounds):
            tg.append(_timed(g_step, reps))
            if t_step:
                tt.append(_timed(t_step, reps))
        batch = _data(name, np.random.default_rng(0))[0].shape[0]
        row = {"description": WORKLOADS[name], "gradwise_ms": statistics.median(tg) * 1e3,
               "torch_ms": statistics.median(tt) * 1e3 if tt else None,
               "ratio": statistics.median(b / a for a, b in zip(tg, tt)) if tt else None,
               "min_ratio": min(tt) / min(tg) if tt else None,
               "goal": GOALS.get(name), "samples_per_s": batch / statistics.median(tg)}
        if name in ("W1", "W4"):
            params = sum(p.numel() for p in g_model.parameters())
            ideal = 6 * params * batch / (gflops * 1e9)
            row["ideal_fraction"] = ideal / statistics.median(tg)
        if with_memory:
            g = memory("gradwise", name)
            row.update(gradwise_peak_mib=g["peak_mib"], gradwise_rise_mib=g["rise_mib"])
            if have_torch:
                t = memory("torch", name)
                row.update(torch_peak_mib=t["peak_mib"], torch_rise_mib=t["rise_mib"])
        results["workloads"][name] = row
        log(_line(name, row))
    return results


def _cores():
    import os
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def _fmt(v, spec):
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, spec)


def _line(name, r):
    goal = r.get("goal")
    mark = "" if goal is None or r["ratio"] is None else ("  ok" if r["min_ratio"] >= goal else f"  below goal {goal}")
    return (f"{name} {r['description']:<38} gradwise {_fmt(r['gradwise_ms'], '8.2f')} ms  PyTorch "
            f"{_fmt(r['torch_ms'], '8.2f')} ms  ratio {_fmt(r['ratio'], '5.2f')} "
            f"(best-case {_fmt(r['min_ratio'], '.2f')})"
            f"{mark}")


def markdown(results):
    lines = [f"Measured {results['date']} on {results['machine']} (float32 matmul {results['matmul_gflops']:.0f} "
             f"GFLOP/s), numpy {results['numpy']}, torch {results.get('torch', '-')} with 2 threads; "
             f"`import gradwise` {results['import_seconds']:.2f} s.", "",
             "| workload | gradwise ms | PyTorch ms | ratio | best-case ratio | goal | samples/s | of ideal "
             "| peak MiB gradwise / PyTorch | added by steps, MiB |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, r in results["workloads"].items():
        lines.append(
            f"| {name} {r['description']} | {_fmt(r['gradwise_ms'], '.2f')} | {_fmt(r['torch_ms'], '.2f')} | "
            f"{_fmt(r['ratio'], '.2f')} | {_fmt(r.get('min_ratio'), '.2f')} | {_fmt(r['goal'], '.2f')} | "
            f"{_fmt(r['samples_per_s'], ',.0f')} | "
            f"{_fmt(r.get('ideal_fraction'), '.0%')} | {_fmt(r.get('gradwise_peak_mib'), '.0f')} / "
            f"{_fmt(r.get('torch_peak_mib'), '.0f')} | {_fmt(r.get('gradwise_rise_mib'), '.0f')} / "
            f"{_fmt(r.get('torch_rise_mib'), '.0f')} |")
    lines.append("")
    lines.append("ratio = median over rounds of PyTorch time / gradwise time (above 1: gradwise is faster); "
                 "best-case ratio = PyTorch's fastest round / gradwise's fastest round (the least disturbed by a "
                 "noisy machine); of ideal = (6 x parameters x batch FLOPs at the matmul rate) / measured step time; "
                 "peak = the process's peak resident set (import, model, data and 20 steps); added = its rise over "
                 "the 20 steps.")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(prog="gradwise bench", description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--only", default=None, help="comma-separated workloads, e.g. W1,W2")
    p.add_argument("--no-memory", action="store_true")
    p.add_argument("--json", default=None, help="write the results as JSON here")
    p.add_argument("--markdown", default=None, help="write the results as a markdown table here")
    args = p.parse_args(argv)
    only = args.only.split(",") if args.only else None
    unknown = [w for w in only or [] if w not in WORKLOADS]
    if unknown:
        p.error(f"unknown workload(s) {unknown}; known: {', '.join(WORKLOADS)}")
    results = run(args.rounds, only, not args.no_memory)
    table = markdown(results)
    print()
    print(table)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table + "\n")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3])
    else:
        sys.exit(main())
