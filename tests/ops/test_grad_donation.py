"""ReLU's backward writes into the gradient it was handed when nothing else can see that array
(autograd.grad_is_free), and never when something can: a tensor hook that kept it, a captured
gradient, a global backward hook."""
import numpy as np
import pytest

import gradwise as gw
from gradwise import autograd
from gradwise.ops import activation, fused

if not fused.available():
    pytest.skip(f"the fused kernels are {fused.status()}", allow_module_level=True)


@pytest.fixture
def spy(monkeypatch):
    """Records, for each compiled ReLU backward, whether it was told to write into g."""
    calls = []
    real = fused._Kernels.relu_backward

    def relu_backward(self, y, g, out=None):
        calls.append(out is g)
        return real(self, y, g, out=out)
    monkeypatch.setattr(fused._Kernels, "relu_backward", relu_backward)
    return calls


def _net_and_data(seed=0):
    gw.manual_seed(seed)
    net = gw.nn.Sequential(gw.nn.Linear(32, 256), gw.nn.ReLU(), gw.nn.Linear(256, 10))
    rng = np.random.default_rng(seed)
    x = gw.tensor(rng.standard_normal((96, 32), dtype=np.float32))     # 96 x 256: the compiled ReLU
    y = gw.tensor(rng.integers(0, 10, 96))
    return net, x, y


def _grads(net, x, y):
    net.zero_grad()
    gw.nn.functional.cross_entropy(net(x), y).backward()
    return [p.grad.numpy().copy() for p in net.parameters()]


def test_relu_backward_writes_into_a_free_gradient_with_the_same_result(spy, monkeypatch):
    net, x, y = _net_and_data()
    donated = _grads(net, x, y)
    assert spy == [True]
    monkeypatch.setattr(activation, "grad_is_free", lambda g: False)     # a new array: the reference
    reference = _grads(net, x, y)
    assert spy == [True, False]
    for a, b in zip(donated, reference):
        np.testing.assert_array_equal(a, b)
    previous = fused.set_enabled(False)     # and NumPy's path, to rounding (its products differ)
    try:
        for a, b in zip(donated, _grads(net, x, y)):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-7)
    finally:
        fused.set_enabled(previous)


def test_a_gradient_a_hook_kept_is_not_overwritten(spy):
    net, x, y = _net_and_data()
    kept = []
    h = net[1](net[0](x))
    h.register_hook(lambda g: kept.append(g))
    gw.nn.functional.cross_entropy(net[2](h), y).backward()
    assert spy == [False]
    # the gradient reaching the ReLU's output is the head's input gradient, unmasked
    g_out = kept[0].numpy() if hasattr(kept[0], "numpy") else np.asarray(kept[0])
    assert (g_out[h.numpy() == 0] != 0).any()


def test_a_captured_gradient_is_not_overwritten(spy):
    net, x, y = _net_and_data()
    h = net[1](net[0](x))
    loss = gw.nn.functional.cross_entropy(net[2](h), y)
    g_h, g_w = gw.autograd.grad(loss, [h, net[0].weight])
    assert spy == [False]
    assert (g_h.numpy()[h.numpy() == 0] != 0).any()       # not masked by the ReLU's backward


def test_no_donation_under_a_global_backward_hook(spy, monkeypatch):
    seen = []
    monkeypatch.setattr(autograd._Hooks, "backward", lambda fn, g, in_grads: seen.append(g.copy()))
    net, x, y = _net_and_data()
    _grads(net, x, y)
    assert spy == [False] and seen


def test_grad_is_free_counts_references():
    g = np.ones((4, 4), np.float32)

    def backward(grad):     # as an op's backward called by the engine: its variable and this argument
        return autograd.grad_is_free(grad)
    assert backward(g)
    other = g                       # one more holder
    assert not backward(g)
    del other
    view = g.reshape(16)
    assert not backward(g)          # a view of it exists
    del view
    g.flags.writeable = False
    assert not backward(g)
