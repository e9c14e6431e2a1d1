"""The two lowerings of stride-1 convolutions besides im2col: whole padded rows for narrow
outputs (ops/conv_rows.py) and one GEMM per kernel row for deep products (ops/conv_split.py).
Each gives the same outputs and gradients as the im2col path, and float64 gradients that are
numerically right."""
import numpy as np
import pytest

import gradwise as gw
import gradwise.functional as F
from gradwise import blas
from gradwise.ops import conv_rows

ROW_CASES = [   # (N, C, O, H, W, kernel, padding, dilation, bias)
    (2, 3, 4, 8, 8, 3, 1, 1, True),         # a ResNet-like 3x3, 'same'
    (3, 6, 5, 12, 12, 5, 0, 1, False),      # LeNet's second convolution, smaller
    (2, 2, 3, 7, 9, 3, 2, 2, True),         # dilated, padded, not square
    (2, 4, 2, 6, 6, (2, 3), "same", 1, True),   # even kernel: asymmetric padding
    (1, 5, 9, 10, 10, 3, 1, 1, False),      # more outputs than inputs: the scatter path
    (2, 1, 2, 9, 5, 1, 0, 1, True),         # 1x1 kernel
]
SPLIT_CASES = [
    (2, 16, 4, 16, 16, 3, 1, 1, True),      # a ResNet-like 3x3, 'same'
    (2, 14, 15, 15, 17, 3, 2, 2, False),    # dilated, padded, not square
    (2, 14, 14, 14, 14, (2, 3), "same", 1, True),   # even kernel: asymmetric padding
    (1, 14, 40, 14, 14, 3, 1, 1, False),    # more outputs than inputs: the scatter path
    (2, 8, 8, 20, 20, 5, 0, 1, True),       # a 5x5 kernel
]
needs_blas = pytest.mark.skipif(not blas.available(), reason="NumPy's BLAS routines were not found")


def _run(case, dtype, path):
    """Outputs and gradients of one convolution on ``path``: 'rows', 'split' or 'im2col'."""
    n, c, o, h, w, k, p, d, bias = case
    rng = np.random.default_rng(0)
    x = gw.tensor(rng.standard_normal((c, n, h, w)).astype(dtype).swapaxes(0, 1), requires_grad=True)
    kh, kw = (k, k) if isinstance(k, int) else k
    wt = gw.tensor(rng.standard_normal((o, c, kh, kw)).astype(dtype), requires_grad=True)
    b = gw.tensor(rng.standard_normal(o).astype(dtype), requires_grad=True) if bias else None
    width = conv_rows.MAX_WIDTH
    conv_rows.MAX_WIDTH = 1000 if path == "rows" else 0
    blas.enable(path == "split")
    try:
        y = F.conv2d(x, wt, b, padding=p, dilation=d)
        g = rng.standard_normal(tuple(y.shape)).astype(dtype)
        y.backward(gw.tensor(g))
    finally:
        blas.enable(True)
        conv_rows.MAX_WIDTH = width
    assert (y.grad_fn.rows is not None, y.grad_fn.split is not None) == (path == "rows", path == "split")
    return [y.detach().numpy(), x.grad.numpy(), wt.grad.numpy()] + ([b.grad.numpy()] if bias else [])


def _same(path, case, dtype=np.float64, tol=1e-10):
    for a, b in zip(_run(case, dtype, path), _run(case, dtype, "im2col")):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


@pytest.mark.parametrize("case", ROW_CASES, ids=str)
def test_rows_path_matches_im2col(case):
    _same("rows", case)


@needs_blas
@pytest.mark.parametrize("case", SPLIT_CASES, ids=str)
def test_split_path_matches_im2col(case):
    _same("split", case)


@needs_blas
def test_float32():
    _same("rows", ROW_CASES[0], np.float32, 1e-4)
    _same("split", SPLIT_CASES[0], np.float32, 1e-4)


def test_rows_weight_gradient_without_input_gradient():
    x = gw.tensor(np.ones((2, 1, 6, 6), np.float32))                # an image: no input gradient
    w = gw.tensor(np.ones((2, 1, 3, 3), np.float32), requires_grad=True)
    y = F.conv2d(x, w)
    assert y.grad_fn.rows is not None
    y.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.full((2, 1, 3, 3), 32.0, np.float32))


@pytest.mark.parametrize("case", [ROW_CASES[2], ROW_CASES[4]], ids=str)
def test_rows_path_gradcheck(case):
    n, c, o, h, w, k, p, d, _ = case
    rng = np.random.default_rng(1)
    x = gw.tensor(rng.standard_normal((c, n, h, w)).swapaxes(0, 1), requires_grad=True)
    wt = gw.tensor(rng.standard_normal((o, c, k, k)), requires_grad=True)
    b = gw.tensor(rng.standard_normal(o), requires_grad=True)
    assert F.conv2d(x, wt, b, padding=p, dilation=d).grad_fn.rows is not None
    assert gw.gradcheck(lambda x_, w_, b_: F.conv2d(x_, w_, b_, padding=p, dilation=d), [x, wt, b])


@needs_blas
def test_split_path_gradcheck():
    rng = np.random.default_rng(1)
    x = gw.tensor(rng.standard_normal((20, 1, 5, 14)).swapaxes(0, 1), requires_grad=True)   # wider than 12
    wt = gw.tensor(rng.standard_normal((20, 20, 3, 2)), requires_grad=True)    # 20 x 2 deep both ways
    b = gw.tensor(rng.standard_normal(20), requires_grad=True)
    assert F.conv2d(x, wt, b, padding=1, dilation=(2, 1)).grad_fn.split is not None
    assert gw.gradcheck(lambda x_, w_, b_: F.conv2d(x_, w_, b_, padding=1, dilation=(2, 1)), [x, wt, b])


@needs_blas
def test_blas_gemm_accumulates_into_windows_and_transposes():
    rng = np.random.default_rng(2)
    for dtype in (np.float32, np.float64):
        wide = rng.standard_normal((6, 40)).astype(dtype)
        a = rng.standard_normal((5, 6)).astype(dtype)
        c = rng.standard_normal((5, 30)).astype(dtype)
        expected = c + a @ wide[:, 3:33]
        np.testing.assert_allclose(blas.gemm(a, wide[:, 3:33], c, 1.0), expected, rtol=1e-5)
        g = rng.standard_normal((7, 30)).astype(dtype)
        np.testing.assert_allclose(blas.gemm(wide[:, 3:33], g.T, np.empty((6, 7), dtype)), wide[:, 3:33] @ g.T,
                                   rtol=1e-5)
    blas.enable(False)
    try:           # the NumPy fallback gives the same
        c = np.ones((2, 2))
        np.testing.assert_allclose(blas.gemm(np.eye(2), np.eye(2), c, 2.0), 2 * np.ones((2, 2)) + np.eye(2))
    finally:
        blas.enable(True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_blas_addmm_and_column_sums_match_numpy(dtype):
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((300, 70)).astype(dtype), rng.standard_normal((120, 70)).astype(dtype)
    bias = rng.standard_normal(120).astype(dtype)
    g = rng.standard_normal((400, 90)).astype(dtype)
    for on in (True, False):
        blas.enable(on)
        try:
            got = blas.addmm(bias, a, b.T)                                  # 36,000 outputs: BLAS, beta = 1
            assert got.dtype == dtype and got.flags.c_contiguous
            np.testing.assert_allclose(got, a @ b.T + bias, rtol=1e-5, atol=1e-5)
            np.testing.assert_allclose(blas.addmm(bias[:7], a[:3], b[:7].T), a[:3] @ b[:7].T + bias[:7], rtol=1e-5)
            wide = blas.addmm(bias.astype(np.float64), a, b.T)              # the product's dtype, as `out += bias`
            assert wide.dtype == dtype
            np.testing.assert_allclose(wide, a @ b.T + bias, rtol=1e-5, atol=1e-5)
            np.testing.assert_allclose(blas.column_sums(g), g.sum(axis=0), rtol=1e-5, atol=1e-4)
            np.testing.assert_allclose(blas.column_sums(g[:, ::2]), g[:, ::2].sum(axis=0), rtol=1e-5, atol=1e-4)
        finally:
            blas.enable(True)
