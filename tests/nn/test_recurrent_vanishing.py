"""A gradient through time that vanishes is flushed to exactly 0 below 1e-30 (ops/recurrent.py):
the same gradients to float32 precision, and no slow subnormal arithmetic."""
import numpy as np
import pytest

import gradwise as gw
from gradwise.ops import recurrent


def _grads(cell, monkeypatch, flush):
    monkeypatch.setattr(recurrent, "VANISHED", 1e-30 if flush else 0.0)
    gw.manual_seed(0)
    layer = cell(4, 8)
    with gw.no_grad():
        for p in layer.parameters():
            p.mul_(0.05)                    # small weights: the gradient shrinks at least 2x a step
    x = gw.tensor(np.random.default_rng(0).standard_normal((160, 2, 4), dtype=np.float32), requires_grad=True)
    out = layer(x)[0]
    out[-1].sum().backward()
    return x.grad.numpy(), [p.grad.numpy().copy() for p in layer.parameters()]


@pytest.mark.parametrize("cell", [gw.nn.LSTM, gw.nn.GRU, gw.nn.RNN])
def test_vanished_gradient_flushed_and_results_unchanged(cell, monkeypatch):
    gx, gp = _grads(cell, monkeypatch, flush=True)
    rx, rp = _grads(cell, monkeypatch, flush=False)
    tiny = [t for t in range(len(rx)) if 0 < np.abs(rx[t]).max() < 1e-30]     # without flushing: tiny steps
    assert tiny and any(np.all(gx[t] == 0) for t in tiny)                   # with it: exactly 0
    np.testing.assert_allclose(gx, rx, rtol=0, atol=1e-30)
    for a, b in zip(gp, rp):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-30)


def test_live_gradient_is_never_flushed(monkeypatch):
    gx, _ = _grads(gw.nn.LSTM, monkeypatch, flush=True)
    assert np.abs(gx[-1]).max() > 1e-6                  # the last steps keep their gradient
