"""gradwise.distributions against PyTorch 2.13 (fixtures/torch_distributions.json, written by
fixtures/make_fixtures.py): log_prob, entropy, moments and the gradient of a REINFORCE loss; and
sampling statistics, shapes, seeding and errors on gradwise alone."""
import json
import os

import numpy as np
import pytest

import gradwise as gw
from gradwise import distributions as D
from tests.helpers import check_op

with open(os.path.join(os.path.dirname(__file__), "fixtures", "torch_distributions.json")) as f:
    FIXTURES = json.load(f)["cases"]


def close(got, want, name):
    want = np.asarray(want, dtype=float) if want is not None else None
    np.testing.assert_allclose(got.detach().numpy(), want, rtol=2e-5, atol=2e-6, err_msg=name)


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_matches_pytorch(name):
    case = FIXTURES[name]
    params = {k: gw.tensor(np.asarray(v, np.float32), requires_grad=True) for k, v in case["params"].items()}
    dist = getattr(D, case["kind"])(**params)
    value = gw.tensor(np.asarray(case["value"], np.int64 if case["kind"] == "Categorical" else np.float32))
    lp, ent = dist.log_prob(value), dist.entropy()
    close(lp, case["log_prob"], "log_prob")
    close(ent, case["entropy"], "entropy")
    assert list(dist.batch_shape) == case["batch_shape"]
    for attr in ("mean", "variance", "stddev", "probs", "logits", "loc", "scale"):
        if attr in case and case[attr] is not None:
            close(getattr(dist, attr), case[attr], attr)
        elif attr in case:
            assert np.isnan(getattr(dist, attr).numpy()).all(), attr
    loss = -(lp * gw.tensor(np.asarray(case["R"], np.float32))).sum() - 0.01 * ent.sum()
    loss.backward()
    for k, t in params.items():
        np.testing.assert_allclose(t.grad.numpy(), np.asarray(case["grads"][k]), rtol=1e-4, atol=1e-5,
                                   err_msg=f"d loss / d {k}")


def test_categorical_log_prob_and_entropy_gradcheck():
    idx = np.array([0, 3, 1])

    def log_softmax(x):
        return x - np.log(np.exp(x).sum(-1, keepdims=True))
    check_op(lambda x: D.Categorical(logits=x).log_prob(idx), [np.random.default_rng(1).normal(size=(3, 4))],
             lambda x: log_softmax(x)[np.arange(3), idx])
    check_op(lambda x: D.Categorical(logits=x).entropy(), [np.random.default_rng(2).normal(size=(3, 4))],
             lambda x: -(np.exp(log_softmax(x)) * log_softmax(x)).sum(-1))


def test_normal_and_bernoulli_gradcheck():
    v = np.array([0.3, -1.2, 2.0])
    check_op(lambda m, s: D.Normal(m, s).log_prob(gw.tensor(v)),
             [np.array([0.1, 0.5, -0.4]), np.array([0.7, 1.3, 2.1])],
             lambda m, s: -(v - m) ** 2 / (2 * s * s) - np.log(s) - 0.5 * np.log(2 * np.pi))
    b = np.array([1.0, 0.0, 1.0])
    check_op(lambda z: D.Bernoulli(logits=z).log_prob(gw.tensor(b)), [np.array([0.4, -1.5, 2.2])],
             lambda z: b * -np.log1p(np.exp(-z)) + (1 - b) * -np.log1p(np.exp(z)))


def test_sample_shapes_dtypes_and_statistics():
    gw.manual_seed(0)
    probs = gw.tensor([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]])
    s = D.Categorical(probs=probs).sample((20000,))
    assert s.shape == (20000, 2) and s.dtype == gw.int64
    freq = np.stack([(s.numpy()[:, i, None] == np.arange(3)).mean(0) for i in range(2)])
    np.testing.assert_allclose(freq, probs.numpy(), atol=0.015)
    assert (s.numpy()[:, 1] != 2).all()                       # a zero-probability category never comes up
    b = D.Bernoulli(probs=gw.tensor([0.25, 0.9])).sample((20000,))
    assert b.shape == (20000, 2) and b.dtype == gw.float32
    np.testing.assert_allclose(b.numpy().mean(0), [0.25, 0.9], atol=0.015)
    n = D.Normal(gw.tensor([1.0, -2.0]), gw.tensor([0.5, 3.0])).sample((4000, 3))
    assert n.shape == (4000, 3, 2) and not n.requires_grad
    np.testing.assert_allclose(n.numpy().reshape(-1, 2).mean(0), [1.0, -2.0], atol=0.15)
    np.testing.assert_allclose(n.numpy().reshape(-1, 2).std(0), [0.5, 3.0], rtol=0.05)
    assert D.Categorical(logits=gw.zeros(5)).sample().shape == ()


def test_seeded_sampling_repeats():
    draw = lambda: D.Categorical(logits=gw.zeros(2, 6)).sample((10,)).numpy()  # noqa: E731
    gw.manual_seed(3); a = draw()                                            # noqa: E702
    gw.manual_seed(3); b = draw()                                            # noqa: E702
    np.testing.assert_array_equal(a, b)
    c = D.Normal(0.0, 1.0, generator=7).sample((5,)).numpy()
    np.testing.assert_array_equal(c, D.Normal(0.0, 1.0, generator=7).sample((5,)).numpy())


def test_rsample_is_differentiable():
    loc, scale = gw.tensor([0.5, -1.0], requires_grad=True), gw.tensor([2.0, 0.5], requires_grad=True)
    x = D.Normal(loc, scale, generator=0).rsample((100,))
    x.sum().backward()
    eps = (x.detach().numpy() - loc.detach().numpy()) / scale.detach().numpy()
    np.testing.assert_allclose(loc.grad.numpy(), [100.0, 100.0])
    np.testing.assert_allclose(scale.grad.numpy(), eps.sum(0), rtol=1e-4)
    with pytest.raises(NotImplementedError, match="rsample"):
        D.Categorical(logits=gw.zeros(3)).rsample()


def test_bad_arguments_say_what_is_wrong():
    with pytest.raises(ValueError, match="exactly one of probs= or logits="):
        D.Categorical()
    with pytest.raises(ValueError, match="exactly one"):
        D.Bernoulli(probs=[0.5], logits=[0.0])
    with pytest.raises(ValueError, match="non-negative"):
        D.Categorical(probs=[0.5, -0.1])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        D.Bernoulli(probs=[1.5])
    with pytest.raises(ValueError, match="scale must be > 0"):
        D.Normal(0.0, [1.0, 0.0])
    with pytest.raises(ValueError, match="integers 0..2"):
        D.Categorical(logits=gw.zeros(3)).log_prob(gw.tensor([3]))
    with pytest.raises(ValueError, match=r"\{0, 1\}"):
        D.Bernoulli(probs=[0.5]).log_prob(gw.tensor([0.5]))
