import numpy as np
import pytest

import gradwise as gw
import gradwise.functional as F
from gradwise.errors import ShapeWarning
from tests.helpers import arr, check_op


def np_log_softmax(x, axis):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def np_reduce(loss, reduction, denom=None):
    if reduction == "none":
        return loss
    return loss.sum() / (loss.size if denom is None else denom) if reduction == "mean" else loss.sum()


def np_cross_entropy(x, t, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """Reference straight from PyTorch's documented formulas."""
    cdim = 0 if x.ndim == 1 else 1
    k = x.shape[cdim]
    logp = np_log_softmax(x, cdim)
    wshape = [1] * x.ndim
    wshape[cdim] = k
    w = np.ones(k) if weight is None else weight
    wb = w.reshape(wshape)
    if np.issubdtype(t.dtype, np.floating):
        tt = t * (1 - label_smoothing) + label_smoothing / k
        return np_reduce(-(tt * wb * logp).sum(axis=cdim), reduction)
    valid = t != ignore_index
    ts = np.where(valid, t, 0)
    onehot = np.moveaxis(np.eye(k)[ts], -1, cdim)
    nll = -(onehot * logp).sum(axis=cdim) * w[ts] * valid
    smooth = -(wb * logp).sum(axis=cdim) * valid
    loss = (1 - label_smoothing) * nll + label_smoothing / k * smooth
    return np_reduce(loss, reduction, (w[ts] * valid).sum())


CE_CASES = [
    dict(shape=(4, 5)),
    dict(shape=(4, 5), reduction="sum"),
    dict(shape=(4, 5), reduction="none"),
    dict(shape=(5,)),
    dict(shape=(3, 4, 2, 2)),
    dict(shape=(6, 3), weight=True),
    dict(shape=(6, 3), ignore=True),
    dict(shape=(6, 3), ignore_index=1),         # an ignored class inside the range of the targets
    dict(shape=(6, 3), weight=True, ignore=True, label_smoothing=0.2),
    dict(shape=(6, 3), label_smoothing=0.1, reduction="none"),
    dict(shape=(3, 4, 2), weight=True, label_smoothing=0.3),
]


@pytest.mark.parametrize("case", CE_CASES, ids=str)
def test_cross_entropy_class_targets(case):
    shape = case["shape"]
    k = shape[0] if len(shape) == 1 else shape[1]
    rng = np.random.default_rng(3)
    tshape = () if len(shape) == 1 else (shape[0],) + shape[2:]
    t = rng.integers(0, k, size=tshape)
    if case.get("ignore"):
        t[1] = -100
    kw = dict(reduction=case.get("reduction", "mean"), label_smoothing=case.get("label_smoothing", 0.0),
              ignore_index=case.get("ignore_index", -100),
              weight=rng.uniform(0.5, 2, size=k) if case.get("weight") else None)
    check_op(lambda x: F.cross_entropy(x, t, **kw), [arr(*shape, seed=4)], lambda x: np_cross_entropy(x, t, **kw))


@pytest.mark.parametrize("label_smoothing,weighted", [(0.0, False), (0.2, True)])
def test_cross_entropy_probability_targets(label_smoothing, weighted):
    rng = np.random.default_rng(5)
    w = rng.uniform(0.5, 2, size=4) if weighted else None
    kw = dict(label_smoothing=label_smoothing, weight=w)
    target = np_softmax_rows(arr(3, 4, seed=6))
    check_op(lambda x, t: F.cross_entropy(x, t, **kw), [arr(3, 4, seed=4), target],
             lambda x, t: np_cross_entropy(x, t, **kw))


def np_softmax_rows(a):
    e = np.exp(a - a.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_cross_entropy_is_stable_for_huge_logits():
    x = gw.tensor([[1e4, -1e4, 0.0]], requires_grad=True)
    loss = F.cross_entropy(x, [1])
    np.testing.assert_allclose(loss.item(), 2e4, rtol=1e-6)
    loss.backward()
    np.testing.assert_allclose(x.grad, [[1.0, -1.0, 0.0]], atol=1e-6)


def test_cross_entropy_gradient_is_softmax_minus_onehot():
    x = gw.tensor(arr(2, 3), requires_grad=True)
    F.cross_entropy(x, np.array([2, 0]), reduction="sum").backward()
    expected = np_softmax_rows(x.numpy().astype(np.float64)) - np.eye(3)[[2, 0]]
    np.testing.assert_allclose(x.grad, expected, rtol=1e-5, atol=1e-6)


def test_cross_entropy_errors():
    x = gw.zeros(4, 10)
    with pytest.raises(ValueError, match=r"target holds class 12, but the input has 10 classes"):
        F.cross_entropy(x, [1, 2, 12, 3])
    with pytest.raises(gw.ShapeError, match=r"needs class targets of shape \(4,\); got \(3,\)"):
        F.cross_entropy(x, [1, 2, 3])
    with pytest.raises(ValueError, match="unknown reduction 'avg'; expected one of mean, sum, none"):
        F.cross_entropy(x, [1, 2, 3, 4], reduction="avg")
    with pytest.raises(gw.ShapeError, match=r"weight must have shape \(10,\)"):
        F.cross_entropy(x, [1, 2, 3, 4], weight=np.ones(3))


@pytest.mark.parametrize("shape,weighted,reduction", [((4, 3), False, "mean"), ((4, 3), True, "mean"),
                                                      ((4, 3), True, "sum"), ((2, 3, 5), False, "none")])
def test_nll_loss(shape, weighted, reduction):
    rng = np.random.default_rng(8)
    t = rng.integers(0, 3, size=(shape[0],) + shape[2:])
    t.flat[0] = -100
    w = rng.uniform(0.5, 2, size=3) if weighted else None

    def ref(logp):
        valid = t != -100
        ts = np.where(valid, t, 0)
        ww = (np.ones(3) if w is None else w)[ts] * valid
        picked = np.take_along_axis(logp, np.expand_dims(ts, 1), 1).squeeze(1)
        return np_reduce(-picked * ww, reduction, ww.sum())
    check_op(lambda lp: F.nll_loss(lp, t, weight=w, reduction=reduction), [np_log_softmax(arr(*shape), 1)], ref)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy(reduction, weighted):
    w = arr(3, 4, seed=9, low=0.5, high=2) if weighted else None

    def ref(p, t):
        return np_reduce(-(1 if w is None else w) * (t * np.log(p) + (1 - t) * np.log(1 - p)), reduction)
    check_op(lambda p, t: F.binary_cross_entropy(p, t, weight=w, reduction=reduction),
             [arr(3, 4, seed=1, low=0.05, high=0.95), arr(3, 4, seed=2, low=0, high=1)], ref)


def test_binary_cross_entropy_clamps_logs_and_rejects_non_probabilities():
    loss = F.binary_cross_entropy(gw.tensor([0.0, 1.0]), gw.tensor([1.0, 0.0]), reduction="none")
    np.testing.assert_allclose(loss.numpy(), [100.0, 100.0])
    with pytest.raises(ValueError, match="probabilities in \\[0, 1\\]; got values from -0.5 to 2"):
        F.binary_cross_entropy(gw.tensor([-0.5, 2.0]), gw.tensor([1.0, 0.0]))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted,pos_weighted", [(False, False), (True, False), (False, True), (True, True)])
def test_binary_cross_entropy_with_logits(reduction, weighted, pos_weighted):
    w = arr(3, 4, seed=9, low=0.5, high=2) if weighted else None
    pw = arr(4, seed=10, low=0.5, high=3) if pos_weighted else None

    def ref(x, t):
        p = 1 / (1 + np.exp(-x))
        lw = 1 if pw is None else pw
        loss = -(lw * t * np.log(p) + (1 - t) * np.log(1 - p)) * (1 if w is None else w)
        return np_reduce(loss, reduction)
    check_op(lambda x, t: F.binary_cross_entropy_with_logits(x, t, weight=w, reduction=reduction, pos_weight=pw),
             [arr(3, 4, seed=1, low=-4, high=4), arr(3, 4, seed=2, low=0, high=1)], ref)


def test_bce_with_logits_stable_at_extremes():
    x = gw.tensor([1e4, -1e4], requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(x, gw.tensor([0.0, 1.0]), reduction="sum")
    np.testing.assert_allclose(loss.item(), 2e4)
    loss.backward()
    np.testing.assert_allclose(x.grad, [1.0, -1.0])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_regression_losses(name, reduction):
    def ref(x, t):
        d = x - t
        value = {"mse_loss": d * d, "l1_loss": np.abs(d),
                 "huber_loss": np.where(np.abs(d) < 0.7, 0.5 * d * d, 0.7 * (np.abs(d) - 0.35))}[name]
        return np_reduce(value, reduction)
    kw = dict(delta=0.7) if name == "huber_loss" else {}
    x, t = arr(3, 4, seed=1), arr(3, 4, seed=2)
    d = x - t
    x = np.where((np.abs(d) < 0.05) | (np.abs(np.abs(d) - 0.7) < 0.05), x + 0.2, x)   # away from kinks
    check_op(lambda x, t: getattr(F, name)(x, t, reduction=reduction, **kw), [x, t], ref)


def test_regression_loss_broadcasts_target():
    with pytest.warns(ShapeWarning, match="target size"):          # PyTorch warns too
        check_op(lambda x, t: F.mse_loss(x, t), [arr(3, 4, seed=1), arr(4, seed=2)],
                 lambda x, t: ((x - t) ** 2).mean())


def test_shape_mismatch_errors():
    with pytest.raises(gw.ShapeError, match=r"target shape \(3,\) must equal the input shape \(3, 1\)"):
        F.binary_cross_entropy_with_logits(gw.zeros(3, 1), gw.zeros(3))
    with pytest.raises(ValueError, match="delta must be > 0"):
        F.huber_loss(gw.zeros(3), gw.zeros(3), delta=0)
