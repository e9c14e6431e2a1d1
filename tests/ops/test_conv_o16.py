"""The direct convolution over a vector of output channels (16 on AVX-512, 8 on AVX2;
ops/conv_o16.py, conv_kernels.c) against the NumPy path it replaces."""
import numpy as np
import pytest

import gradwise as gw
from gradwise.ops import fused

if fused.vector_floats() < 8:
    pytest.skip("the direct convolution over output channels is taken on AVX2 and AVX-512 CPUs with a C compiler only",
                allow_module_level=True)

from .test_fused import K, _both_paths, _spy  # noqa: E402


def _run(x, w, b, x_layout, **kw):
    xt = gw.tensor(x if x_layout == "batch" else np.ascontiguousarray(x.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3),
                   requires_grad=True)
    wt, bt = gw.tensor(w, requires_grad=True), None if b is None else gw.tensor(b, requires_grad=True)
    out = gw.functional.conv2d(xt, wt, bt, **kw)
    (out * out).sum().backward()
    return [out.numpy(), xt.grad.numpy(), wt.grad.numpy()] + ([] if b is None else [bt.grad.numpy()])


@pytest.mark.parametrize("xshape,wshape,kw,bias,x_layout", [
    ((4, 6, 14, 14), (16, 6, 5, 5), dict(), True, "channel"),      # LeNet's second convolution, fewer images
    ((3, 2, 9, 33), (32, 2, 5, 5), dict(padding=2), False, "batch"),   # wide rows: chunks of 14, then the rest
    ((2, 5, 7, 8), (16, 5, 3, 3), dict(), True, "batch"),           # 3x3 without padding
    ((2, 3, 6, 6), (16, 3, 3, 3), dict(padding=(0, 2)), True, "channel"),
    ((1, 4, 5, 5), (16, 4, 5, 5), dict(), True, "batch"),           # a single output position
    ((3, 16, 16, 16), (32, 16, 3, 3), dict(stride=2, padding=1), False, "channel"),   # ResNet's downsampling
    ((2, 3, 11, 12), (16, 3, 5, 5), dict(stride=2), True, "batch"),    # a row and a column left over
    ((2, 3, 40, 40), (16, 3, 5, 5), dict(), False, "channel"),     # the weight gradient a few rows at a time
    ((1, 2, 5, 1100), (16, 2, 3, 3), dict(), True, "batch"),       # rows longer than its buffer: parts of a row
])
def test_direct_16_channel_convolution_matches_the_numpy_path(xshape, wshape, kw, bias, x_layout, monkeypatch):
    rng = np.random.default_rng(21)
    x = rng.standard_normal(xshape).astype(np.float32)
    w = rng.standard_normal(wshape).astype(np.float32)
    b = rng.standard_normal(wshape[0]).astype(np.float32) if bias else None
    calls = _spy(monkeypatch, "conv16", "conv_input_grad_flat", "conv16_weight_grad")
    fast, slow = _both_paths(lambda: _run(x, w, b, x_layout, **kw))
    strided = kw.get("stride", 1) != 1         # the input gradient then scatters columns back
    assert calls == ["conv16"] + ([] if strided else ["conv_input_grad_flat"]) + ["conv16_weight_grad"]
    for a, e in zip(fast, slow):
        np.testing.assert_allclose(a, e, rtol=1e-4, atol=1e-3 * np.abs(e).max())


def test_weight_gradient_reads_a_batch_major_output_gradient():
    """The weight gradient reads the output gradient's planes in place, in either order of images
    and channels: here batch-major (the loss flattens each image)."""
    rng = np.random.default_rng(25)
    x, w = rng.standard_normal((3, 4, 12, 12)).astype(np.float32), rng.standard_normal((16, 4, 5, 5)).astype(np.float32)

    def run():
        wt = gw.tensor(w, requires_grad=True)
        out = gw.functional.conv2d(gw.tensor(x), wt, stride=2)
        (out.reshape(3, -1) ** 2).sum().backward()
        return wt.grad.numpy()
    fast, slow = _both_paths(run)
    np.testing.assert_allclose(fast, slow, rtol=1e-4, atol=1e-3 * np.abs(slow).max())


@pytest.mark.parametrize("wshape,kw", [
    ((12, 6, 5, 5), dict()),                 # not a multiple of 8 or 16 outputs
    ((16, 6, 4, 4), dict()),                 # a kernel size without a compiled weight gradient
    ((16, 6, 5, 5), dict(stride=3)),
    ((16, 6, 3, 3), dict(padding=1)),        # 3x3 "same": conv_direct's
])
def test_other_convolutions_do_not_take_it(wshape, kw, monkeypatch):
    rng = np.random.default_rng(22)
    x = gw.tensor(rng.standard_normal((2, 6, 16, 16)).astype(np.float32))
    calls = _spy(monkeypatch, "conv16")
    gw.functional.conv2d(x, gw.tensor(rng.standard_normal(wshape).astype(np.float32)), **kw)
    assert calls == []


def test_parts_on_openblas_threads_or_alone_agree(monkeypatch):
    rng = np.random.default_rng(23)
    x = rng.standard_normal((5, 6, 12, 12)).astype(np.float32)
    w = rng.standard_normal((32, 6, 5, 5)).astype(np.float32)
    pooled = _run(x, w, None, "batch")
    monkeypatch.setattr(K, "pool", lambda: (None, 1))
    for a, e in zip(pooled, _run(x, w, None, "batch")):
        np.testing.assert_array_equal(a, e)


@pytest.mark.parametrize("x_layout", ["batch", "channel"])
def test_output_is_channel_major_whatever_the_input_layout(x_layout):
    """Convolution outputs are channel-major views (batch norm and the next convolution read each
    channel as one row); an output allocated in the input's layout was batch-major for a
    channel-major input, and every consumer copied it."""
    rng = np.random.default_rng(24)
    x = rng.standard_normal((4, 8, 10, 10)).astype(np.float32)
    if x_layout == "channel":
        x = np.ascontiguousarray(x.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
    w = rng.standard_normal((16, 8, 3, 3)).astype(np.float32)
    out = gw.functional.conv2d(gw.tensor(x), gw.tensor(w), stride=2).numpy()
    assert out.transpose(1, 0, 2, 3).flags.c_contiguous
