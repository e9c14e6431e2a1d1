"""The compiled float32 matrix product (ops/gemm.py, gemm_kernels.c) against NumPy's, in every
layout the dense layer hands it, with tails of rows, columns and depth, and a bias."""
import numpy as np
import pytest

import gradwise as gw
from gradwise import blas
from gradwise.ops import fused, gemm

K = fused.kernels() if fused.available() else None
compiled = pytest.mark.skipif(K is None or not K.has_gemm,
                              reason=f"the compiled product needs the kernels built for AVX-512 or AVX2 ({fused.status()})")


def operand(rng, rows, cols, contiguous):
    """A (rows, cols) float32 array whose rows ("rows") or columns ("cols") are contiguous, or a
    window of a wider array ("window")."""
    if contiguous == "rows":
        return rng.standard_normal((rows, cols), dtype=np.float32)
    if contiguous == "cols":
        return rng.standard_normal((cols, rows), dtype=np.float32).T
    return rng.standard_normal((rows, cols + 7), dtype=np.float32)[:, 3:cols + 3]


@compiled
@pytest.mark.parametrize("m, k, n", [(128, 784, 512), (784, 128, 512), (37, 600, 45), (16, 3, 33), (600, 513, 99), (300, 1024, 70),
                                     (512, 512, 784), (1100, 40, 64)])   # row blocks: one of 1.5 G_MC, several
@pytest.mark.parametrize("a_lay", ["rows", "cols", "window"])
@pytest.mark.parametrize("b_lay", ["rows", "cols"])
def test_the_compiled_product_equals_numpys_in_every_layout(m, k, n, a_lay, b_lay):
    rng = np.random.default_rng(m + k + n)
    a, b = operand(rng, m, k, a_lay), operand(rng, k, n, b_lay)
    bias = rng.standard_normal(n, dtype=np.float32)
    ref = a.astype(np.float64) @ b.astype(np.float64)
    out = np.full((m, n), np.nan, dtype=np.float32)      # every element must be written
    K.gemm(a, b, None, out)
    scale = np.abs(ref).max()
    assert np.abs(out - ref).max() < 1e-5 * scale
    sums = np.full(n, np.nan, dtype=np.float32)
    K.gemm(a, b, bias, out, sums)
    assert np.abs(out - (ref + bias)).max() < 1e-5 * scale
    col = b.astype(np.float64).sum(axis=0)
    assert np.abs(sums - col).max() < 1e-5 * np.abs(b).sum(axis=0).max()
    row_sums = np.full(m, np.nan, dtype=np.float32)       # a's row sums (g.T @ x's bias gradient)
    out[:] = np.nan
    K.gemm(a, b, None, out, row_sums=row_sums)
    assert np.abs(out - ref).max() < 1e-5 * scale
    row = a.astype(np.float64).sum(axis=1)
    assert np.abs(row_sums - row).max() < 1e-5 * np.abs(a).sum(axis=1).max()


def test_the_dense_layers_bias_gradient_comes_with_its_weight_gradient_either_way():
    rng = np.random.default_rng(5)
    g, x = rng.standard_normal((96, 300), dtype=np.float32), rng.standard_normal((96, 200), dtype=np.float32)
    for enabled in (True, False):       # the compiled product's sums, and NumPy's path
        previous = fused.set_enabled(enabled)
        try:
            gw_rows, gb_rows = gemm.matmul_and_sums(g.T, x, rows=True)      # (out, in) weight
            gw_cols, gb_cols = gemm.matmul_and_sums(x.T, g)                 # its transpose
        finally:
            fused.set_enabled(previous)
        np.testing.assert_allclose(gw_rows, g.T.astype(np.float64) @ x, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(gw_cols, gw_rows.T, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(gb_rows, g.astype(np.float64).sum(axis=0), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(gb_cols, gb_rows, rtol=1e-5, atol=1e-5)


@compiled
@pytest.mark.parametrize("m, k, n", [(128, 784, 512), (37, 700, 45), (600, 513, 99), (21, 1700, 33)])
def test_the_product_stores_its_relu_as_the_relu_op_computes_it(m, k, n):
    rng = np.random.default_rng(m + n)
    a, b = operand(rng, m, k, "rows"), operand(rng, k, n, "cols")
    a[0, :] = np.nan                    # a NaN row stays NaN; zero rows give +-0, which become 0
    a[1, :] = 0.0
    bias = rng.standard_normal(n, dtype=np.float32)
    bias[:3] = -0.0
    out, r = gemm.matmul(a, b, bias, relu=True)
    assert out is r                     # only the ReLU kept (FUSION: nothing sees the values before it)
    want = gw.relu(gw.tensor(gemm.matmul(a, b, bias))).numpy()
    assert r.shape == want.shape and r.flags.c_contiguous
    np.testing.assert_array_equal(r, want)
    assert not np.signbit(r[1]).any() and np.isnan(r[0]).all()
    plain, none = gemm.matmul(a[:1], b, relu=True)                # 1 row, NumPy's product: no ReLU made
    assert none is None and np.allclose(plain, a[:1] @ b, equal_nan=True)


@compiled
def test_matmul_takes_the_compiled_product_only_where_it_is_faster(monkeypatch):
    calls = []
    real = type(K).gemm
    monkeypatch.setattr(type(K), "gemm", lambda self, *args, **kw: calls.append(args[0].shape) or real(self, *args, **kw))
    rng = np.random.default_rng(0)
    mid = rng.standard_normal((128, 784), dtype=np.float32), rng.standard_normal((784, 512), dtype=np.float32)
    out = gemm.matmul(*mid)
    assert calls == [(128, 784)] and out.flags.c_contiguous
    assert np.allclose(out, mid[0] @ mid[1], rtol=1e-4, atol=1e-3)
    gemm.matmul(mid[0], rng.standard_normal((784, 10), dtype=np.float32))      # 10 columns: NumPy's
    gemm.matmul(mid[0][:1], mid[1])                                             # 1 row: NumPy's
    gemm.matmul(mid[0].astype(np.float64), mid[1].astype(np.float64))          # float64: NumPy's
    gemm.matmul(mid[0][:, ::2], mid[1][::2])                                    # strided both ways: NumPy's
    assert calls == [(128, 784)]
    one = rng.standard_normal((1, 784), dtype=np.float32), rng.standard_normal((1, 512), dtype=np.float32)
    out, sums = gemm.matmul_and_sums(one[0].T, one[1])       # batch 1's weight gradient: a large output
    assert calls == [(128, 784), (784, 1)]
    np.testing.assert_allclose(out, one[0].T @ one[1], rtol=1e-6)
    np.testing.assert_allclose(sums, one[1][0], rtol=1e-6)
    empty = gemm.matmul(np.ones((256, 0), np.float32), np.ones((0, 256), np.float32))   # no depth: zeros
    assert calls == [(128, 784), (784, 1)] and not empty.any()
    out = gemm.matmul(mid[0][:4], mid[1])                    # 4 rows: a forward at a small batch
    assert calls[-1] == (4, 784) and np.allclose(out, mid[0][:4] @ mid[1], rtol=1e-4, atol=1e-3)


def test_matmul_falls_back_to_numpy_with_the_same_values():
    rng = np.random.default_rng(1)
    a, b, bias = (rng.standard_normal((64, 300), dtype=np.float32), rng.standard_normal((300, 96), dtype=np.float32),
                  rng.standard_normal(96, dtype=np.float32))
    on = gemm.matmul(a, b, bias)
    previous = fused.set_enabled(False)
    try:
        off = gemm.matmul(a, b, bias)
    finally:
        fused.set_enabled(previous)
    assert np.allclose(on, off, rtol=1e-5, atol=1e-4) and np.allclose(off, a @ b + bias, rtol=1e-5, atol=1e-4)


def test_a_linear_layer_trains_the_same_with_the_compiled_product_and_without():
    def run(enabled):
        previous = fused.set_enabled(enabled)
        try:
            gw.manual_seed(0)
            net = gw.nn.Sequential(gw.nn.Linear(300, 256), gw.nn.ReLU(), gw.nn.Linear(256, 64))
            opt = gw.optim.SGD(net.parameters(), lr=0.1)
            x = gw.tensor(np.random.default_rng(2).standard_normal((96, 300), dtype=np.float32))
            for _ in range(3):
                loss = net(x).square().mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
            return loss.item(), net[0].weight.grad.numpy().copy(), net[0].bias.grad.numpy().copy()
        finally:
            fused.set_enabled(previous)
    (loss_on, grad_on, bias_on), (loss_off, grad_off, bias_off) = run(True), run(False)
    assert loss_on == pytest.approx(loss_off, rel=1e-5)
    assert np.allclose(grad_on, grad_off, rtol=1e-4, atol=1e-6 * np.abs(grad_off).max())
    assert np.allclose(bias_on, bias_off, rtol=1e-4, atol=1e-6 * np.abs(bias_off).max())


def test_the_matmul_op_takes_the_product_and_its_gradients_match():
    rng = np.random.default_rng(5)
    a0, b0 = rng.standard_normal((96, 300), dtype=np.float32), rng.standard_normal((300, 256), dtype=np.float32)
    x0 = rng.standard_normal((4, 24, 300), dtype=np.float32)       # batched @ 2-D: one product over all rows

    def run(enabled):
        previous = fused.set_enabled(enabled)
        try:
            a, b, x = (gw.tensor(v, requires_grad=True) for v in (a0, b0, x0))
            ((a @ b).square().sum() + (x @ b).tanh().sum()).backward()
            return a.grad.numpy(), b.grad.numpy(), x.grad.numpy()
        finally:
            fused.set_enabled(previous)
    for on, off in zip(run(True), run(False)):
        np.testing.assert_allclose(on, off, rtol=1e-4, atol=1e-5 * np.abs(off).max())


@compiled
def test_a_large_layers_bias_and_relu_come_in_one_pass_after_numpys_product():
    rng = np.random.default_rng(7)
    a, b = rng.standard_normal((512, 1024), dtype=np.float32), rng.standard_normal((1024, 600), dtype=np.float32)
    a[0, :] = np.nan                    # a NaN row stays NaN; a zero row with a -0 bias becomes +0
    a[1, :] = 0.0
    bias = rng.standard_normal(600, dtype=np.float32)
    bias[:3] = -0.0
    assert gemm._kernels(a, b, bias) is None                 # too large for the compiled product
    out, r = gemm.matmul(a, b, bias, relu=True)
    assert r is out and r.flags.c_contiguous
    np.testing.assert_array_equal(r, gw.relu(gw.tensor(a @ b + bias)).numpy())
    np.testing.assert_allclose(r[2:], np.maximum(blas.addmm(bias, a, b), 0)[2:], rtol=1e-5, atol=1e-4)
    assert np.isnan(r[0]).all() and not np.signbit(r[1]).any()
    plain = gemm.matmul(a, b, bias)                          # no ReLU asked: addmm as before
    np.testing.assert_array_equal(plain[2:], blas.addmm(bias, a, b)[2:])
