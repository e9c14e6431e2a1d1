"""Elementwise losses never silently broadcast an (N, 1) output against (N,) targets into an
N x N loss; a target that only broadcasts into the input gets PyTorch's warning."""
import warnings

import numpy as np
import pytest

import gradwise as gw
import gradwise.functional as F
from gradwise import nn
from gradwise.errors import ShapeError, ShapeWarning

LOSSES = [F.mse_loss, F.l1_loss, F.huber_loss, F.binary_cross_entropy, F.binary_cross_entropy_with_logits]


@pytest.mark.parametrize("loss", LOSSES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("xs, ts", [((8, 1), (8,)), ((8,), (8, 1))])
def test_outer_broadcast_is_a_shape_error_naming_both_shapes(loss, xs, ts):
    x = gw.full(xs, 0.5, requires_grad=True)
    with pytest.raises(ShapeError) as info:
        loss(x, gw.full(ts, 0.25))
    assert str(xs) in str(info.value) and str(ts) in str(info.value)
    assert isinstance(info.value, ValueError)          # PyTorch's except ValueError still catches it


@pytest.mark.parametrize("loss", [F.mse_loss, F.l1_loss, F.huber_loss], ids=lambda f: f.__name__)
def test_a_target_that_broadcasts_into_the_input_warns_like_pytorch(loss):
    x = gw.tensor(np.arange(6, dtype=np.float32).reshape(3, 2), requires_grad=True)
    with pytest.warns(ShapeWarning, match=r"target size \(2,\) that is different to the input size \(3, 2\)"):
        out = loss(x, gw.tensor([1.0, 2.0]))
    out.backward()
    assert x.grad.shape == (3, 2)
    assert issubclass(ShapeWarning, UserWarning)


def test_equal_shapes_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.mse_loss(gw.zeros(4, 1), gw.zeros(4, 1))


def test_trainer_regression_with_flat_targets_is_an_error_with_the_fix():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3)).astype(np.float32)
    y = (x @ np.array([1.0, -2.0, 0.5], np.float32)).astype(np.float32)          # (N,) targets
    trainer = gw.Trainer(nn.Linear(3, 1, generator=0), loss="mse", optimizer="sgd", lr=0.1)
    with pytest.raises(ShapeError, match=r"MSELoss needs targets of the model output's shape \(8, 1\); got "
                                         r"targets of shape \(8,\).*reshape\(-1, 1\)"):
        trainer.fit((x, y), epochs=1, batch_size=8, verbose=False, diagnostics=False)
    history = trainer.fit((x, y[:, None]), epochs=30, batch_size=8, verbose=False, diagnostics=False)
    assert history["loss"][-1] < 1e-3


def test_trainer_refuses_even_a_benign_broadcast():
    trainer = gw.Trainer(nn.Linear(3, 2, generator=0), loss="l1", optimizer="sgd", lr=0.1)
    with pytest.raises(ShapeError, match="L1Loss"):
        trainer.fit((np.zeros((4, 3), np.float32), np.zeros((4, 1), np.float32)), epochs=1, verbose=False,
                    diagnostics=False)
