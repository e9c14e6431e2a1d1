"""What one of gradwise's speed settings gains: a workload's median step with it on and off, each
in its own fresh process (2 threads), on and off alternating over rounds.

Settings: ``blas`` (optimizer updates through BLAS axpy/scal, gradwise/blas.py) and ``malloc``
(glibc keeps freed memory for reuse, gradwise/allocator.py).

    python bench/tuning_ab.py blas [--rounds 5] [--only W1 W4]
    python bench/tuning_ab.py malloc --only W2 W3 W6
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

from gradwise.bench import worker_env


def worker(setting, name, on):
    if setting == "blas":
        from gradwise import blas
        blas.enable(on)
    from gradwise.bench.workloads import measure
    print(json.dumps(statistics.median(measure("gradwise", name, seconds=1.0)["step_s"])))


def timed(setting, name, on):
    env = worker_env(2)
    if setting == "malloc" and not on:
        env["GRADWISE_MALLOC"] = "0"
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", setting, name, "--on", str(int(on))],
                         capture_output=True, text=True, check=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(setting, rounds, names):
    from gradwise.bench import cpu_name
    print(f"{cpu_name()}; setting: {setting}")
    print(f"{'workload':8} {'off ms':>8} {'on ms':>8} {'on/off':>7}")
    for name in names:
        ratios, t = [], {True: [], False: []}
        for r in range(rounds):
            pair = {o: timed(setting, name, o) for o in ((False, True) if r % 2 == 0 else (True, False))}
            for o, v in pair.items():
                t[o].append(v)
            ratios.append(pair[True] / pair[False])
        print(f"{name:8} {statistics.median(t[False]) * 1e3:8.2f} {statistics.median(t[True]) * 1e3:8.2f} "
              f"{statistics.median(ratios):7.3f}")
    print(f"median over {rounds} rounds of fresh processes, on/off alternating; on/off below 1: the setting is faster")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("setting", nargs="?", choices=["blas", "malloc"])
    p.add_argument("name", nargs="?")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--only", nargs="*", default=["W1", "W2", "W3", "W4", "W5", "W6"])
    p.add_argument("--worker", action="store_true")
    p.add_argument("--on", type=int, default=1)
    a = p.parse_args()
    if a.worker:
        worker(a.setting, a.name, bool(a.on))
    else:
        main(a.setting, a.rounds, a.only)
