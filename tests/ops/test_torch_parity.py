"""Same inputs through gradwise and PyTorch: values and gradients agree.

PyTorch is never a dependency: this module skips without it (``pip install torch==2.13.0``).
The NumPy references in the other test modules carry the same semantics in CI.
"""
import numpy as np
import pytest

import gradwise as gw
import gradwise.functional as F
from tests.helpers import arr

torch = pytest.importorskip("torch", reason="PyTorch parity checks need `pip install torch==2.13.0`")
TF = torch.nn.functional


def both(fn_gw, fn_torch, inputs, const=(), atol=1e-6):
    """Run both frameworks in float64 on ``inputs`` (differentiated) and ``const`` (passed as is)."""
    g_in = [gw.tensor(a.copy(), requires_grad=True) for a in inputs]
    t_in = [torch.tensor(a.copy(), requires_grad=True) for a in inputs]
    out_g, out_t = fn_gw(*g_in, *const), fn_torch(*t_in, *[torch.as_tensor(c) for c in const])
    np.testing.assert_allclose(out_g.numpy(), out_t.detach().numpy(), atol=atol, rtol=1e-6)
    w = np.random.default_rng(0).uniform(-1, 1, size=out_g.shape)
    (out_g * w).sum().backward()
    (out_t * torch.tensor(w)).sum().backward()
    for g, t in zip(g_in, t_in):
        np.testing.assert_allclose(g.grad, t.grad.numpy(), atol=atol, rtol=1e-5)


@pytest.mark.parametrize("kw", [
    {}, dict(reduction="sum"), dict(reduction="none"), dict(label_smoothing=0.2),
    dict(weight=True), dict(weight=True, label_smoothing=0.3), dict(ignore=True, weight=True, label_smoothing=0.1),
    dict(ignore=True, reduction="none", label_smoothing=0.1),
], ids=str)
@pytest.mark.parametrize("shape", [(6, 4), (4,), (3, 4, 2)])
def test_cross_entropy_class_targets(shape, kw):
    kw = dict(kw)
    k = shape[0] if len(shape) == 1 else shape[1]
    rng = np.random.default_rng(1)
    t = rng.integers(0, k, size=() if len(shape) == 1 else (shape[0],) + shape[2:])
    if kw.pop("ignore", False) and t.ndim:
        t[0] = -100
    if kw.pop("weight", False):
        kw["weight"] = rng.uniform(0.5, 2.0, size=k)
    tw = {**kw, "weight": torch.tensor(kw["weight"])} if "weight" in kw else kw
    both(lambda x, t: F.cross_entropy(x, t, **kw), lambda x, t: TF.cross_entropy(x, t, **tw), [arr(*shape)], [t])


@pytest.mark.parametrize("kw", [{}, dict(label_smoothing=0.25), dict(weight=True, label_smoothing=0.1)], ids=str)
def test_cross_entropy_probability_targets(kw):
    kw = dict(kw)
    if kw.pop("weight", False):
        kw["weight"] = np.linspace(0.5, 2.0, 4)
    tw = {**kw, "weight": torch.tensor(kw["weight"])} if "weight" in kw else kw
    p = np.random.default_rng(2).dirichlet(np.ones(4), size=5)
    both(lambda x, t: F.cross_entropy(x, t, **kw), lambda x, t: TF.cross_entropy(x, t, **tw),
         [arr(5, 4), p])


def test_nll_loss():
    t = np.array([0, 2, -100, 1])
    w = np.array([0.5, 1.0, 2.0])
    both(lambda x, t: F.nll_loss(x, t, weight=w), lambda x, t: TF.nll_loss(x, t, weight=torch.tensor(w)),
         [arr(4, 3)], [t])


def test_binary_losses():
    x, t = arr(3, 4, low=-3, high=3), arr(3, 4, seed=2, low=0, high=1)
    w, pw = arr(3, 4, seed=3, low=0.5, high=2), arr(4, seed=4, low=0.5, high=3)
    both(lambda x, t: F.binary_cross_entropy_with_logits(x, t, weight=w, pos_weight=pw),
         lambda x, t: TF.binary_cross_entropy_with_logits(x, t, weight=torch.tensor(w), pos_weight=torch.tensor(pw)),
         [x, t])
    both(lambda p, t: F.binary_cross_entropy(p, t, weight=w),
         lambda p, t: TF.binary_cross_entropy(p, t, weight=torch.tensor(w)), [1 / (1 + np.exp(-x)), t])


@pytest.mark.parametrize("name,kw", [("mse_loss", {}), ("l1_loss", {}), ("huber_loss", dict(delta=0.5))])
def test_regression(name, kw):
    both(lambda x, t: getattr(F, name)(x, t, **kw), lambda x, t: getattr(TF, name)(x, t, **kw),
         [arr(3, 4), arr(3, 4, seed=2)])


@pytest.mark.parametrize("name,kw", [
    ("sigmoid", {}), ("tanh", {}), ("relu", {}), ("leaky_relu", dict(negative_slope=0.2)), ("elu", dict(alpha=0.7)),
    ("gelu", {}), ("gelu", dict(approximate="tanh")), ("softplus", dict(beta=2.0, threshold=3.0)),
    ("softmax", dict(dim=1)), ("log_softmax", dict(dim=0)),
])
def test_activations(name, kw):
    tfn = getattr(torch, name) if name in ("sigmoid", "tanh") else getattr(TF, name)
    both(lambda x: getattr(F, name)(x, **kw), lambda x: tfn(x, **kw), [arr(4, 5, low=-4, high=4, away=0.05)],
         atol=2e-7 if name == "gelu" else 1e-6)


@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_default_is_unbiased(name):
    both(lambda x: getattr(x, name)(axis=1), lambda x: getattr(x, name)(dim=1), [arr(3, 5)])


def test_matmul_batched_broadcast():
    both(lambda a, b: a @ b, lambda a, b: a @ b, [arr(2, 1, 3, 4), arr(5, 4, 2, seed=2)])
