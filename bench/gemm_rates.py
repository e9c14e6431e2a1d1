"""The float32 matrix products behind the workloads, NumPy (its BLAS) against PyTorch, each in its
own fresh process with 2 threads, rounds alternating: what bounds gradwise where the product is
most of the step.

    python bench/gemm_rates.py --torch-python /path/to/python-with-torch [--rounds 3]
"""
import argparse
import json
import statistics
import subprocess
import sys
import time

# (what it is, m, k, n): an (m, k) @ (k, n) product
SHAPES = [("W1 layer 1 forward", 128, 784, 512), ("W3 recurrent step, h @ W.T", 64, 128, 512),
          ("W3 recurrent step, W @ h", 512, 128, 64), ("W3 step backward, W.T @ d", 128, 512, 64),
          ("W6 first conv (im2col)", 16, 144, 32768),
          ("W4 layer 2 forward", 512, 2048, 2048), ("square 2048", 2048, 2048, 2048)]


def worker(framework):
    import numpy as np
    rng = np.random.default_rng(0)
    if framework == "torch":
        import torch
        torch.set_num_threads(2)
    out = {}
    for name, m, k, n in SHAPES:
        a, b = rng.standard_normal((m, k), dtype=np.float32), rng.standard_normal((k, n), dtype=np.float32)
        if framework == "torch":
            a, b = torch.from_numpy(a), torch.from_numpy(b)
        for _ in range(3):
            a @ b
        reps = max(3, int(0.2 / max(1e-6, _once(a, b))))
        samples = []
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(reps):
                a @ b
            samples.append((time.perf_counter() - start) / reps)
        out[name] = statistics.median(samples)
    print(json.dumps(out))


def _once(a, b):
    start = time.perf_counter()
    a @ b
    return time.perf_counter() - start


def main(torch_python, rounds):
    from gradwise.bench import cpu_name, worker_env
    times = {"numpy": [], "torch": []}
    for r in range(rounds):
        for fw in (("numpy", "torch") if r % 2 == 0 else ("torch", "numpy")):
            python = sys.executable if fw == "numpy" else torch_python
            res = subprocess.run([python, __file__, "--worker", fw], capture_output=True, text=True, check=True,
                                 env=worker_env(2))
            times[fw].append(json.loads(res.stdout.strip().splitlines()[-1]))
    print(f"{cpu_name()}, 2 threads, median of {rounds} rounds of fresh processes")
    print(f"{'product':28} {'m x k x n':>18} {'NumPy us':>10} {'GFLOP/s':>8} {'PyTorch us':>11} {'GFLOP/s':>8} "
          f"{'PyTorch/NumPy time':>19}")
    for name, m, k, n in SHAPES:
        t = {fw: statistics.median(r[name] for r in times[fw]) for fw in times}
        flops = 2 * m * k * n
        print(f"{name:28} {f'{m}x{k}x{n}':>18} {t['numpy'] * 1e6:10.1f} {flops / t['numpy'] / 1e9:8.0f} "
              f"{t['torch'] * 1e6:11.1f} {flops / t['torch'] / 1e9:8.0f} {t['torch'] / t['numpy']:19.2f}")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--torch-python")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--worker")
    a = p.parse_args()
    if a.worker:
        worker(a.worker)
    else:
        from gradwise.bench import torch_python as find
        main(find(a.torch_python), a.rounds)
