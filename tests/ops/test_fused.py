"""The compiled, fused kernels (ops/fused.py, fused_kernels.c) against the NumPy code they replace."""
import contextlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import gradwise as gw
from gradwise.ops import fused
from gradwise.ops.recurrent import lstm_sequence

if not fused.available():
    pytest.skip(f"the fused kernels are {fused.status()}", allow_module_level=True)
K = fused.kernels()


@contextlib.contextmanager
def numpy_only_context():
    previous = fused.set_enabled(False)
    try:
        yield
    finally:
        fused.set_enabled(previous)


@pytest.fixture
def numpy_only():
    with numpy_only_context():
        yield


def test_exp_and_tanh_are_accurate_over_float32s_range():
    x = np.concatenate([np.linspace(-100, 100, 400_001), [-1e30, -88.5, 0.0, 1e-30, 88.5, 1e30]]).astype(np.float32)
    out = np.empty_like(x)
    K.exp(x, out)
    inside = (x > -87) & (x < 88)
    ref = np.exp(x[inside].astype(np.float64))
    assert np.max(np.abs(out[inside] - ref) / ref) < 2e-7
    assert np.all(np.isfinite(out)) and out[x <= -87].max() < 2e-38 and out[x >= 88].min() > 1e38
    K.tanh(x, out)
    assert np.max(np.abs(out - np.tanh(x.astype(np.float64)))) < 3e-7
    assert out[x >= 10].min() == 1.0 and out[x <= -10].max() == -1.0


def test_the_library_is_cached_and_a_missing_compiler_falls_back(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADWISE_CACHE_DIR", str(tmp_path))
    first = fused._library()
    assert first.parent == tmp_path and fused._library() == first          # built once, then reused
    assert [p.name for p in tmp_path.iterdir()] == [first.name]            # no temporary file left
    monkeypatch.setenv("CC", str(tmp_path / "no-such-compiler"))
    monkeypatch.setattr(fused, "_STATE", dict(fused._STATE, tried=False, kernels=None))
    assert not fused.available() and "no-such-compiler" in fused.status()
    assert fused.kernels(np.zeros(3, np.float32)) is None                  # callers then run NumPy


def test_kernels_serve_only_contiguous_float32_numpy_arrays(numpy_only):
    a = np.zeros((4, 3), np.float32)
    assert fused.kernels(a) is None                 # turned off
    fused.set_enabled(True)
    assert fused.kernels(a) is K
    assert fused.kernels(a.astype(np.float64), dtypes=(np.float32, np.float64)) is K
    assert fused.kernels(a.astype(np.float64)) is None
    assert fused.kernels(a.T) is None
    assert fused.kernels(a, [1.0]) is None


def _lstm_run(rng, steps, batch, inp, hid, scale, states, bias, live):
    x = gw.tensor(rng.standard_normal((steps, batch, inp), dtype=np.float32) * scale, requires_grad=True)
    w_ih = gw.tensor(rng.standard_normal((4 * hid, inp), dtype=np.float32) * 0.3, requires_grad=True)
    w_hh = gw.tensor(rng.standard_normal((4 * hid, hid), dtype=np.float32) * 0.3, requires_grad=True)
    b = [gw.tensor(rng.standard_normal(4 * hid, dtype=np.float32), requires_grad=True) for _ in range(2)] \
        if bias else [None, None]
    h0, c0 = (gw.tensor(rng.standard_normal((batch, hid), dtype=np.float32), requires_grad=True) if states
              else gw.zeros(batch, hid) for _ in range(2))
    out, h, c = lstm_sequence(x, h0, c0, w_ih, w_hh, *b)
    loss = (out * out).sum() if live == "all" else out[-1].sum() + (h * c).sum()
    loss.backward()
    leaves = [x, w_ih, w_hh] + [t for t in b + [h0, c0] if t is not None and t.requires_grad]
    return [out.numpy(), h.numpy(), c.numpy()] + [t.grad.numpy() for t in leaves]


@pytest.mark.parametrize("steps,batch,inp,hid,scale,states,bias,live", [
    (7, 5, 3, 4, 1.0, True, True, "all"),
    (12, 16, 8, 32, 2.0, False, True, "last"),
    (3, 1, 2, 3, 1.0, True, False, "all"),
    (5, 4, 3, 6, 300.0, True, True, "all"),        # saturated gates: exactly 0 or 1, never nan
])
def test_fused_lstm_matches_the_numpy_path(steps, batch, inp, hid, scale, states, bias, live):
    args = (steps, batch, inp, hid, scale, states, bias, live)
    fast, slow = _both_paths(lambda: _lstm_run(np.random.default_rng(3), *args))
    for a, b in zip(fast, slow):
        assert np.all(np.isfinite(a))
        np.testing.assert_allclose(a, b, rtol=2e-4, atol=2e-5 * max(1.0, np.abs(b).max()))


def test_fused_lstm_runs_compiled_and_reports_the_same_step_norms(monkeypatch):
    from gradwise.ops import lstm_fused, recurrent
    _Hooks = recurrent._Hooks
    calls = []
    for name in ("forward", "backward"):
        monkeypatch.setattr(lstm_fused, name, lambda *a, _f=getattr(lstm_fused, name), _n=name: (calls.append(_n),
                                                                                                _f(*a))[1])
    seen = []
    monkeypatch.setattr(_Hooks, "begin", None)               # no doctor left over from another test
    monkeypatch.setattr(_Hooks, "time_steps", lambda fn, norms: seen.append(norms))
    fast, slow = _both_paths(lambda: _lstm_run(np.random.default_rng(8), 9, 3, 2, 5, 1.0, True, True, "all"))
    assert calls == ["forward", "backward"]
    assert len(seen) == 2 and len(seen[0]) == 9
    np.testing.assert_allclose(seen[0], seen[1], rtol=1e-5)         # the doctor's per-step gradient norms
    for a, b in zip(fast, slow):
        np.testing.assert_allclose(a, b, rtol=2e-4, atol=1e-5)


def test_fused_lstm_inference_and_layers_match_the_numpy_path():
    rng = np.random.default_rng(0)
    gw.manual_seed(0)
    lstm = gw.nn.LSTM(6, 8, num_layers=2, bidirectional=True, batch_first=True)
    x = gw.tensor(rng.standard_normal((3, 9, 6), dtype=np.float32))
    with gw.no_grad():
        fast, slow = _both_paths(lambda: lstm(x)[0].numpy())
    np.testing.assert_allclose(fast, slow, rtol=1e-5, atol=1e-6)


def _both_paths(run):
    """run() with the kernels, then with NumPy only."""
    fast = run()
    previous = fused.set_enabled(False)
    try:
        return fast, run()
    finally:
        fused.set_enabled(previous)


def _spy(monkeypatch, *names):
    """The names of the kernels called from now on, in order."""
    calls = []
    for name in names:
        monkeypatch.setattr(K, name, lambda *a, _f=getattr(K, name), _n=name, **kw: (calls.append(_n), _f(*a, **kw))[1])
    return calls


def _assert_all_close(fast, slow, dtype, atol):
    for a, b in zip(fast, slow):
        np.testing.assert_allclose(a, b, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=atol)


def _conv_grads(x, w, **kw):
    xt, wt = gw.tensor(x, requires_grad=True), gw.tensor(w, requires_grad=True)
    out = gw.functional.conv2d(xt, wt, **kw)
    (out * out).sum().backward()
    return out.numpy(), xt.grad.numpy(), wt.grad.numpy()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,kw,kernel", [
    ((2, 3, 9, 11), dict(stride=2, padding=1), "add_windows"),     # strided: im2col's adjoint
    ((2, 4, 10, 9), dict(stride=(1, 2), padding=(2, 1), dilation=(2, 1)), "add_windows"),
    ((3, 2, 12, 12), dict(), "add_runs"),                          # narrow output: the row lowering's scatter
    ((2, 2, 7, 8), dict(padding=1, dilation=2), "add_runs"),
])
def test_fused_convolution_scatters_match_the_numpy_path(dtype, shape, kw, kernel, monkeypatch):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape).astype(dtype)
    w = rng.standard_normal((5, shape[1], 3, 3)).astype(dtype)
    calls = _spy(monkeypatch, "add_windows", "add_runs")
    fast, slow = _both_paths(lambda: _conv_grads(x, w, **kw))
    assert calls == [kernel]                                        # the kernel under test ran (once: fused)
    _assert_all_close(fast, slow, dtype, 1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_window_sums_zero_an_uninitialised_output_first(dtype):
    """sum_windows hands the kernel an uninitialised array and asks it to zero each plane."""
    rng = np.random.default_rng(3)
    cols = rng.standard_normal((3, 3, 3, 2, 4, 5)).astype(dtype)              # (C, kh, kw, N, oh, ow)
    want = np.zeros((3, 2, 9, 11), dtype)
    for i in range(3):
        for j in range(3):
            want[:, :, i:i + 7:2, j:j + 9:2] += cols[:, i, j]
    out = np.full((3, 2, 9, 11), np.nan, dtype)
    K.add_windows(out, cols, 2, 2, 1, 1, zero=True)
    np.testing.assert_allclose(out, want, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(gw.ops.conv.sum_windows((3, 2, 9, 11), cols, (2, 2), (1, 1)), want, rtol=1e-6,
                               atol=1e-6)


def test_fused_transposed_convolution_matches_the_numpy_path():
    rng = np.random.default_rng(2)
    x = gw.tensor(rng.standard_normal((2, 4, 5, 6), dtype=np.float32))
    w = gw.tensor(rng.standard_normal((4, 3, 3, 3), dtype=np.float32))
    fast, slow = _both_paths(
        lambda: gw.functional.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1).numpy())
    np.testing.assert_allclose(fast, slow, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("xshape,wshape,kw", [
    ((2, 1, 9, 10), (3, 1, 5, 5), dict(padding=2)),                 # LeNet's first convolution, small
    ((2, 2, 8, 9), (4, 2, 3, 4), dict(padding=(1, 3), dilation=(1, 2))),
    ((3, 1, 20, 17), (8, 1, 1, 6), dict()),
])
def test_shallow_convolution_matches_the_numpy_path(dtype, xshape, wshape, kw, monkeypatch):
    rng = np.random.default_rng(4)
    x = rng.standard_normal(xshape).astype(dtype)
    w = rng.standard_normal(wshape).astype(dtype)
    calls = _spy(monkeypatch, "shallow_conv")
    fast, slow = _both_paths(lambda: _conv_grads(x, w, **kw))
    assert calls                                                   # the kernel under test ran
    _assert_all_close(fast, slow, dtype, 1e-4)


def test_shallow_convolution_gradcheck():
    rng = np.random.default_rng(5)
    x = gw.tensor(rng.standard_normal((2, 1, 6, 7)), requires_grad=True)
    w = gw.tensor(rng.standard_normal((3, 1, 4, 5)), requires_grad=True)
    b = gw.tensor(rng.standard_normal(3), requires_grad=True)
    assert gw.gradcheck(lambda x, w, b: gw.functional.conv2d(x, w, b, padding=(1, 2)), (x, w, b))


@pytest.mark.skipif(fused.vector_floats() < 8, reason="the direct 3x3 convolution is taken on AVX2 and AVX-512 CPUs only")
@pytest.mark.parametrize("shape,outs", [((2, 8, 5, 16), 8), ((3, 16, 4, 32), 16), ((2, 3, 3, 16), 8)])
def test_direct_convolution_matches_the_numpy_path(shape, outs, monkeypatch):
    rng = np.random.default_rng(9)
    x = rng.standard_normal(shape).astype(np.float32)
    w = rng.standard_normal((outs, shape[1], 3, 3)).astype(np.float32)
    b = rng.standard_normal(outs).astype(np.float32)
    calls = _spy(monkeypatch, "conv3x3")

    x_grad = shape[1] % 8 == 0          # the input gradient runs the kernel too when C % 8 == 0

    def run():
        xt, wt, bt = gw.tensor(x, requires_grad=x_grad), gw.tensor(w, requires_grad=True), gw.tensor(b, requires_grad=True)
        out = gw.functional.conv2d(xt, wt, bt, padding=1)
        (out * out).sum().backward()
        return [out.numpy(), wt.grad.numpy(), bt.grad.numpy()] + ([xt.grad.numpy()] if x_grad else [])

    fast, slow = _both_paths(run)
    assert calls == ["conv3x3"] * (2 if x_grad else 1)
    _assert_all_close(fast, slow, np.float32, 1e-3)


@pytest.mark.skipif(fused.vector_floats() < 8, reason="the direct 3x3 convolution is taken on AVX2 and AVX-512 CPUs only")
@pytest.mark.parametrize("shape,outs,kernels", [
    ((2, 8, 4, 16), 8, ["conv3x3", "conv3x3", "conv3x3_weight_grad"]),
    ((3, 8, 6, 32), 16, ["conv3x3", "conv3x3", "conv3x3_weight_grad"]),
    ((2, 8, 5, 16), 8, ["conv3x3", "conv3x3", "conv3x3_flat_weight_grad"]),       # odd height
    ((2, 8, 8, 8), 16, ["conv3x3_flat", "conv3x3_flat", "conv3x3_flat_weight_grad"]),   # ResNet's 8x8 stage
    ((3, 16, 7, 14), 8, ["conv3x3_flat", "conv3x3_flat", "conv3x3_flat_weight_grad"]),
    ((2, 8, 3, 5), 8, []),                                          # too narrow: the columns
])
def test_direct_weight_gradient_and_flat_planes_match_the_numpy_path(shape, outs, kernels, monkeypatch):
    rng = np.random.default_rng(10)
    x = rng.standard_normal(shape).astype(np.float32)
    w = rng.standard_normal((outs, shape[1], 3, 3)).astype(np.float32)
    calls = _spy(monkeypatch, "conv3x3", "conv3x3_flat", "conv3x3_weight_grad", "conv3x3_flat_weight_grad")
    fast, slow = _both_paths(lambda: _conv_grads(x, w, padding=1))
    assert calls == kernels
    _assert_all_close(fast, slow, np.float32, 1e-3)


def test_kernels_split_over_openblas_threads_or_run_alone(monkeypatch):
    """The same results whether the parts run on OpenBLAS's threads or one after another."""
    from gradwise import blas
    rng = np.random.default_rng(11)
    x = rng.standard_normal((4, 16, 6, 16)).astype(np.float32)
    w = rng.standard_normal((16, 16, 3, 3)).astype(np.float32)
    run = lambda: _conv_grads(x, w, padding=1) + (gw.functional.batch_norm(          # noqa: E731
        gw.tensor(np.ascontiguousarray(x.transpose(1, 0, 2, 3))).permute(1, 0, 2, 3), None, None,
        training=True).numpy(),)
    where, threads = K.pool()
    assert (where is None) == (blas.pool()[0] is None or blas.pool()[1] < 2)
    split = run()
    monkeypatch.setattr(blas, "pool", lambda: (None, 1))
    assert K.pool() == (None, 1)
    for a, b in zip(split, run()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("shape", [(4, 3, 5, 7), (8, 16, 8, 8)])
def test_compiled_batch_norm_matches_the_numpy_path(affine, shape, monkeypatch):
    rng = np.random.default_rng(12)
    x = (rng.standard_normal(shape) * 3 + 50).astype(np.float32)      # a large mean: no cancellation
    gout = rng.standard_normal(shape).astype(np.float32)
    calls = _spy(monkeypatch, "norm_forward", "norm_backward")

    def run():
        gw.manual_seed(0)
        bn = gw.nn.BatchNorm2d(shape[1], affine=affine)
        if affine:
            bn.weight.data = gw.tensor(np.linspace(-1, 2, shape[1], dtype=np.float32))
            bn.bias.data = gw.tensor(np.linspace(0.5, 1, shape[1], dtype=np.float32))
        cm = gw.tensor(np.ascontiguousarray(x.transpose(1, 0, 2, 3)), requires_grad=True)   # as a conv hands it on
        out = bn(cm.permute(1, 0, 2, 3))
        (out * gw.tensor(gout)).sum().backward()
        got = [out.numpy(), cm.grad.numpy(), bn.running_mean.numpy(), bn.running_var.numpy()]
        return got + ([bn.weight.grad.numpy(), bn.bias.grad.numpy()] if affine else [])

    fast, slow = _both_paths(run)
    assert calls == ["norm_forward", "norm_backward"]
    _assert_all_close(fast, slow, np.float32, 1e-4)


@pytest.mark.parametrize("layout", ["c", "channel-major"])
def test_compiled_add_for_residual_sums_and_gradient_forks(layout, monkeypatch):
    rng = np.random.default_rng(12)
    x = rng.standard_normal((8, 16, 24, 24)).astype(np.float32)             # 73,728 floats: compiled
    if layout != "c":
        x = np.ascontiguousarray(x.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
    y = (x * 0.5 + 1).astype(np.float32)
    calls = _spy(monkeypatch, "add")

    def run():
        xt = gw.tensor(x, requires_grad=True)
        s = xt * gw.tensor(y) + xt                  # a residual sum; xt's gradient sums at the fork
        (s * s).sum().backward()
        return s.numpy(), xt.grad.numpy()

    fast, slow = _both_paths(run)
    assert calls == ["add"] * 3                 # the sum; the forks at s (s * s) and at xt
    _assert_all_close(fast, slow, np.float32, 1e-5)
    assert fast[0].strides == x.strides and fast[1].strides == x.strides
    np.testing.assert_array_equal(K.add(x, y), x + y)
    assert K.add(x, y[:, :, ::-1]) is None and K.add(x.astype(np.float64), y) is None


@pytest.mark.parametrize("layout", ["c", "channel-major"])
def test_compiled_relu_matches_the_numpy_path(layout, monkeypatch):
    rng = np.random.default_rng(13)
    x = rng.standard_normal((8, 16, 24, 24)).astype(np.float32)             # 73,728 floats: compiled
    x.flat[:4] = [np.nan, -0.0, 0.0, -np.inf]                               # as NumPy's maximum
    if layout != "c":
        x = np.ascontiguousarray(x.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
    gout = rng.standard_normal(x.shape).astype(np.float32)
    calls = _spy(monkeypatch, "relu_forward", "relu_backward")

    def run():
        xt = gw.tensor(x, requires_grad=True)
        y = gw.functional.relu(xt)
        (y * gw.tensor(gout)).sum().backward()
        return y.numpy(), xt.grad.numpy()

    fast, slow = _both_paths(run)
    assert calls == ["relu_forward", "relu_backward"]
    _assert_all_close(fast, slow, np.float32, 0)
    assert np.array_equal(np.signbit(fast[0]), np.signbit(slow[0]))        # -0 becomes 0, as in NumPy
    assert fast[0].strides == x.strides                                     # laid out like its input
    assert fused.dense(x) is not None and fused.dense(x[:, :, ::2]) is None
    assert K.relu_forward(x[:, :, ::2]) is None                             # not one block: NumPy's


@pytest.mark.skipif(fused.vector_floats() < 8, reason="the batch-split LSTM loops are taken on AVX2 and AVX-512 CPUs only")
@pytest.mark.parametrize("steps,batch,hid,live", [(6, 32, 8, "all"), (5, 48, 16, "last"), (4, 64, 24, "all")])
def test_batch_split_lstm_matches_the_numpy_path_and_reports_the_same_norms(steps, batch, hid, live, monkeypatch):
    """Batch blocks side by side on OpenBLAS's threads (or one after another without them), each
    step's product by the kernel file's own: the same outputs, gradients and per-step norms."""
    from gradwise import blas
    from gradwise.ops import lstm_fused, recurrent
    splits = []
    monkeypatch.setattr(lstm_fused, "_split", lambda *a, _f=lstm_fused._split: splits.append(_f(*a)) or splits[-1])
    seen = []
    monkeypatch.setattr(recurrent._Hooks, "begin", None)
    monkeypatch.setattr(recurrent._Hooks, "time_steps", lambda fn, norms: seen.append(norms))
    run = lambda: _lstm_run(np.random.default_rng(14), steps, batch, 3, hid, 1.0, True, True, live)   # noqa: E731
    threads = blas.pool()[1]
    fast, slow = _both_paths(run)
    assert len(splits) == 1 and (splits[0][0] is not None) == (threads > 1)     # the backward reuses the plan
    assert blas.pool()[1] == threads            # OpenBLAS's thread count restored after the blocks' weight gradients
    assert threads == 1 or blas.set_threads_address() is not None          # so fast's blocks computed them
    monkeypatch.setattr(blas, "set_threads_address", lambda: None)
    after = run()                               # the weight gradient as one GEMM after the loops
    monkeypatch.setattr(blas, "pool", lambda: (None, 1))
    serial = run()                              # no pool: the OpenBLAS-product loops
    for a, b, c, e in zip(fast, slow, serial, after):
        for got in (a, c, e):
            np.testing.assert_allclose(got, b, rtol=2e-4, atol=2e-5 * max(1.0, np.abs(b).max()))
    np.testing.assert_allclose(seen[0], seen[1], rtol=1e-5)


@pytest.mark.parametrize("batch", [5, 32])
def test_compiled_lstm_layer_batch_first_matches_the_numpy_path(batch):
    """A batch-first input reaches the kernels as a strided (T, B, I) view; the output is written
    by the kernels (time-major, contiguous) whatever the input's layout."""
    rng = np.random.default_rng(17)
    gw.manual_seed(1)
    lstm = gw.nn.LSTM(5, 16, batch_first=True)
    x = rng.standard_normal((batch, 7, 5), dtype=np.float32)

    def run():
        xt = gw.tensor(x, requires_grad=True)
        out, (h, c) = lstm(xt)
        ((out * out).sum() + (h * c).sum()).backward()
        grads = [p.grad.numpy().copy() for p in lstm.parameters()]
        lstm.zero_grad()
        return [out.numpy(), h.numpy(), c.numpy(), xt.grad.numpy()] + grads

    fast, slow = _both_paths(run)
    for a, b in zip(fast, slow):
        np.testing.assert_allclose(a, b, rtol=2e-4, atol=2e-5 * max(1.0, np.abs(b).max()))


@pytest.mark.parametrize("layout", ["c", "channel-major"])
def test_compiled_max_pool_backward_matches_the_numpy_path(layout, monkeypatch):
    rng = np.random.default_rng(15)
    x = np.maximum(rng.standard_normal((5, 3, 8, 6)).astype(np.float32), 0)     # ties at 0: the first wins
    x[0, 0, 0, 0] = x[0, 0, 0, 1] = 7.0                                         # a tie at the maximum
    x[1, 1, 2:4, 2:4] = np.nan                                                  # a NaN window: no gradient
    if layout != "c":
        x = np.ascontiguousarray(x.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
    gout = rng.standard_normal((5, 3, 4, 3)).astype(np.float32)
    calls = _spy(monkeypatch, "max_pool2_backward")

    def run():
        xt = gw.tensor(x, requires_grad=True)
        (gw.functional.max_pool2d(xt, 2) * gw.tensor(gout)).sum().backward()
        return (xt.grad.numpy(),)

    fast, slow = _both_paths(run)
    assert calls == ["max_pool2_backward"]
    np.testing.assert_array_equal(fast[0], slow[0])
    assert fast[0][0, 0, 0, 0] == gout[0, 0, 0, 0] and fast[0][0, 0, 0, 1] == 0


@pytest.mark.parametrize("pad", [1, 2, 4])
def test_compiled_padding_matches_numpy(pad):
    x = np.random.default_rng(16).standard_normal((3, 2, 5, 7)).astype(np.float32)
    buf = K.pad(x, pad, 16)
    np.testing.assert_array_equal(buf[:-16].reshape(3, 2, 5 + 2 * pad, 7 + 2 * pad),
                                  np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))))
    assert not buf[-16:].any()
    assert K.pad(x.transpose(1, 0, 2, 3), pad, 16) is None and K.pad(x.astype(np.float64), pad, 16) is None


@pytest.mark.parametrize("shape", [(128, 512), (300, 100), (64, 70), (3, 70000)])
def test_relu_of_a_dense_layers_output_split_by_columns_is_exact(shape):
    """Rows of a C-ordered 2-D array go to the threads by column blocks (as the compiled product's
    output): every element once, NaN kept, -0 made 0, the gradient masked."""
    rng = np.random.default_rng(shape[1])
    x = rng.standard_normal(shape, dtype=np.float32)
    x.flat[::97] = np.nan
    x.flat[5::89] = -0.0
    y = K.relu_forward(x)
    assert np.array_equal(y, np.maximum(x, 0), equal_nan=True) and not np.signbit(y[y == 0]).any()
    g = rng.standard_normal(shape, dtype=np.float32)
    assert np.array_equal(K.relu_backward(y, g), g * (y > 0), equal_nan=True)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_compiled_cross_entropy_matches_the_numpy_path(reduction, monkeypatch):
    rng = np.random.default_rng(3)
    x = (rng.standard_normal((128, 10)) * 30).astype(np.float32)
    x[5, 3] = 1e30                                          # one huge logit: its row's loss stays finite
    target = rng.integers(0, 10, 128)

    def run():
        xt = gw.tensor(x, requires_grad=True)
        loss = gw.nn.functional.cross_entropy(xt, gw.tensor(target), reduction=reduction)
        loss.backward()
        return loss.item(), xt.grad.numpy()
    calls = _spy(monkeypatch, "cross_entropy_rows")
    fast = run()
    assert calls == ["cross_entropy_rows"]
    with numpy_only_context():
        slow = run()
    assert fast[0] == pytest.approx(slow[0], rel=1e-6) and np.isfinite(fast[0])
    np.testing.assert_allclose(fast[1], slow[1], rtol=1e-5, atol=1e-6)     # p - 1 near 1: float32 cancels


def test_compiled_cross_entropy_leaves_nan_ignored_and_bad_targets_to_the_numpy_path():
    x = np.random.default_rng(4).standard_normal((8, 5)).astype(np.float32)
    p, total = K.cross_entropy_rows(x, np.arange(8) % 5, -100)
    assert np.allclose(p.sum(axis=1), 1, atol=1e-6)
    assert K.cross_entropy_rows(x, np.array([0, 1, 2, 3, 4, 0, 1, -100]), -100) is None    # ignored: NumPy's
    assert K.cross_entropy_rows(x, np.array([0, 1, 2, 3, 4, 0, 1, 5]), -100) is None       # out of range
    with pytest.raises(gw.errors.GradwiseError, match="5"):
        gw.nn.functional.cross_entropy(gw.tensor(x), gw.tensor(np.array([0, 1, 2, 3, 4, 0, 1, 5])))
    x[2, 1] = np.nan
    p, total = K.cross_entropy_rows(x, np.arange(8) % 5, -100)
    assert np.isnan(total) and np.isnan(p[2]).all() and np.isfinite(p[[0, 1, 3]]).all()


@pytest.mark.parametrize("shape", [(2, 3, 8, 36), (3, 2, 6, 70), (1, 4, 2, 2)])    # vectors and a tail; one window
@pytest.mark.parametrize("layout", ["batch", "channel"])
@pytest.mark.parametrize("g_layout", ["batch", "channel", "cropped"])  # the output gradient read in place
def test_compiled_max_pool_matches_the_numpy_path_with_nans_ties_and_signed_zeros(shape, layout, g_layout,
                                                                                  monkeypatch):
    """2x2, stride-2 max pooling compiled both ways (pool_kernels.c): the same maxima as NumPy's
    running maximum bit for bit (NaN propagates; maximum(0, -0) is -0), the gradient to the first
    maximum of each window (none where it is NaN), laid out like the input."""
    rng = np.random.default_rng(15)
    x = rng.standard_normal(shape).astype(np.float32)
    x.flat[::7], x.flat[1::11], x.flat[2::13], x.flat[3::5] = np.nan, -0.0, 0.0, 1.5     # NaNs, zeros, ties
    x[0, 0, :2, :2] = [[-1, -2], [0, -0.0]]             # which zero wins depends on the order of the maxima
    if shape[3] >= 4:
        x[0, 0, :2, 2:4] = [[0, -0.0], [-0.0, 0]]
    if layout == "channel":
        x = np.ascontiguousarray(x.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
    g = rng.standard_normal((shape[0], shape[1], shape[2] // 2, shape[3] // 2)).astype(np.float32)
    if g_layout == "channel":
        g = np.ascontiguousarray(g.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
    padded = np.zeros((shape[0], shape[1], shape[2] // 2 + 2, shape[3] // 2 + 3), dtype=np.float32)
    padded[:, :, 1:-1, 2:-1] = g        # "cropped": pad's backward hands back this view, rows apart
    calls = _spy(monkeypatch, "max_pool2", "max_pool2_backward")

    def run():
        xt = gw.tensor(x, requires_grad=True)
        y = gw.functional.max_pool2d(xt, 2)
        if g_layout == "cropped":
            (gw.functional.pad(y, (2, 1, 1, 1)) * gw.tensor(padded)).sum().backward()
        else:
            y.backward(gw.tensor(g))
        return y.numpy(), xt.grad.numpy()

    fast, slow = _both_paths(run)
    assert calls == ["max_pool2", "max_pool2_backward"]
    assert fast[0].strides[2:] == slow[0].strides[2:]
    assert shape[0] == 1 or (fast[0].strides[0] > fast[0].strides[1]) == (layout == "batch")     # laid out like x
    for a, e in zip(fast, slow):
        np.testing.assert_array_equal(a, e)
    np.testing.assert_array_equal(np.signbit(fast[0]), np.signbit(slow[0]))     # the gradient's zeros: either sign


def test_the_other_vector_width_passes_the_kernel_and_layer_tests():
    """The kernels are written for two vector widths, VF 16 (AVX-512) and 8 (AVX2), and a machine
    runs one of them. The other's paths are run here too, in a fresh process: an AVX2 build on an
    AVX-512 CPU ($GRADWISE_MARCH=haswell), or AVX-512's paths from GCC's generic vectors on an
    AVX2 one ($GRADWISE_EMULATE_VF16; without the compiled product), each against NumPy's path
    by the same tests (tests/ops, tests/nn)."""
    width = fused.vector_floats()
    if width not in (8, 16) or os.environ.get("GRADWISE_OTHER_WIDTH_RUN"):
        pytest.skip("needs the kernels built for AVX2 or AVX-512 (and is not run inside its own run)")
    env = dict(os.environ, GRADWISE_OTHER_WIDTH_RUN="1")
    if width == 16:
        env["GRADWISE_MARCH"] = "haswell"
    else:
        env["GRADWISE_EMULATE_VF16"] = "1"
    root = Path(__file__).resolve().parents[2]
    probe = subprocess.run([sys.executable, "-c", "from gradwise.ops import fused; print(fused.vector_floats())"],
                           env=env, cwd=root, capture_output=True, text=True, timeout=300)
    assert probe.stdout.split() == [str(24 - width)], probe.stderr      # 16 <-> 8
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "tests/ops",
                           "tests/nn"], env=env, cwd=root, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:]
