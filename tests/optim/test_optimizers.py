import json
from pathlib import Path

import numpy as np
import pytest

import gradwise as gw
from gradwise import nn, optim
from gradwise.serialization import metadata

FIXTURES = Path(__file__).parent / "fixtures"
DATA = gw.serialization.load_arrays(FIXTURES / "optimizers.safetensors")     # fixture arrays as ndarrays
CASES = json.loads(metadata(FIXTURES / "optimizers.safetensors")["cases"])


@pytest.mark.parametrize("name", CASES)
def test_update_rules_match_pytorch_over_10_steps(name):
    case = CASES[name]
    params = [nn.Parameter(DATA[f"{name}.init.{i}"].copy()) for i in range(2)]
    groups = case["groups"]
    arg = [{"params": [p], **g} for p, g in zip(params, groups)] if groups else params
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in case["kwargs"].items()}
    opt = getattr(optim, case["cls"])(arg, **kwargs)
    for s in range(10):
        for i, p in enumerate(params):
            p.grad = DATA[f"{name}.grad.{s}.{i}"].copy()
        opt.step()
        for i, p in enumerate(params):
            np.testing.assert_allclose(p.numpy(), DATA[f"{name}.after.{s}.{i}"], atol=1e-6, rtol=1e-6,
                                       err_msg=f"step {s}, parameter {i}")


@pytest.mark.parametrize("name", CASES)
def test_state_dict_resumes_exactly(name):
    case = CASES[name]
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in case["kwargs"].items()}

    def make():
        ps = [nn.Parameter(DATA[f"{name}.init.{i}"].copy()) for i in range(2)]
        groups = case["groups"]
        arg = [{"params": [p], **g} for p, g in zip(ps, groups)] if groups else ps
        return ps, getattr(optim, case["cls"])(arg, **kwargs)

    def run(ps, opt, steps):
        for s in steps:
            for i, p in enumerate(ps):
                p.grad = DATA[f"{name}.grad.{s}.{i}"].copy()
            opt.step()
    ps1, opt1 = make()
    run(ps1, opt1, range(10))
    ps2, opt2 = make()
    run(ps2, opt2, range(4))
    saved, weights = opt2.state_dict(), [p.numpy().copy() for p in ps2]
    ps3, opt3 = make()
    for p, w in zip(ps3, weights):
        p.numpy()[...] = w
    opt3.load_state_dict(saved)
    run(ps3, opt3, range(4, 10))
    for a, b in zip(ps1, ps3):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_hyperparameters_are_validated():
    p = [nn.Parameter(gw.zeros(2))]
    with pytest.raises(ValueError, match="SGD: lr must be a finite number >= 0; got -1"):
        optim.SGD(p, lr=-1)
    with pytest.raises(ValueError, match=r"Adam: betas\[0\] must be a finite number >= 0 and < 1; got 1.5"):
        optim.Adam(p, betas=(1.5, 0.9))
    with pytest.raises(ValueError, match="nesterov momentum needs momentum > 0"):
        optim.SGD(p, lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam([])
    with pytest.raises(TypeError, match="only optimize tensors that require grad"):
        optim.SGD([gw.zeros(2)], lr=0.1)
    with pytest.raises(ValueError, match="unknown optimizer 'adamm'; known: sgd, adam, adamw, rmsprop, adagrad"):
        optim.get("adamm", p)


def test_step_skips_parameters_without_gradients_and_zero_grad():
    a, b = nn.Parameter(gw.ones(2)), nn.Parameter(gw.ones(2))
    opt = optim.SGD([a, b], lr=0.5)
    a.grad = np.ones(2, np.float32)
    opt.step()
    np.testing.assert_array_equal(a.numpy(), [0.5, 0.5])
    np.testing.assert_array_equal(b.numpy(), [1, 1])
    opt.zero_grad()
    assert a.grad is None


def test_updates_invalidate_graphs_that_saved_the_weights():
    w = nn.Parameter(gw.ones(2))
    opt = optim.SGD([w], lr=0.1)
    loss = (w * w).sum()
    (w * 3).sum().backward()
    opt.step()
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


def test_float32_parameters_stay_float32():
    model = nn.Linear(3, 2, generator=0)
    for cls in (optim.SGD, optim.Adam, optim.AdamW, optim.RMSprop, optim.Adagrad):
        opt = cls(model.parameters(), lr=0.01)
        model(gw.ones(4, 3)).sum().backward()
        opt.step()
        opt.zero_grad()
        assert all(p.dtype == np.float32 for p in model.parameters())


def test_clip_grad_norm_returns_norm_before_clipping():
    a, b = nn.Parameter(gw.zeros(2)), nn.Parameter(gw.zeros(1))
    a.grad, b.grad = np.array([3.0, 0.0], np.float32), np.array([4.0], np.float32)
    total = optim.clip_grad_norm_([a, b], max_norm=1.0)
    assert total == pytest.approx(5.0)
    np.testing.assert_allclose(np.sqrt((a.grad ** 2).sum() + (b.grad ** 2).sum()), 1.0, rtol=1e-5)
    a.grad = np.array([np.inf, 0.0], np.float32)
    with pytest.raises(RuntimeError, match="not finite"):
        optim.clip_grad_norm_([a], 1.0, error_if_nonfinite=True)
    a.grad = np.array([3.0, -5.0], np.float32)
    optim.clip_grad_value_([a], 2.0)
    np.testing.assert_array_equal(a.grad, [2.0, -2.0])


def test_l1_l2_penalties():
    w = nn.Parameter(gw.tensor([1.0, -2.0]))
    v = nn.Parameter(gw.tensor([3.0]))
    pen = optim.l1_penalty([w], 0.5) + optim.l2_penalty([w, v], 0.1)
    assert pen.item() == pytest.approx(0.5 * 3 + 0.1 * 14)
    pen.backward()
    np.testing.assert_allclose(w.grad, [0.5 + 0.2, -0.5 - 0.4])
    np.testing.assert_allclose(v.grad, [0.6])
