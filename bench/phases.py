"""Where a training step's time goes, gradwise against PyTorch: the median time of each phase
(forward, loss, zero_grad, backward, the optimizer's step) of a workload's step, each framework in
its own fresh process with the same thread settings, the two alternating over rounds.

    python bench/phases.py W1 --torch-python /path/to/python-with-torch [--batch 1] [--rounds 3]

``--batch`` runs the MLP workloads (W1, W4) at another batch size (stochastic gradient descent
at 1). The figures are microseconds, the median over rounds of each process's median step.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

PHASES = ("forward", "loss", "zero_grad", "backward", "step")


def worker(framework, name, batch, steps):
    import numpy as np
    from gradwise.bench import workloads
    if framework == "torch":
        import torch as fw
        fw.set_num_threads(2)
    else:
        import gradwise as fw
    x, y = workloads.data(name, np.random.default_rng(0))
    if batch:
        if workloads.parse(name)[0] not in workloads.MLP_SIZES:
            raise SystemExit(f"--batch applies to the MLP workloads ({', '.join(workloads.MLP_SIZES)}); got {name}")
        rng = np.random.default_rng(0)
        x = rng.standard_normal((batch, x.shape[1]), dtype=np.float32)
        y = rng.integers(0, 10, batch)
    fw.manual_seed(0)
    tx, ty = (fw.from_numpy(x), fw.from_numpy(y)) if framework == "torch" else (fw.tensor(x), fw.tensor(y))
    net = workloads.model(fw.nn, name)
    opt, loss_fn = fw.optim.SGD(net.parameters(), lr=0.01), fw.nn.CrossEntropyLoss()
    times = {p: [] for p in PHASES}
    for i in range(steps + 20):
        t0 = time.perf_counter()
        out = net(tx)
        t1 = time.perf_counter()
        loss = loss_fn(out, ty)
        t2 = time.perf_counter()
        opt.zero_grad()
        t3 = time.perf_counter()
        loss.backward()
        t4 = time.perf_counter()
        opt.step()
        t5 = time.perf_counter()
        if i >= 20:         # warmed up: caches, thread pools, allocator
            for p, a, b in zip(PHASES, (t0, t1, t2, t3, t4), (t1, t2, t3, t4, t5)):
                times[p].append(b - a)
    print(json.dumps({p: statistics.median(v) for p, v in times.items()}))


def main(name, torch_python, batch, rounds, steps):
    from gradwise.bench import cpu_name, worker_env
    runs = {"gradwise": [], "torch": []}
    for r in range(rounds):
        for fw in (("gradwise", "torch") if r % 2 == 0 else ("torch", "gradwise")):
            python = sys.executable if fw == "gradwise" else torch_python
            out = subprocess.run([python, os.path.abspath(__file__), "--worker", fw, name, "--batch", str(batch),
                                  "--steps", str(steps)], capture_output=True, text=True, env=worker_env(2))
            if out.returncode:
                raise SystemExit(f"the {fw} worker failed:\n{out.stderr[-2000:]}")
            runs[fw].append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"{cpu_name()}, 2 threads; {name}{f' at batch {batch}' if batch else ''}: median over {rounds} rounds "
          f"of fresh processes (each the median of {steps} steps), microseconds")
    print(f"{'phase':10} {'gradwise':>9} {'PyTorch':>9}")
    total = {"gradwise": 0.0, "torch": 0.0}
    for p in PHASES:
        row = {fw: statistics.median(r[p] for r in runs[fw]) * 1e6 for fw in runs}
        for fw in total:
            total[fw] += row[fw]
        print(f"{p:10} {row['gradwise']:9.0f} {row['torch']:9.0f}")
    print(f"{'total':10} {total['gradwise']:9.0f} {total['torch']:9.0f}")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("name", nargs="?")
    p.add_argument("--torch-python", default=os.environ.get("GRADWISE_BENCH_TORCH_PYTHON", sys.executable))
    p.add_argument("--batch", type=int, default=0)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--worker", nargs=2, metavar=("FRAMEWORK", "NAME"))
    a = p.parse_args()
    if a.worker:
        worker(a.worker[0], a.worker[1], a.batch, a.steps)
    elif not a.name:
        p.error("name a workload (W1 ... W6)")
    else:
        main(a.name, a.torch_python, a.batch, a.rounds, a.steps)
