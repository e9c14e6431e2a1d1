"""The speed and memory suite: gradwise against PyTorch, each measurement in its own fresh process.

Every (framework, workload) timing runs in a new process that imports only that framework, with
the same thread settings for both (OMP/OpenBLAS/MKL threads and torch.set_num_threads); the order
of the two frameworks alternates from round to round. The ratio is the median over rounds of
PyTorch time / gradwise time (above 1: gradwise is faster), with its spread (lowest and highest
round). The report names the CPU, its vector extensions, NumPy's BLAS and PyTorch's build.

Workloads (forward + backward + SGD update, float32, one fixed batch; see workloads.py):
W1-W6 and the inference rows I1, I2, plus scaling rows (W1@batch, W3@sequence, C@image side).

    gradwise bench [--rounds 5] [--only W1,W3@200] [--no-scaling] [--threads 2] [--isa avx2]
                   [--torch-python PATH] [--json out.json] [--markdown out.md] [--history h.jsonl]

PyTorch is never imported here: a worker process does it, with ``--torch-python`` (or the
GRADWISE_BENCH_TORCH_PYTHON variable, or this Python when it has torch). Without it only
gradwise is timed.
"""
import argparse
import importlib.util
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .workloads import WORKLOADS, all_names, batch_size, describe, parse  # noqa: F401

GOALS = {"W1": 1.2, "W2": 1.0, "W3": 1.2, "W4": 1.0, "W5": 1.2, "W6": 0.9}
#: ``--isa avx2``: both frameworks held to AVX2 on a CPU with AVX-512, for what an AVX2-only machine
#: (the AMD Zen 3 VMs this project also runs on) would see: gradwise's kernels built for haswell,
#: OpenBLAS's Haswell kernels, PyTorch's AVX2 kernels, MKL's and oneDNN's AVX2 code paths
ISA_ENV = {"native": {}, "avx2": {"GRADWISE_MARCH": "haswell", "OPENBLAS_CORETYPE": "Haswell",
                                  "ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2",
                                  "ONEDNN_MAX_CPU_ISA": "AVX2"}}
WORKER = str(Path(__file__).with_name("workloads.py"))
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


class WorkerError(RuntimeError):
    """A benchmark worker process failed."""


def torch_python(explicit=None):
    """The Python that runs PyTorch workers, or None when there is none."""
    path = explicit or os.environ.get("GRADWISE_BENCH_TORCH_PYTHON")
    if path:
        return path
    return sys.executable if importlib.util.find_spec("torch") is not None else None


def worker_env(threads):
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
        env[var] = str(threads)
    env["PYTHONPATH"] = _PACKAGE_ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run_worker(python, framework, name, seconds=1.0, threads=2):
    """Time one workload in a fresh process; returns the worker's JSON record."""
    out = subprocess.run([python, WORKER, framework, name, str(seconds), str(threads)], capture_output=True,
                         text=True, env=worker_env(threads), timeout=600)
    if out.returncode != 0:
        raise WorkerError(f"{framework} worker for {name} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def cpu_name():
    """The CPU's model name (from /proc/cpuinfo where there is one)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine(threads=2):
    """The CPU, its vector extensions, the cores, NumPy's BLAS and the float32 GEMM rate."""
    model, flags = platform.processor() or platform.machine(), set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and model in ("", platform.machine(), platform.processor()):
                    model = line.split(":", 1)[1].strip()
                elif line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    wanted = ["avx2", "fma", "avx512f", "avx512_bf16", "avx512_vnni", "amx_tile", "amx_bf16"]
    probe = ("import json, time, numpy as np; cfg = np.show_config(mode='dicts'); "
             "blas = cfg.get('Build Dependencies', {}).get('blas', {}); "
             "a = np.random.default_rng(0).standard_normal((2048, 2048), dtype=np.float32); a @ a; "
             "best = min((lambda t: (a @ a, time.perf_counter() - t)[1])(time.perf_counter()) for _ in range(5)); "
             "print(json.dumps({'blas': f\"{blas.get('name', '?')} {blas.get('version', '')}\".strip(), "
             "'gflops': 2 * 2048 ** 3 / best / 1e9, 'numpy': np.__version__}))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=worker_env(threads),
                         check=True)
    facts = json.loads(out.stdout)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    from ..ops import fused         # built here once, so the workers find it compiled
    return {"cpu": model, "vector": [f for f in wanted if f in flags], "cores": cores, "threads": threads,
            "numpy": facts["numpy"], "blas": facts["blas"], "matmul_gflops": facts["gflops"],
            "fused": fused.status()}


def import_seconds():
    out = subprocess.run([sys.executable, "-c", "import time; t = time.perf_counter(); import gradwise; "
                          "print(time.perf_counter() - t)"], capture_output=True, text=True, check=True,
                         env=worker_env(2))
    return float(out.stdout.strip())


def run(rounds=5, names=None, threads=2, seconds=1.0, torch_py=None, log=print):
    """Alternate fresh worker processes over ``rounds``; returns the results dictionary."""
    names = names or all_names()
    torch_py = torch_python(torch_py)
    if torch_py is None:
        log("PyTorch not found: timing gradwise only (pip install torch==2.13.0, or --torch-python PATH)")
    results = {"date": time.strftime("%Y-%m-%d %H:%M"), "machine": machine(threads), "rounds": rounds,
               "import_seconds": import_seconds(), "workloads": {}, "state_before": _state()}
    for i, name in enumerate(names):
        runs = {"gradwise": [], "torch": []}
        for r in range(rounds):
            order = ["gradwise", "torch"] if (r + i) % 2 == 0 else ["torch", "gradwise"]
            for fw in order:
                if fw == "torch" and torch_py is None:
                    continue
                runs[fw].append(run_worker(sys.executable if fw == "gradwise" else torch_py, fw, name, seconds,
                                           threads))
        row = summarize(name, runs, results["machine"]["matmul_gflops"])
        if runs["torch"]:
            results["torch"] = runs["torch"][0]["build"]
        results["workloads"][name] = row
        log(_line(name, row))
    results["state_after"] = _state()
    return results


def _state():
    """The machine's state now (``state.measure``: one reading), None where it cannot be probed.
    NOTE: why. The 2-core VMs switch between modes of minutes that follow where the host placed
    the two CPUs (the core-to-core round trip 67-87 or 355-360 ns on the AMD EPYC Zen 4), and a
    ratio read in one mode is not one read in the other."""
    from .state import measure
    found = measure(1)
    return found[0] if found else None


def summarize(name, runs, gflops):
    """One table row from the per-process records of both frameworks."""
    g = [statistics.median(rec["step_s"]) for rec in runs["gradwise"]]
    t = [statistics.median(rec["step_s"]) for rec in runs["torch"]]
    ratios = [b / a for a, b in zip(g, t)]
    row = {"description": describe(name), "gradwise_ms": statistics.median(g) * 1e3,
           "torch_ms": statistics.median(t) * 1e3 if t else None,
           "ratio": statistics.median(ratios) if ratios else None,
           "ratio_low": min(ratios) if ratios else None, "ratio_high": max(ratios) if ratios else None,
           "goal": GOALS.get(name), "samples_per_s": batch_size(name) / statistics.median(g),
           "gradwise_peak_mib": statistics.median(rec["peak_mib"] for rec in runs["gradwise"]),
           "torch_peak_mib": statistics.median(rec["peak_mib"] for rec in runs["torch"]) if t else None}
    base, _ = parse(name)
    if base in ("W1", "W4") and not name.startswith("I"):
        ideal = 6 * runs["gradwise"][0]["params"] * batch_size(name) / (gflops * 1e9)
        row["ideal_fraction"] = ideal / statistics.median(g)
    return row


def _fmt(v, spec):
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, spec)


def _line(name, r):
    goal, ratio = r.get("goal"), r["ratio"]
    mark = "" if goal is None or ratio is None else ("  meets goal" if ratio >= goal else f"  below goal {goal}")
    return (f"{name:7} {r['description']:<42} gradwise {_fmt(r['gradwise_ms'], '8.2f')} ms  PyTorch "
            f"{_fmt(r['torch_ms'], '8.2f')} ms  ratio {_fmt(ratio, '5.2f')} "
            f"[{_fmt(r['ratio_low'], '.2f')}-{_fmt(r['ratio_high'], '.2f')}]{mark}")


def markdown(results):
    m = results["machine"]
    torch_facts = results.get("torch")
    torch_text = (f"torch {torch_facts['version']} (CPU capability {torch_facts['cpu_capability']}, "
                  f"{torch_facts['threads']} threads)" if torch_facts else "no PyTorch")
    isa = results.get("isa")
    held = "" if not isa else \
        f" with both frameworks held to {isa.upper()} code ({', '.join(f'{k}={v}' for k, v in ISA_ENV[isa].items())})"
    lines = [f"Measured {results['date']} on {m['cpu']} ({', '.join(m['vector']) or 'no AVX'}){held}, "
             f"{m['cores']} cores, "
             f"{m['threads']} threads per framework; numpy {m['numpy']} with {m['blas']} (float32 GEMM "
             f"{m['matmul_gflops']:.0f} GFLOP/s); gradwise's C kernels {m.get('fused', 'not recorded')}; "
             f"{torch_text}; {results['rounds']} rounds of fresh processes; "
             f"`import gradwise` {results['import_seconds']:.2f} s{_state_text(results)}.", "",
             "| workload | ratio | spread | goal | gradwise ms | PyTorch ms | of ideal | peak MiB gradwise / PyTorch |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, r in results["workloads"].items():
        lines.append(
            f"| {name} {r['description']} | {_fmt(r['ratio'], '.2f')} | {_fmt(r['ratio_low'], '.2f')}-"
            f"{_fmt(r['ratio_high'], '.2f')} | {_fmt(r['goal'], '.2f')} | {_fmt(r['gradwise_ms'], '.2f')} | "
            f"{_fmt(r['torch_ms'], '.2f')} | {_fmt(r.get('ideal_fraction'), '.0%')} | "
            f"{_fmt(r['gradwise_peak_mib'], '.0f')} / {_fmt(r['torch_peak_mib'], '.0f')} |")
    lines += ["", "ratio = median over rounds of PyTorch time / gradwise time, each time the median step of a fresh "
              "process that imported only its own framework (above 1: gradwise is faster); spread = the lowest and "
              "highest round; of ideal = (6 x parameters x batch FLOPs at the GEMM rate) / gradwise's step; peak = "
              "the process's peak resident set."]
    return "\n".join(lines)


def _state_text(results):
    before, after = results.get("state_before"), results.get("state_after")
    if not before or not after:
        return ""
    return (f"; the two cores' round trip {before['trip_ns']:.0f} ns before the run, {after['trip_ns']:.0f} after, "
            f"multiply-adds {min(before['fma_two'], after['fma_two']):.0f}-{max(before['fma_two'], after['fma_two']):.0f}"
            " GFLOP/s a thread on two (`python bench/machine.py`)")


def main(argv=None):
    p = argparse.ArgumentParser(prog="gradwise bench", description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--only", default=None, help="comma-separated workloads, e.g. W1,W3@200")
    p.add_argument("--no-scaling", action="store_true", help="skip the scaling rows")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--isa", choices=sorted(ISA_ENV), default="native",
                   help="avx2: both frameworks held to AVX2 code on this CPU (GRADWISE_MARCH=haswell, "
                        "OPENBLAS_CORETYPE=Haswell, ATEN_CPU_CAPABILITY=avx2, MKL/oneDNN AVX2)")
    p.add_argument("--seconds", type=float, default=1.0, help="timed seconds per process")
    p.add_argument("--torch-python", default=None, help="a Python with torch installed, for the PyTorch workers")
    p.add_argument("--json", default=None, help="write the results as JSON here")
    p.add_argument("--markdown", default=None, help="write the results as a markdown table here")
    p.add_argument("--history", default=None, help="append the results as one JSON line to this file")
    args = p.parse_args(argv)
    if args.rounds < 1 or args.threads < 1 or not args.seconds > 0:
        p.error(f"--rounds and --threads must be >= 1 and --seconds > 0; got {args.rounds}, {args.threads}, "
                f"{args.seconds}")
    names = args.only.split(",") if args.only else all_names(scaling=not args.no_scaling)
    known = all_names()
    unknown = [w for w in names if w not in known]
    if unknown:
        p.error(f"unknown workload(s) {unknown}; known: {', '.join(known)}")
    if args.torch_python:
        try:
            subprocess.run([args.torch_python, "-c", "import torch"], check=True, capture_output=True, timeout=120)
        except (OSError, subprocess.SubprocessError):
            p.error(f"--torch-python {args.torch_python!r} is not a Python that can import torch")
    os.environ.update(ISA_ENV[args.isa])        # before anything is built: the workers inherit it
    results = run(args.rounds, names, args.threads, args.seconds, args.torch_python)
    if args.isa != "native":
        results["isa"] = args.isa
    table = markdown(results)
    print()
    print(table)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    if args.markdown:
        Path(args.markdown).write_text(table + "\n")
    if args.history:
        with open(args.history, "a") as f:
            f.write(json.dumps(results) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
