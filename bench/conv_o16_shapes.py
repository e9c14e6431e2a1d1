"""The direct 16-output-channel convolution (ops/conv_o16.py) against the path it replaces, per
convolution shape: forward and forward + backward, on and off alternating in one process (one
framework only), minimum over rounds.

    python bench/conv_o16_shapes.py
"""
import numpy as np, timeit, gradwise as gw
from gradwise.ops import conv_o16
orig = conv_o16.eligible
rng = np.random.default_rng(0)
cases = [("LeNet conv2 6->16 5x5 14x14 b64", (64,6,14,14), (16,6,5,5), {}),
         ("C@56 conv2 6->16 5x5 28x28 b64", (64,6,28,28), (16,6,5,5), {}),
         ("C@112 conv2 6->16 5x5 56x56 b64", (64,6,56,56), (16,6,5,5), {}),
         ("mnist example conv2 32->64 3x3 26x26 b64", (64,32,26,26), (64,32,3,3), {}),
         ("3x3 pad1 16->16 at 5x5 (too narrow for conv_direct) b32", (32,16,5,5), (16,16,3,3), dict(padding=1)),
         ("3x3 no pad 3->16 32x32 b32", (32,3,32,32), (16,3,3,3), {}),
         ("ResNet stride 2 16->32 3x3 32x32 b32", (32,16,32,32), (32,16,3,3), dict(stride=2, padding=1)),
         ("ResNet stride 2 32->64 3x3 16x16 b32", (32,32,16,16), (64,32,3,3), dict(stride=2, padding=1))]
import sys
for name, xs, ws, kw in cases[int(sys.argv[1]) if len(sys.argv) > 1 else 0:]:
    x = gw.tensor(rng.standard_normal(xs).astype(np.float32), requires_grad=True)
    w = gw.tensor(rng.standard_normal(ws).astype(np.float32) * 0.1, requires_grad=True)
    b = gw.tensor(np.zeros(ws[0], np.float32), requires_grad=True)
    def fwd(): return gw.functional.conv2d(x, w, b, **kw)
    g = gw.tensor(rng.standard_normal(fwd().shape).astype(np.float32))
    def fb():
        x.grad = w.grad = b.grad = None
        fwd().backward(g)
    res = {}
    for r in range(3):
        for on in (True, False):
            conv_o16.eligible = orig if on else (lambda *a: False)
            n = 5 if xs[2] >= 56 or xs[1] >= 32 else 30
            res.setdefault(on, []).append((min(timeit.repeat(fwd, number=n, repeat=5)) / n * 1e3, min(timeit.repeat(fb, number=n, repeat=5)) / n * 1e3))
    on, off = min(res[True]), min(res[False])
    print(f"{name:58s} fwd {off[0]:.3f} -> {on[0]:.3f} ms   fwd+bwd {off[1]:.3f} -> {on[1]:.3f} ms")
