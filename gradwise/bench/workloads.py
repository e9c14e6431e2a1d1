"""The benchmark workloads, written once for both frameworks, and the worker that times one of
them in a fresh process.

This file imports neither framework at module level and is run by path
(``python workloads.py torch W1``), so a PyTorch worker never imports gradwise or the other way
round: two frameworks in one process fight over the cores (NumPy's BLAS threads against
PyTorch's OpenMP pool) and the comparison becomes meaningless.

Training step = forward + backward + SGD update, float32, one fixed batch.
"""
import json
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
    "A1": "autograd overhead: 1,000 ops on (16,)",
}
# How cost grows with the work: batch for the MLP, sequence length for the LSTM, image side for a
# LeNet-style conv net. Named <base>@<size>.
SCALING = {"W1": [32, 128, 512], "W3": [50, 100, 200, 400], "C": [28, 56, 112]}
MLP_SIZES = {"W1": [784, 512, 256, 10], "W4": [784, 2048, 2048, 10], "I1": [784, 512, 256, 10]}
BATCH = {"A1": 1, "W1": 128, "W4": 512, "I1": 128, "W2": 64, "I2": 64, "W3": 64, "W5": 64, "W6": 32, "C": 64}


def parse(name):
    """'W3@200' -> ('W3', 200); 'W1' -> ('W1', None)."""
    base, _, size = name.partition("@")
    return base, int(size) if size else None


def describe(name):
    base, size = parse(name)
    if size is None:
        return WORKLOADS[name]
    return {"W1": f"MLP 784-512-256-10, batch {size}", "W3": f"LSTM 32->128, seq {size}, batch 64",
            "C": f"LeNet-style conv net {size}x{size}, batch 64"}[base]


def all_names(scaling=True):
    names = list(WORKLOADS)
    if scaling:
        names += [f"{base}@{s}" for base, sizes in SCALING.items() for s in sizes]
    return names


def batch_size(name):
    base, size = parse(name)
    return size if base == "W1" and size else BATCH[base]


def data(name, rng):
    base, size = parse(name)
    n = batch_size(name)
    if base in MLP_SIZES:
        return rng.standard_normal((n, MLP_SIZES[base][0]), dtype=np.float32), rng.integers(0, 10, n)
    if base in ("W2", "I2"):
        return rng.standard_normal((n, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, n)
    if base == "C":
        return rng.standard_normal((n, 1, size, size), dtype=np.float32), rng.integers(0, 10, n)
    if base == "A1":
        return rng.standard_normal(16, dtype=np.float32), None
    if base in ("W3", "W5"):
        return rng.standard_normal((n, size or 50, 32), dtype=np.float32), rng.integers(0, 10, n)
    return rng.standard_normal((n, 3, 32, 32), dtype=np.float32), rng.integers(0, 10, n)


def model(nn, name):
    """The same architecture from either framework's ``nn`` (the names and arguments agree)."""
    base, size = parse(name)
    if base in MLP_SIZES:
        sizes = MLP_SIZES[base]
        layers = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(a, b), nn.ReLU()]
        return nn.Sequential(*layers[:-1])
    if base in ("W2", "I2", "C"):
        side = ((size or 28) // 2 - 4) // 2
        return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                             nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * side * side, 120), nn.ReLU(),
                             nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    if base in ("W3", "W5"):
        return _recurrent(nn, nn.LSTM if base == "W3" else nn.GRU)
    return _resnet(nn)


def _chain(fw, x0):
    """Per-op overhead: 1,000 tiny elementwise ops, then backward."""
    def step():
        x = fw.tensor(x0, requires_grad=True)
        y = x
        for _ in range(250):
            y = (y * 0.999 + 0.001).tanh() - 0.0001
        y.sum().backward()
    return step


def _recurrent(nn, cell):
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


def build(framework, name, threads=None):
    """(step function, model) for one workload in one framework."""
    x, y = data(name, np.random.default_rng(0))
    if framework == "gradwise":
        import gradwise as fw
        fw.manual_seed(0)
        tx, ty = fw.tensor(x), None if y is None else fw.tensor(y)
    elif framework == "torch":
        import torch as fw
        if threads:
            fw.set_num_threads(threads)
        fw.manual_seed(0)
        tx, ty = fw.from_numpy(x), None if y is None else fw.from_numpy(y)
    else:
        raise ValueError(f"unknown framework {framework!r}; known: gradwise, torch")
    if name == "A1":
        return _chain(fw, x), fw.nn.Linear(1, 1)
    net = model(fw.nn, name)
    opt = fw.optim.SGD(net.parameters(), lr=0.01)
    loss_fn = fw.nn.CrossEntropyLoss()
    if name.startswith("I"):
        net.eval()

        def step():
            with fw.no_grad():
                net(tx)
    else:
        def step():
            loss = loss_fn(net(tx), ty)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return step, net


def _status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def measure(framework, name, seconds=1.0, samples=5, threads=None):
    """Time one workload in this process: warm up, then ``samples`` timings of ``seconds``/samples
    each. Returns per-step seconds of every sample, the peak resident set and its rise over the
    timed steps (MiB), and the framework's build facts."""
    step, net = build(framework, name, threads)
    setup_peak = _status_kib("VmHWM")
    step()
    start = time.perf_counter()
    step()
    first = time.perf_counter() - start
    reps = max(1, int(seconds / samples / max(first, 1e-5)))
    for _ in range(min(reps, 3)):       # warm up: caches, thread pools, allocator
        step()
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")                # reset VmHWM to the current resident size
    except OSError:
        pass
    before = _status_kib("VmRSS")
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        for _ in range(reps):
            step()
        times.append((time.perf_counter() - start) / reps)
    peak = _status_kib("VmHWM")
    params = sum(int(np.prod(tuple(p.shape))) for p in net.parameters())
    return {"framework": framework, "name": name, "step_s": times, "reps": reps, "params": params,
            "peak_mib": max(setup_peak, peak) / 1024, "rise_mib": max(0, peak - before) / 1024,
            "build": _build_facts(framework)}


def _build_facts(framework):
    if framework == "torch":
        import torch
        return {"version": torch.__version__, "threads": torch.get_num_threads(),
                "cpu_capability": torch.backends.cpu.get_cpu_capability()}
    import gradwise
    return {"version": gradwise.__version__, "numpy": np.__version__}


if __name__ == "__main__":
    # python workloads.py FRAMEWORK NAME [SECONDS] [THREADS]: print one JSON line
    fw_name, wl = sys.argv[1], sys.argv[2]
    secs = float(sys.argv[3]) if len(sys.argv) > 3 else 1.0
    nthreads = int(sys.argv[4]) if len(sys.argv) > 4 else None
    print(json.dumps(measure(fw_name, wl, secs, threads=nthreads)))
