"""What one of gradwise's alternative kernels gains inside a training step: the workload's step
with it on and off, alternating in one process (one framework only, so no thread pools fight):
each round times a block of steps each way (the median step of each), and the report gives the
median over rounds of on/off and its quartiles.

    python bench/lowering_ab.py split W6 [--rounds 11]     # one GEMM per kernel row (ops/conv_split.py)
    python bench/lowering_ab.py rows W2                    # narrow outputs on whole rows (ops/conv_rows.py)
    python bench/lowering_ab.py fused W3                   # compiled C kernels (ops/fused.py)
    python bench/lowering_ab.py o16 W2                     # direct, 16 output channels a vector (ops/conv_o16.py)
    python bench/lowering_ab.py direct W6                  # direct 3x3, stride 1 (ops/conv_direct.py)
    python bench/lowering_ab.py relu_store W1              # a Linear's product stores the next ReLU (ops/gemm.py, FUSION)
    python bench/lowering_ab.py source W1 --file my_gemm_kernels.c
        # "on": the C kernels built with that file in place of its namesake in gradwise/ops/,
        # "off": the library as it is (a change to a kernel measured inside the step)
"""
import argparse
import ctypes
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from gradwise.bench import cpu_name
from gradwise.bench.workloads import build
from gradwise.nn import containers
from gradwise.ops import conv_direct, conv_o16, conv_rows, conv_split, fused, kernel_build


MODULES = {"split": conv_split, "o16": conv_o16, "direct": conv_direct}
ORIGINAL = {"rows": conv_rows.MAX_WIDTH, "relu_store": containers._relu_follows,
            **{name: module.eligible for name, module in MODULES.items()}}
BUILDS = {}


def variant_build(source):
    """The compiled kernels built from gradwise's C sources with ``source`` in place of its namesake."""
    source = Path(source)
    names = [p.name for p in kernel_build._SOURCES]
    if source.name not in names:
        raise SystemExit(f"--file must be named as one of gradwise's C sources ({', '.join(names)}); got {source.name}")
    folder = Path(tempfile.mkdtemp(prefix="gradwise-variant-"))
    for p in [*kernel_build._SOURCES, *kernel_build._HEADERS]:
        shutil.copy(p, folder / p.name)
    shutil.copy(source, folder / source.name)
    saved = kernel_build._SOURCES, kernel_build._HEADERS
    kernel_build._SOURCES = [folder / p.name for p in saved[0]]
    kernel_build._HEADERS = [folder / p.name for p in saved[1]]
    try:
        return fused._Kernels(ctypes.CDLL(str(kernel_build._library())))
    finally:
        kernel_build._SOURCES, kernel_build._HEADERS = saved


def switch(lowering, on):
    """Turn a lowering on or off (its eligibility test, or the width limit of the row lowering)."""
    if lowering == "fused":
        fused.set_enabled(on)
    elif lowering == "source":
        fused._STATE["kernels"] = BUILDS[on]
    elif lowering == "relu_store":
        containers._relu_follows = ORIGINAL["relu_store"] if on else (lambda *args: False)
    elif lowering in MODULES:
        MODULES[lowering].eligible = ORIGINAL[lowering] if on else (lambda *args: False)
    else:
        conv_rows.MAX_WIDTH = ORIGINAL["rows"] if on else 0


def main(lowering, name, rounds, source=None):
    if lowering == "source":
        fused.available()
        BUILDS[False], BUILDS[True] = fused._STATE["kernels"], variant_build(source)
    step, _ = build("gradwise", name)
    for _ in range(3):
        step()
    start = time.perf_counter()
    step()
    steps = max(5, int(0.15 / (time.perf_counter() - start)))
    ratios, best = [], {False: float("inf"), True: float("inf")}
    for r in range(rounds):
        median = {}
        for on in ((False, True) if r % 2 == 0 else (True, False)):
            switch(lowering, on)
            step()
            times = []
            for _ in range(steps):
                start = time.perf_counter()
                step()
                times.append(time.perf_counter() - start)
            median[on] = statistics.median(times)
            best[on] = min(best[on], median[on])
        ratios.append(median[True] / median[False])
    switch(lowering, False if lowering == "source" else True)
    q = statistics.quantiles(ratios, n=4)
    print(f"{cpu_name()}; {name}: {lowering} off {best[False] * 1e3:.3f} ms, on {best[True] * 1e3:.3f} ms (best "
          f"block); on/off {statistics.median(ratios):.3f} (quartiles {q[0]:.3f}-{q[2]:.3f}; {rounds} rounds of "
          f"{steps} steps each way, alternating in one process)")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("lowering", choices=["split", "rows", "fused", "o16", "direct", "relu_store", "source"])
    p.add_argument("name")
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--file", help="for source: a C file named as one of gradwise's kernels' sources")
    a = p.parse_args()
    if a.lowering == "source" and not a.file:
        p.error("source needs --file")
    main(a.lowering, a.name, a.rounds, a.file)
