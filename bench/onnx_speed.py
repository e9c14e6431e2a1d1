"""Inference speed of MNIST LeNet-5: gradwise's forward against onnxruntime running the model
that gradwise.onnx.export wrote.

Each measurement runs in its own fresh process (the two never share one), alternating
gradwise and onnxruntime over the rounds, with the same number of threads; a worker warms up,
then reports the median time of one forward pass (float32, under no_grad). The ratio is
onnxruntime time / gradwise time (above 1: gradwise is faster).

    python bench/onnx_speed.py [--rounds 5] [--threads 2] [--batches 1,64]

Needs onnx and onnxruntime (``pip install onnx onnxruntime``).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
from gradwise.bench import cpu_name, worker_env  # noqa: E402


def _input(batch):
    return np.random.default_rng(batch).standard_normal((batch, 1, 28, 28)).astype(np.float32)


def _median_ms(fn, seconds=1.0):
    for _ in range(3):
        fn()
    start, times = time.perf_counter(), []
    while time.perf_counter() - start < seconds or len(times) < 10:
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def worker(framework, path, batch, threads):
    x = _input(batch)
    if framework == "gradwise":
        import gradwise as gw
        from gradwise import models
        model = models.lenet5(generator=0).eval()
        xt = gw.tensor(x)

        def step():
            with gw.no_grad():
                return model(xt)
    else:
        import onnxruntime as ort
        opts = ort.SessionOptions()
        opts.intra_op_num_threads, opts.inter_op_num_threads = threads, 1
        session = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])

        def step():
            return session.run(None, {"image": x})
    print(json.dumps({"ms": _median_ms(step)}))


def export(path):
    import gradwise as gw
    from gradwise import models
    model = models.lenet5(generator=0)
    gw.onnx.export(model, gw.tensor(_input(2)), path, input_names=["image"], output_names=["logits"],
                   dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})


def _measure(framework, path, batch, threads):
    env = worker_env(threads)
    out = subprocess.run([sys.executable, __file__, "--worker", framework, path, str(batch), str(threads)],
                         capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"{framework} worker failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])["ms"]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batches", default="1,64")
    p.add_argument("--worker", nargs=4, metavar=("FRAMEWORK", "PATH", "BATCH", "THREADS"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        framework, path, batch, threads = args.worker
        return worker(framework, path, int(batch), int(threads))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "lenet5.onnx")
        export(path)
        print(f"LeNet-5 inference, float32, {args.threads} threads, {args.rounds} rounds, "
              f"{cpu_name()} ({os.cpu_count()} cores), {time.strftime('%Y-%m-%d')}")
        print("| batch | gradwise ms | onnxruntime ms | ratio (onnxruntime / gradwise) |")
        print("| ---: | ---: | ---: | ---: |")
        for batch in [int(b) for b in args.batches.split(",")]:
            g, o = [], []
            for _ in range(args.rounds):
                g.append(_measure("gradwise", path, batch, args.threads))
                o.append(_measure("onnxruntime", path, batch, args.threads))
            ratio = statistics.median(b / a for a, b in zip(g, o))
            print(f"| {batch} | {statistics.median(g):.3f} | {statistics.median(o):.3f} | {ratio:.2f} |")


if __name__ == "__main__":
    main()
