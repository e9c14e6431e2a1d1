"""step(closure) on every optimizer, and L-BFGS step for step against PyTorch 2.13 (fixtures)."""
import json
from pathlib import Path

import numpy as np
import pytest

import gradwise as gw
from gradwise.serialization import load_arrays
from gradwise import nn, optim
from gradwise.serialization import metadata

PATH = Path(__file__).parent / "fixtures" / "lbfgs.safetensors"
DATA = load_arrays(PATH)
CASES = json.loads(metadata(PATH)["cases"])


def rosenbrock(a, b):
    return (100 * (b - a * a) ** 2 + (1 - a) ** 2).sum()


@pytest.mark.parametrize("name", CASES)
def test_lbfgs_matches_pytorch(name):
    # 1e-6: the line search's cubic fits amplify last-bit differences of the dot products a little
    params = [nn.Parameter(np.array(DATA[f"{name}.init.{i}"])) for i in range(2)]
    opt = optim.LBFGS(params, **CASES[name])

    def closure():
        opt.zero_grad()
        loss = rosenbrock(*params)
        loss.backward()
        return loss
    for s in range(4):
        loss = opt.step(closure)
        np.testing.assert_allclose(loss.item(), DATA[f"{name}.loss.{s}"], rtol=1e-6, err_msg=f"loss at step {s}")
        for i, p in enumerate(params):
            np.testing.assert_allclose(p.numpy(), DATA[f"{name}.after.{s}.{i}"], atol=1e-6, rtol=1e-6,
                                       err_msg=f"step {s}, parameter {i}")


def test_lbfgs_fits_a_linear_model_and_explains_misuse():
    gw.manual_seed(0)
    x = gw.randn(64, 3)
    y = x @ gw.tensor([[1.0], [-2.0], [0.5]]) + 0.3
    model = nn.Linear(3, 1)
    opt = optim.LBFGS(model.parameters(), max_iter=50, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        return loss
    opt.step(closure)
    assert closure().item() < 1e-8
    with pytest.raises(ValueError, match="closure"):
        opt.step()
    with pytest.raises(ValueError, match="strong_wolfe"):
        optim.LBFGS(model.parameters(), line_search_fn="backtracking")


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adam, optim.AdamW, optim.RMSprop, optim.Adagrad, optim.Adadelta])
def test_every_optimizer_step_accepts_a_closure(cls):
    w = nn.Parameter(np.array([1.0, -2.0]))
    opt = cls([w], lr=0.1)
    calls = []

    def closure():
        calls.append(1)
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss
    with gw.no_grad():                        # the closure runs with gradients on, as in PyTorch
        loss = opt.step(closure)
    assert calls == [1] and loss.item() == pytest.approx(5.0)
    assert np.abs(w.numpy()).sum() < 3.0
    assert opt.step() is None


def test_adadelta_validates():
    w = nn.Parameter(np.zeros(2))
    with pytest.raises(ValueError, match="rho"):
        optim.Adadelta([w], rho=1.5)
    with pytest.raises(ValueError, match="lr"):
        optim.Adadelta([w], lr=-1)
