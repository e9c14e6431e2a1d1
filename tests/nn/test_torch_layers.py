"""Layers and Module methods that PyTorch programs use: inplace activations, channel dropout,
PyTorch's constructor argument orders, Embedding(padding_idx, from_pretrained), Module traversal.
Outputs against PyTorch are in test_parity_fixtures.py (groupnorm, upsample_*, silu, hardtanh ...)."""
import numpy as np
import pytest

import gradwise as gw
from gradwise import nn
from tests.helpers import arr, check_op


@pytest.mark.parametrize("layer", [nn.ReLU(inplace=True), nn.LeakyReLU(0.1, True), nn.ELU(inplace=True),
                                   nn.SiLU(inplace=True), nn.Hardtanh(inplace=True), nn.ReLU6(inplace=True),
                                   nn.SELU(inplace=True), nn.Mish(inplace=True), nn.Hardswish(inplace=True),
                                   nn.Hardsigmoid(inplace=True)], ids=lambda m: type(m).__name__)
def test_inplace_activation_layers_match_out_of_place(layer):
    x = arr(3, 4, seed=3, low=-4, high=4, away=0.05)
    expected = type(layer)(**{k: v for k, v in vars(layer).items() if k in ("negative_slope", "alpha")})(
        gw.tensor(x)).numpy()
    w = gw.tensor(x, requires_grad=True)
    h = w * 1.0
    out = layer(h)
    assert out is h                                   # written into its input, as in PyTorch
    np.testing.assert_allclose(out.numpy(), expected)
    out.sum().backward()
    assert w.grad is not None and np.isfinite(w.grad.numpy()).all()
    check_op(lambda a: layer(a * 1.0), [x], lambda a: expected)
    assert "inplace=True" in repr(layer)


def test_activation_layers_out_of_place():
    x = arr(2, 6, seed=4, low=-3, high=3, away=0.05)
    for layer, ref in [(nn.LogSigmoid(), lambda a: -np.log1p(np.exp(-a))), (nn.Softsign(), lambda a: a / (1 + abs(a))),
                       (nn.GLU(), lambda a: a[:, :3] / (1 + np.exp(-a[:, 3:]))),
                       (nn.Softmax(), lambda a: np.exp(a) / np.exp(a).sum(1, keepdims=True))]:
        check_op(layer, [x], ref)
    with pytest.raises(ValueError, match="min_val"):
        nn.Hardtanh(1.0, -1.0)


def test_dropout_layers():
    x = gw.ones(8, 4, 3, 3)
    d = nn.Dropout2d(0.5, generator=0)
    y = d(x).numpy().reshape(32, 9)
    assert all(len(set(row)) == 1 for row in y) and 0 < (y[:, 0] == 0).sum() < 32
    assert d.eval()(x) is x
    assert nn.Dropout1d(0.5, generator=1)(gw.ones(2, 3, 5)).numpy().reshape(6, 5).std(axis=1).max() == 0
    assert nn.Dropout(0.2, True).inplace                # PyTorch's (p, inplace) order
    h = gw.ones(4, 5) * 1.0
    assert nn.Dropout(0.5, inplace=True, generator=0)(h) is h
    with pytest.raises(ValueError, match=r"Dropout2d: p \(the fraction dropped\)"):
        nn.Dropout2d(2.0)


def test_loss_constructors_take_pytorchs_argument_order():
    x, t = gw.tensor(arr(4, 3, seed=1)), gw.tensor(arr(4, 3, seed=2))
    labels = gw.tensor([0, 2, 1, 1])
    assert nn.CrossEntropyLoss(None, None, 1, None, "none")(x, labels).numpy()[2] == 0     # ignore_index=1
    assert nn.NLLLoss(None, None, -100, None, "sum").reduction == "sum"
    assert nn.MSELoss(size_average=False).reduction == "sum"
    assert nn.L1Loss(reduce=False)(x, t).shape == (4, 3)
    np.testing.assert_allclose(nn.SmoothL1Loss(beta=0.5)(x, t).item(),
                               gw.functional.smooth_l1_loss(x, t, beta=0.5).item())
    assert nn.KLDivLoss(reduction="batchmean", log_target=True)(x, t).shape == ()
    assert nn.BCELoss(None, None, None, "sum").reduction == "sum"


def test_embedding_padding_idx_and_from_pretrained():
    emb = nn.Embedding(6, 3, padding_idx=-2, generator=0)
    assert emb.padding_idx == 4
    np.testing.assert_array_equal(emb.weight.numpy()[4], 0)            # the padding row starts at zero
    emb(gw.tensor([[4, 1, 4], [0, 4, 1]])).sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.numpy()[4], 0)       # ... and gets no gradient
    np.testing.assert_array_equal(emb.weight.grad.numpy()[1], 2)
    table = gw.tensor(arr(5, 2))
    frozen = nn.Embedding.from_pretrained(table)
    assert not frozen.weight.requires_grad
    np.testing.assert_array_equal(frozen(gw.tensor([3])).numpy(), table.numpy()[3:4])
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad
    with pytest.raises(ValueError, match="padding_idx"):
        nn.Embedding(3, 2, padding_idx=3)


def test_groupnorm_and_upsample_layers():
    x = arr(2, 4, 3, 3, seed=5)
    g = x.reshape(2, 2, -1)
    ref = ((g - g.mean(2, keepdims=True)) / np.sqrt(g.var(2, keepdims=True) + 1e-5)).reshape(x.shape)
    check_op(lambda a: gw.functional.group_norm(a, 2), [x], lambda a: ref)
    np.testing.assert_allclose(nn.GroupNorm(2, 4)(gw.tensor(x)).numpy(), ref, atol=1e-5)
    assert nn.GroupNorm(2, 4).state_dict().keys() == {"weight", "bias"}
    with pytest.raises(gw.errors.ShapeError, match="GroupNorm"):
        nn.GroupNorm(2, 4)(gw.ones(2, 6, 3))
    with pytest.raises(ValueError, match="divisible"):
        nn.GroupNorm(3, 4)
    up = nn.Upsample(scale_factor=2)
    check_op(up, [arr(1, 2, 2, 3)], lambda a: a.repeat(2, axis=2).repeat(2, axis=3))
    np.testing.assert_array_equal(nn.ZeroPad2d(1)(gw.ones(1, 1, 2, 2)).numpy()[0, 0, 0], 0)
    assert nn.ReflectionPad1d(2)(gw.ones(1, 1, 3)).shape == (1, 1, 7)


class _Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.1)))
        self.head = nn.Linear(3, 1)
        self.register_buffer("steps", np.zeros(()))
        self.register_buffer("cache", np.zeros(2), persistent=False)


def test_module_traversal_and_state():
    net = _Net()
    assert [n for n, _ in net.named_modules()] == ["", "body", "body.0", "body.1", "body.2", "body.2.0",
                                                   "body.2.1", "head"]
    assert [type(m).__name__ for m in net.children()] == ["Sequential", "Linear"]
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "_Net" and seen.count("Linear") == 3
    assert "steps" in net.state_dict() and "cache" not in net.state_dict()
    assert {n for n, _ in net.named_buffers()} == {"steps", "cache"}
    net.train(False)
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_dropout2d_on_2d_input_warns_and_drops_rows_like_pytorch():
    import warnings
    x = gw.ones(6, 4)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        y = gw.nn.functional.dropout2d(x, 0.5, training=True, generator=0).numpy()
    assert any("dropout2d" in str(w.message) for w in caught)
    assert all(len(set(row)) == 1 for row in y.tolist())         # whole rows kept (2.0) or dropped (0.0)
    assert set(y.ravel()) <= {0.0, 2.0}
