"""The direct 16-output-channel convolution (ops/conv_o16.py) against the path it replaces, per
convolution shape: forward and forward + backward, on and off alternating in one process (one
framework only), minimum over rounds.

    python bench/conv_o16_shapes.py [--from K]      # K: skip the first K shapes
"""
import argparse
import timeit

import numpy as np

import gradwise as gw
from gradwise.bench import cpu_name
from gradwise.ops import conv_o16

# (what it is, input shape, weight shape, conv2d's keywords)
SHAPES = [("LeNet conv2 6->16 5x5 14x14 b64", (64, 6, 14, 14), (16, 6, 5, 5), {}),
          ("C@56 conv2 6->16 5x5 28x28 b64", (64, 6, 28, 28), (16, 6, 5, 5), {}),
          ("C@112 conv2 6->16 5x5 56x56 b64", (64, 6, 56, 56), (16, 6, 5, 5), {}),
          ("mnist example conv2 32->64 3x3 26x26 b64", (64, 32, 26, 26), (64, 32, 3, 3), {}),
          ("3x3 pad1 16->16 at 5x5 (too narrow for conv_direct) b32", (32, 16, 5, 5), (16, 16, 3, 3),
           dict(padding=1)),
          ("3x3 no pad 3->16 32x32 b32", (32, 3, 32, 32), (16, 3, 3, 3), {}),
          ("ResNet stride 2 16->32 3x3 32x32 b32", (32, 16, 32, 32), (32, 16, 3, 3), dict(stride=2, padding=1)),
          ("ResNet stride 2 32->64 3x3 16x16 b32", (32, 32, 16, 16), (64, 32, 3, 3), dict(stride=2, padding=1))]


def measure(xshape, wshape, kw, rounds=3):
    """{on: (forward ms, forward + backward ms)}, minimum over rounds, the kernel on and off."""
    rng = np.random.default_rng(0)
    x = gw.tensor(rng.standard_normal(xshape).astype(np.float32), requires_grad=True)
    w = gw.tensor(rng.standard_normal(wshape).astype(np.float32) * 0.1, requires_grad=True)
    b = gw.tensor(np.zeros(wshape[0], np.float32), requires_grad=True)

    def forward():
        return gw.functional.conv2d(x, w, b, **kw)
    g = gw.tensor(rng.standard_normal(forward().shape).astype(np.float32))

    def both():
        x.grad = w.grad = b.grad = None
        forward().backward(g)
    number = 5 if xshape[2] >= 56 or xshape[1] >= 32 else 30
    eligible, best = conv_o16.eligible, {}
    try:
        for _ in range(rounds):
            for on in (True, False):
                conv_o16.eligible = eligible if on else (lambda *args: False)
                times = [min(timeit.repeat(f, number=number, repeat=5)) / number * 1e3 for f in (forward, both)]
                best[on] = times if on not in best else [min(a, t) for a, t in zip(best[on], times)]
    finally:
        conv_o16.eligible = eligible
    return best


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--from", dest="start", type=int, default=0)
    a = p.parse_args()
    print(cpu_name())
    for name, xshape, wshape, kw in SHAPES[a.start:]:
        best = measure(xshape, wshape, kw)
        print(f"{name:58s} fwd {best[False][0]:.3f} -> {best[True][0]:.3f} ms   "
              f"fwd+bwd {best[False][1]:.3f} -> {best[True][1]:.3f} ms")
