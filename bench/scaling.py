"""Data-parallel scaling on this machine: N MPI ranks x 1 thread against 1 process x N threads,
the same global batch, on W4 (MLP 784-2048-2048-10, batch 512) and W6 (ResNet 16/32/64, batch 32,
its batch norms made SyncBatchNorm under MPI); plus MPI all-reduce latency and bandwidth.

    python bench/scaling.py [--rounds 3] [--steps 10]

Each measurement is a fresh process (or mpiexec job); the configurations alternate over rounds
and the median is kept. Writes bench/results/scaling.json, read by bench/scaling_model.py.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "scaling.json"
WORKLOADS = ("W4", "W6")


def _threads_env(n):
    return {k: str(n) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


def worker(name, steps):
    """Time ``steps`` training steps of ``name`` at its global batch, split over the ranks if any."""
    import gradwise as gw
    import gradwise.distributed as dist
    from gradwise.bench.workloads import data, model
    rank, world = 0, 1
    if dist.launched_by_mpi():
        dist.init_process_group("mpi")
        rank, world = dist.get_rank(), dist.get_world_size()
    x, y = data(name, np.random.default_rng(0))
    x, y = gw.tensor(x[rank::world]), gw.tensor(y[rank::world])
    gw.manual_seed(0)
    net = model(gw.nn, name)
    params = sum(p.numel() for p in net.parameters())
    if world > 1:
        net = gw.nn.parallel.DistributedDataParallel(gw.nn.SyncBatchNorm.convert_sync_batchnorm(net))
    opt, loss_fn = gw.optim.SGD(net.parameters(), lr=0.01), gw.nn.CrossEntropyLoss()

    def step():
        loss = loss_fn(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    for _ in range(3):
        step()
    if world > 1:
        dist.barrier()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    if world > 1:
        dist.barrier()
    step_s = (time.perf_counter() - start) / steps
    comm_s = 0.0
    if world > 1:
        start = time.perf_counter()
        for _ in range(steps):
            net.sync_gradients()
        comm_s = (time.perf_counter() - start) / steps
    if rank == 0:
        print(json.dumps({"name": name, "world": world, "step_s": step_s, "comm_s": comm_s, "params": params}))


def comm_worker():
    """All-reduce latency (8 bytes) and time of larger all-reduces between the ranks."""
    import gradwise.distributed as dist
    from gradwise.distributed.collectives import allreduce_array
    dist.init_process_group("mpi")
    out = {}
    for nbytes in (8, 2 ** 16, 2 ** 20, 2 ** 23, 2 ** 25):
        a = np.ones(nbytes // 8)
        reps = max(3, min(2000, int(2 ** 26 / nbytes)))
        for _ in range(3):
            allreduce_array(a)
        dist.barrier()
        start = time.perf_counter()
        for _ in range(reps):
            allreduce_array(a)
        out[nbytes] = (time.perf_counter() - start) / reps
    if dist.get_rank() == 0:
        print(json.dumps({"allreduce_s": out, "world": dist.get_world_size()}))


def _run(args, ranks, threads):
    env = {**os.environ, "PYTHONPATH": str(ROOT), **_threads_env(threads)}
    cmd = [sys.executable, __file__, *args]
    if ranks > 1:
        mpiexec = Path(sys.executable).parent / "mpiexec"
        cmd = [str(mpiexec) if mpiexec.exists() else "mpiexec", "-n", str(ranks)] + cmd
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True, timeout=600).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker == "comm":
        return comm_worker()
    if args.worker:
        return worker(args.worker, args.steps)
    configs = [("1x1", 1, 1), ("1x2", 1, 2), ("2x1", 2, 1)]      # processes x threads
    runs = {(w, c[0]): [] for w in WORKLOADS for c in configs}
    comms, loads = [], [os.getloadavg()[0]]
    for r in range(args.rounds):
        for w in WORKLOADS:
            for label, ranks, threads in (configs if r % 2 == 0 else configs[::-1]):
                res = _run(["--worker", w, "--steps", str(args.steps)], ranks, threads)
                runs[(w, label)].append(res)
                loads.append(os.getloadavg()[0])
                print(f"round {r + 1}: {w} {label}: {res['step_s'] * 1e3:.1f} ms/step", flush=True)
        comms.append(_run(["--worker", "comm"], 2, 1)["allreduce_s"])
    result = {"date": time.strftime("%Y-%m-%d"), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
              "cpu": _cpu(), "load_average_1min": [min(loads), max(loads)], "workloads": {}, "allreduce_s": {
                  k: statistics.median(c[k] for c in comms) for k in comms[0]}}
    for w in WORKLOADS:
        entry = {"params": runs[(w, "1x1")][0]["params"]}
        for label, _, _ in configs:
            entry[label] = {"step_s": statistics.median(x["step_s"] for x in runs[(w, label)]),
                            "comm_s": statistics.median(x["comm_s"] for x in runs[(w, label)])}
        result["workloads"][w] = entry
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1))
    print(report(result))


def report(result):
    from gradwise.bench.workloads import BATCH, WORKLOADS as NAMES
    lo, hi = result.get("load_average_1min", ["?", "?"])
    lines = [f"Measured {result['date']} on {result['cpu']} ({result['machine']}), median of the rounds; "
             f"1-minute load average during the runs {lo:.1f} to {hi:.1f} (other jobs shared the cores).", "",
             "| workload | 1 process x 1 thread, ms | 1 process x 2 threads, ms | 2 ranks x 1 thread, ms "
             "(of which gradient all-reduce) | 2 ranks vs 2 threads | 2 ranks vs 1 thread |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for w, e in result["workloads"].items():
        one, two, ranks = e["1x1"]["step_s"], e["1x2"]["step_s"], e["2x1"]["step_s"]
        lines.append(f"| {w} {NAMES[w]} (global batch {BATCH[w]}) | {one * 1e3:.1f} | {two * 1e3:.1f} | "
                     f"{ranks * 1e3:.1f} ({e['2x1']['comm_s'] * 1e3:.2f}) | {two / ranks:.2f}x | {one / ranks:.2f}x |")
    a = {int(k): v for k, v in result["allreduce_s"].items()}
    lines += ["", "MPI all-reduce between 2 ranks (shared memory): " + ", ".join(
        f"{_size(k)} {v * 1e6:.1f} us" for k, v in sorted(a.items()))]
    return "\n".join(lines)


def _size(n):
    return f"{n} B" if n < 1024 else f"{n // 1024} KiB" if n < 2 ** 20 else f"{n // 2 ** 20} MiB"


def _cpu():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    main()
