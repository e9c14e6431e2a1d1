"""What one of gradwise's alternative kernels gains inside a training step: the workload's step
with it on and off, alternating in one process (one framework only, so no thread pools fight),
minimum over rounds.

    python bench/lowering_ab.py split W6 [--rounds 11]     # one GEMM per kernel row (ops/conv_split.py)
    python bench/lowering_ab.py rows W2                    # narrow outputs on whole rows (ops/conv_rows.py)
    python bench/lowering_ab.py fused W3                   # compiled C kernels (ops/fused.py)
    python bench/lowering_ab.py o16 W2                     # direct, 16 output channels a vector (ops/conv_o16.py)
    python bench/lowering_ab.py direct W6                  # direct 3x3, stride 1 (ops/conv_direct.py)
"""
import argparse
import timeit

from gradwise.bench import cpu_name
from gradwise.bench.workloads import build
from gradwise.ops import conv_direct, conv_o16, conv_rows, conv_split, fused


MODULES = {"split": conv_split, "o16": conv_o16, "direct": conv_direct}
ORIGINAL = {"rows": conv_rows.MAX_WIDTH, **{name: module.eligible for name, module in MODULES.items()}}


def switch(lowering, on):
    """Turn a lowering on or off (its eligibility test, or the width limit of the row lowering)."""
    if lowering == "fused":
        fused.set_enabled(on)
    elif lowering in MODULES:
        MODULES[lowering].eligible = ORIGINAL[lowering] if on else (lambda *args: False)
    else:
        conv_rows.MAX_WIDTH = ORIGINAL["rows"] if on else 0


def main(lowering, name, rounds):
    step, _ = build("gradwise", name)
    for _ in range(3):
        step()
    best = {False: float("inf"), True: float("inf")}
    for _ in range(rounds):
        for on in (False, True):
            switch(lowering, on)
            step()
            best[on] = min(best[on], min(timeit.repeat(step, number=3, repeat=1)) / 3)
    switch(lowering, True)
    print(f"{cpu_name()}; {name}: {lowering} off {best[False] * 1e3:.2f} ms, on {best[True] * 1e3:.2f} ms, "
          f"on/off {best[True] / best[False]:.3f} (minimum over {rounds} rounds, alternating in one process)")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("lowering", choices=["split", "rows", "fused", "o16", "direct"])
    p.add_argument("name")
    p.add_argument("--rounds", type=int, default=11)
    a = p.parse_args()
    main(a.lowering, a.name, a.rounds)
