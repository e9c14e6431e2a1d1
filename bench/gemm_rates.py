"""The float32 matrix products behind the workloads, NumPy (its BLAS), gradwise (``ops/gemm.py``:
its compiled product where it applies, else NumPy's) and PyTorch, each in its own fresh process
with 2 threads, rounds alternating: what bounds gradwise where the product is most of the step.
Each operand is laid out as the dense layer hands it over (a transposed operand is a view).

    python bench/gemm_rates.py --torch-python /path/to/python-with-torch [--rounds 3]
"""
import argparse
import json
import statistics
import subprocess
import sys
import time

# (what it is, m, k, n): an (m, k) @ (k, n) product
SHAPES = [("W1 layer 1 forward", 128, 784, 512), ("W1 layer 1 weight grad, x.T @ g", 784, 128, 512),
          ("W1 layer 2 forward", 128, 512, 256), ("W1 layer 2 input grad, g @ W", 128, 256, 512),
          ("W3 recurrent step, h @ W.T", 64, 128, 512),
          ("W3 recurrent step, W @ h", 512, 128, 64), ("W3 step backward, W.T @ d", 128, 512, 64),
          ("W6 first conv (im2col)", 16, 144, 32768),
          ("W4 layer 2 forward", 512, 2048, 2048), ("square 2048", 2048, 2048, 2048),
          ("W1@512 layer 1 forward", 512, 784, 512), ("W1@512 layer 1 weight grad, g.T @ x", 512, 512, 784),
          ("W1@512 layer 2 input grad, g @ W", 512, 256, 512)]


def worker(framework):
    import numpy as np
    rng = np.random.default_rng(0)
    matmul = None
    if framework == "torch":
        import torch
        torch.set_num_threads(2)
    elif framework == "gradwise":
        from gradwise.ops.gemm import matmul
    out = {}
    for name, m, k, n in SHAPES:
        a, b = rng.standard_normal((m, k), dtype=np.float32), rng.standard_normal((k, n), dtype=np.float32)
        if "x.T" in name or "g.T" in name:
            a = np.ascontiguousarray(a.T).T
        if "g @ W" in name:
            b = np.ascontiguousarray(b.T).T
        if framework == "torch":
            a, b = torch.from_numpy(a), torch.from_numpy(b)
        mul = matmul if framework == "gradwise" else (lambda x, y: x @ y)
        for _ in range(3):
            mul(a, b)
        reps = max(3, int(0.2 / max(1e-6, _once(mul, a, b))))
        samples = []
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(reps):
                mul(a, b)
            samples.append((time.perf_counter() - start) / reps)
        out[name] = statistics.median(samples)
    print(json.dumps(out))


def _once(mul, a, b):
    start = time.perf_counter()
    mul(a, b)
    return time.perf_counter() - start


def main(torch_python, rounds):
    from gradwise.bench import cpu_name, worker_env
    times = {"numpy": [], "gradwise": [], "torch": []}
    for r in range(rounds):
        for fw in (("numpy", "gradwise", "torch") if r % 2 == 0 else ("torch", "gradwise", "numpy")):
            python = sys.executable if fw == "numpy" else torch_python
            res = subprocess.run([python, __file__, "--worker", fw], capture_output=True, text=True, check=True,
                                 env=worker_env(2))
            times[fw].append(json.loads(res.stdout.strip().splitlines()[-1]))
    print(f"{cpu_name()}, 2 threads, median of {rounds} rounds of fresh processes")
    print(f"{'product':34} {'m x k x n':>16} {'GFLOP/s: NumPy':>15} {'gradwise':>9} {'PyTorch':>8} "
          f"{'PyTorch/gradwise time':>22}")
    for name, m, k, n in SHAPES:
        t = {fw: statistics.median(r[name] for r in times[fw]) for fw in times}
        rate = {fw: 2 * m * k * n / t[fw] / 1e9 for fw in t}
        print(f"{name:34} {f'{m}x{k}x{n}':>16} {rate['numpy']:15.0f} {rate['gradwise']:9.0f} {rate['torch']:8.0f} "
              f"{t['torch'] / t['gradwise']:22.2f}")


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
