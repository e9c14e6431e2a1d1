"""Batch norm on channel-major inputs (what convolutions hand on) takes its own path
(ChannelNorm): same values, gradients and running statistics as the general one."""
import numpy as np
import pytest

import gradwise as gw
import gradwise.functional as F
from gradwise.ops import norm


def _channel_major(shape, rng, dtype=np.float64):
    n, c = shape[:2]
    data = rng.standard_normal((c, n) + shape[2:]).astype(dtype) * 3 + 1.5
    return data.swapaxes(0, 1)


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("shape", [(4, 3, 5, 6), (2, 5, 7)])
def test_matches_the_general_path(affine, shape):
    rng = np.random.default_rng(0)
    x_cm = _channel_major(shape, rng)
    assert norm._channel_major(x_cm) and not x_cm.flags.c_contiguous
    c = shape[1]
    g = rng.standard_normal(shape)
    results = []
    for data in (x_cm, np.ascontiguousarray(x_cm)):    # channel-major path, then the general one
        x = gw.tensor(data, requires_grad=True)
        w = gw.tensor(np.linspace(0.5, 2, c), requires_grad=True) if affine else None
        b = gw.tensor(np.linspace(-1, 1, c), requires_grad=True) if affine else None
        rm, rv = gw.zeros(c, dtype=gw.float64), gw.ones(c, dtype=gw.float64)
        y = F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.3)
        y.backward(gw.tensor(g))
        grads = [x.grad.numpy()] + ([w.grad.numpy(), b.grad.numpy()] if affine else [])
        results.append((y.detach().numpy(), rm.numpy(), rv.numpy(), grads))
    fast, general = results
    for a, b_ in zip(fast[:3], general[:3]):
        np.testing.assert_allclose(a, b_, rtol=1e-10, atol=1e-12)
    for a, b_ in zip(fast[3], general[3]):
        np.testing.assert_allclose(a, b_, rtol=1e-9, atol=1e-10)


def test_channel_major_path_is_taken_and_gradients_are_numerically_right():
    rng = np.random.default_rng(1)
    x = gw.tensor(_channel_major((3, 2, 4, 3), rng), requires_grad=True)
    w = gw.tensor(np.array([0.7, -1.3]), requires_grad=True)
    b = gw.tensor(np.array([0.1, 0.4]), requires_grad=True)
    y = F.batch_norm(x, None, None, w, b, training=True)
    assert y.grad_fn.name() == "ChannelNorm"
    # the numerical check perturbs copies; keep them channel-major so the same path runs
    assert gw.gradcheck(lambda x_, w_, b_: F.batch_norm(x_, None, None, w_, b_, training=True), [x, w, b])


def test_float32_conv_output_takes_the_path():
    rng = np.random.default_rng(2)
    x = gw.tensor(rng.standard_normal((2, 3, 6, 6)).astype(np.float32))
    conv = gw.nn.Conv2d(3, 4, 3, padding=1)
    bn = gw.nn.BatchNorm2d(4)
    out = conv(x)
    assert norm._channel_major(out._data)
    y = bn(out)
    assert y.grad_fn.name() == "ChannelNorm"
    ref = F.batch_norm(gw.tensor(np.ascontiguousarray(out.detach().numpy())), None, None, bn.weight, bn.bias,
                       training=True)
    np.testing.assert_allclose(y.detach().numpy(), ref.detach().numpy(), rtol=1e-4, atol=1e-5)
