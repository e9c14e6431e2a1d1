"""What the BLAS optimizer updates (gradwise.blas) gain: a workload's median step with them on and
off, each in its own fresh process (2 threads), on and off alternating over rounds.

    python bench/axpy_ab.py [--rounds 5] [--only W1 W4]
"""
import argparse
import json
import statistics
import subprocess
import sys

from gradwise.bench import worker_env


def worker(name, on):
    from gradwise import blas
    from gradwise.bench.workloads import measure
    blas.enable(on)
    print(json.dumps(statistics.median(measure("gradwise", name, seconds=1.0)["step_s"])))


def timed(name, on):
    out = subprocess.run([sys.executable, __file__, "--worker", name, "--on", str(int(on))], capture_output=True,
                         text=True, check=True, env=worker_env(2))
    return json.loads(out.stdout.split("\n")[-2])


def main(rounds, names):
    from gradwise import blas
    from gradwise.bench import cpu_name
    print(f"{cpu_name()}; BLAS routines found: {blas.available()}")
    print(f"{'workload':8} {'off ms':>8} {'on ms':>8} {'on/off':>7}")
    for name in names:
        ratios, t = [], {True: [], False: []}
        for r in range(rounds):
            pair = {o: timed(name, o) for o in ((False, True) if r % 2 == 0 else (True, False))}
            for o, v in pair.items():
                t[o].append(v)
            ratios.append(pair[True] / pair[False])
        print(f"{name:8} {statistics.median(t[False]) * 1e3:8.2f} {statistics.median(t[True]) * 1e3:8.2f} "
              f"{statistics.median(ratios):7.3f}")
    print(f"median over {rounds} rounds of fresh processes, on/off alternating; on/off below 1: BLAS is faster")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--only", nargs="*", default=["W1", "W4", "W2"])
    p.add_argument("--worker")
    p.add_argument("--on", type=int, default=1)
    a = p.parse_args()
    if a.worker:
        worker(a.worker, bool(a.on))
    else:
        main(a.rounds, a.only)
