"""What the machine under the benchmarks offers right now: the multiply-add peak of one and of two
threads, and how long two cores take to pass a cache line back and forth. `gradwise bench` records
it before and after each run; `python bench/machine.py [--rounds 3]` prints it.

NOTE: why. On the 2-core VMs the suite runs on, the same step's time moves in modes that last
minutes (W6's step 1.48x as long in the slow mode, gradwise; 1.2-1.4x, PyTorch) while two threads of pure
multiply-adds hold their rate: the modes follow the round trip between the two virtual CPUs
(67-82 ns in the fast mode, 355 ns in the slow one; AMD EPYC Zen 4, 2026-12-03), i.e. where the
host placed them. A ratio read in one mode is not one read in the other; this says which. The
probe is C (compiled with the same compiler as gradwise's kernels, -O3 -march=native), so that
neither Python nor NumPy sits in the loop.
"""
import argparse
import os
import subprocess
import tempfile
from pathlib import Path

SOURCE = r"""
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#if defined(__AVX512F__)
#define BYTES 64
#else
#define BYTES 32
#endif
typedef float vf __attribute__((vector_size(BYTES)));
#define STEPS 100000000L
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
static void pin(int cpu) { cpu_set_t s; CPU_ZERO(&s); CPU_SET(cpu, &s); pthread_setaffinity_np(pthread_self(), sizeof s, &s); }

static void *fma_loop(void *arg)
{   /* 12 independent chains: enough to fill two pipes of 4-cycle multiply-adds */
    vf a[12], b = {0}, c = {0};
    b += 0.9999f; c += 0.0001f;
    for (int i = 0; i < 12; i++) { a[i] = (vf){0}; a[i] += i * 0.001f; }
    for (long k = 0; k < STEPS; k++)
#pragma GCC unroll 12
        for (int i = 0; i < 12; i++) a[i] = a[i] * b + c;
    float s = 0;
    for (int i = 0; i < 12; i++) s += a[i][0];
    *(float *)arg = s;
    return NULL;
}

static _Atomic long flag __attribute__((aligned(64)));
#define TRIPS 1000000L
static void *pong(void *arg)
{
    pin(*(int *)arg);
    for (long i = 0; i < TRIPS; i++) {
        while (atomic_load(&flag) != 2 * i + 1) ;
        atomic_store(&flag, 2 * i + 2);
    }
    return NULL;
}

int main(void)
{
    int lanes = BYTES / 4;
    for (int threads = 1; threads <= 2; threads++) {
        pthread_t t[2]; float r[2];
        double t0 = now();
        for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, fma_loop, &r[i]);
        for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
        printf("fma %d %.1f\n", threads, STEPS * 12.0 * 2 * lanes / (now() - t0) / 1e9);
    }
    int other = 1;
    pin(0);
    atomic_store(&flag, 0);
    pthread_t t;
    pthread_create(&t, NULL, pong, &other);
    double t0 = now();
    for (long i = 0; i < TRIPS; i++) {
        atomic_store(&flag, 2 * i + 1);
        while (atomic_load(&flag) != 2 * i + 2) ;
    }
    double dt = now() - t0;
    pthread_join(t, NULL);
    printf("trip %.0f\n", dt / TRIPS * 1e9);
    printf("width %d\n", lanes);
    return 0;
}
"""


def _build(folder):
    from ..ops.kernel_build import _compiler, _NoCompiler     # the kernels' compiler
    exe = Path(folder) / "machine_probe"
    src = Path(folder) / "machine_probe.c"
    src.write_text(SOURCE)
    try:
        done = subprocess.run([_compiler(), "-O3", "-march=native", "-pthread", "-o", str(exe), str(src)],
                              capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.SubprocessError, _NoCompiler):
        return None
    return exe if done.returncode == 0 else None


def measure(rounds=1):
    """[{"fma_one", "fma_two" (GFLOP/s a thread), "trip_ns", "bits"} per round], or None where there is
    no C compiler or fewer than two CPUs (nothing is measured then)."""
    if (os.cpu_count() or 1) < 2:
        return None
    with tempfile.TemporaryDirectory(prefix="gradwise-machine-") as folder:
        exe = _build(folder)
        if exe is None:
            return None
        found = []
        for _ in range(rounds):
            fields = [line.split() for line in subprocess.run([str(exe)], capture_output=True, text=True, check=True,
                                                             timeout=120).stdout.splitlines()]
            fma = {int(f[1]): float(f[2]) for f in fields if f[0] == "fma"}
            found.append({"fma_one": fma[1], "fma_two": fma[2],
                          "trip_ns": next(float(f[1]) for f in fields if f[0] == "trip"),
                          "bits": 32 * next(int(f[1]) for f in fields if f[0] == "width")})
        return found


def describe(state):
    """One round's reading in words."""
    return (f"multiply-adds {state['fma_one']:.1f} GFLOP/s on one thread, {state['fma_two']:.1f} a thread on two "
            f"({state['bits']}-bit vectors); core-to-core round trip {state['trip_ns']:.0f} ns")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    found = measure(args.rounds)
    if found is None:
        raise SystemExit("the probe needs a C compiler (cc, gcc or clang, or $CC) and two CPUs")
    for r, state in enumerate(found):
        print(f"round {r + 1}: {describe(state)}")
    return 0
