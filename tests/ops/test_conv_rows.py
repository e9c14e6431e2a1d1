"""Stride-1 convolutions of narrow images take the whole-row lowering (ops/conv_rows.py): same
outputs and gradients as the general im2col path, float64 gradients numerically right."""
import numpy as np
import pytest

import gradwise as gw
import gradwise.functional as F
from gradwise.ops import conv_rows

CASES = [   # (N, C, O, H, W, kernel, padding, dilation, bias)
    (2, 3, 4, 8, 8, 3, 1, 1, True),         # a ResNet-like 3x3, 'same'
    (3, 6, 5, 12, 12, 5, 0, 1, False),      # LeNet's second convolution, smaller
    (2, 2, 3, 7, 9, 3, 2, 2, True),         # dilated, padded, not square
    (2, 4, 2, 6, 6, (2, 3), "same", 1, True),   # even kernel: asymmetric padding
    (1, 5, 9, 10, 10, 3, 1, 1, False),      # more outputs than inputs: the scatter path
    (2, 1, 2, 9, 5, 1, 0, 1, True),         # 1x1 kernel
]


def _run(case, dtype, rows):
    n, c, o, h, w, k, p, d, bias = case
    rng = np.random.default_rng(0)
    data = rng.standard_normal((c, n, h, w)).astype(dtype).swapaxes(0, 1)     # channel-major, as layers hand on
    x = gw.tensor(data, requires_grad=True)
    kh, kw = (k, k) if isinstance(k, int) else k
    wt = gw.tensor(rng.standard_normal((o, c, kh, kw)).astype(dtype), requires_grad=True)
    b = gw.tensor(rng.standard_normal(o).astype(dtype), requires_grad=True) if bias else None
    saved = conv_rows.MAX_WIDTH
    conv_rows.MAX_WIDTH = 1000 if rows else 0
    try:
        y = F.conv2d(x, wt, b, padding=p, dilation=d)
        g = rng.standard_normal(tuple(y.shape)).astype(dtype)
        y.backward(gw.tensor(g))
        took_rows = y.grad_fn.rows is not None
    finally:
        conv_rows.MAX_WIDTH = saved
    assert took_rows == rows
    return [y.detach().numpy(), x.grad.numpy(), wt.grad.numpy()] + ([b.grad.numpy()] if bias else [])


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rows_path_matches_im2col(case):
    for a, b in zip(_run(case, np.float64, True), _run(case, np.float64, False)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


def test_rows_path_float32_and_a_weight_without_input_gradient():
    a, b = _run(CASES[0], np.float32, True), _run(CASES[0], np.float32, False)
    for u, v in zip(a, b):
        np.testing.assert_allclose(u, v, rtol=1e-4, atol=1e-4)
    x = gw.tensor(np.ones((2, 1, 6, 6), np.float32))                # an image: no input gradient
    w = gw.tensor(np.ones((2, 1, 3, 3), np.float32), requires_grad=True)
    F.conv2d(x, w).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.full((2, 1, 3, 3), 32.0, np.float32))


@pytest.mark.parametrize("case", [CASES[2], CASES[4]], ids=str)
def test_rows_path_gradcheck(case):
    n, c, o, h, w, k, p, d, _ = case
    rng = np.random.default_rng(1)
    x = gw.tensor(rng.standard_normal((c, n, h, w)).swapaxes(0, 1), requires_grad=True)
    wt = gw.tensor(rng.standard_normal((o, c, k, k)), requires_grad=True)
    b = gw.tensor(rng.standard_normal(o), requires_grad=True)
    assert F.conv2d(x, wt, b, padding=p, dilation=d).grad_fn.rows is not None
    assert gw.gradcheck(lambda x_, w_, b_: F.conv2d(x_, w_, b_, padding=p, dilation=d), [x, wt, b])
