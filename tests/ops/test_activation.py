import math

import numpy as np
import pytest

import gradwise as gw
import gradwise.functional as F
from tests.helpers import arr, check_op

_erf = np.vectorize(math.erf)


def np_softmax(a, dim):
    e = np.exp(a - a.max(axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)


ACTIVATIONS = [
    ("sigmoid", lambda a: F.sigmoid(a), lambda a: 1 / (1 + np.exp(-a))),
    ("tanh", lambda a: F.tanh(a), np.tanh),
    ("relu", lambda a: F.relu(a), lambda a: np.maximum(a, 0)),
    ("leaky_relu", lambda a: F.leaky_relu(a, 0.1), lambda a: np.where(a > 0, a, 0.1 * a)),
    ("elu", lambda a: F.elu(a, 1.5), lambda a: np.where(a > 0, a, 1.5 * (np.exp(a) - 1))),
    ("gelu", lambda a: F.gelu(a), lambda a: 0.5 * a * (1 + _erf(a / np.sqrt(2)))),
    ("gelu_tanh", lambda a: F.gelu(a, approximate="tanh"),
     lambda a: 0.5 * a * (1 + np.tanh(np.sqrt(2 / np.pi) * (a + 0.044715 * a ** 3)))),
    ("softplus", lambda a: F.softplus(a), lambda a: np.log1p(np.exp(a))),
    ("softplus_beta", lambda a: F.softplus(a, beta=2.0, threshold=3.0),
     lambda a: np.where(2 * a > 3, a, np.log1p(np.exp(2 * a)) / 2)),
]


@pytest.mark.parametrize("shape", [(), (7,), (3, 4)])
@pytest.mark.parametrize("name,fn,ref", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation(name, fn, ref, shape):
    x = arr(*shape, seed=11, low=-3, high=3, away=0.05)
    if name == "softplus_beta":
        x = np.where(np.abs(2 * x - 3) < 0.05, 0.5, x)     # away from the threshold
    check_op(fn, [x], ref, atol=2e-7 if name == "gelu" else 1e-6)


def test_tensor_method_activations():
    x = gw.tensor(arr(3, 2))
    np.testing.assert_allclose(x.relu().numpy(), np.maximum(x.numpy(), 0))
    np.testing.assert_allclose(x.sigmoid().numpy(), 1 / (1 + np.exp(-x.numpy())), rtol=1e-6)
    np.testing.assert_allclose(x.tanh().numpy(), np.tanh(x.numpy()), rtol=1e-6)


def test_step_has_zero_gradient():
    x = gw.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    y = F.step(x)
    np.testing.assert_array_equal(y.numpy(), [0, 1, 1])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [0, 0, 0])
    check_op(F.step, [arr(3, away=0.1)], lambda a: (a >= 0).astype(a.dtype))


@pytest.mark.parametrize("shape,dim", [((5,), 0), ((3, 4), -1), ((3, 4), 0), ((2, 3, 4), 1)])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax(name, shape, dim):
    ref = np_softmax if name == "softmax" else lambda a, d: np.log(np_softmax(a, d))
    check_op(lambda a: getattr(F, name)(a, dim), [arr(*shape)], lambda a: ref(a, dim))


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "softplus", "elu", "gelu", "softmax", "log_softmax"])
def test_extreme_inputs_stay_finite(name):
    x = gw.tensor([-1e4, -100.0, 0.0, 100.0, 1e4], requires_grad=True)
    y = getattr(F, name)(x)
    assert np.all(np.isfinite(y.numpy())), y
    y.backward(np.ones(5, dtype=np.float32))
    assert np.all(np.isfinite(x.grad)), x.grad


def test_sigmoid_extremes_exact():
    y = F.sigmoid(gw.tensor([-1e4, 1e4]))
    np.testing.assert_array_equal(y.numpy(), [0.0, 1.0])


def test_gelu_rejects_unknown_approximation():
    with pytest.raises(ValueError, match="'none' or 'tanh'"):
        F.gelu(gw.zeros(2), approximate="fast")


def test_relu_on_large_strided_inputs_keeps_nan_layout_and_values():
    """Large inputs take the zeros-array path of ReLU (same values, NaN kept, memory order kept)."""
    rng = np.random.default_rng(0)
    data = rng.standard_normal((8, 6, 12, 10)).astype(np.float32)
    data[1, 2, 3, 4] = np.nan
    x = gw.tensor(data.transpose(1, 0, 2, 3), requires_grad=True)     # channel-major, as a conv gives
    y = F.relu(x)
    ref = np.maximum(data.transpose(1, 0, 2, 3), 0)
    np.testing.assert_array_equal(y.detach().numpy(), ref)
    assert np.isnan(y.detach().numpy()[2, 1, 3, 4])
    assert y._data.swapaxes(0, 1).flags.c_contiguous
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), (ref > 0).astype(np.float32))


@pytest.mark.parametrize("slope", [0.2, 0.0, 1.5, -0.5])
def test_leaky_relu_and_elu_are_exact_blends(slope):
    """No np.where inside (slow on random signs): the values and gradients are still exactly
    the two branches, with NaN and infinities where np.where puts them."""
    rng = np.random.default_rng(1)
    data = rng.standard_normal(5000).astype(np.float32)
    data[:4] = [np.nan, np.inf, -np.inf, 0.0]
    g = rng.standard_normal(5000).astype(np.float32)
    with np.errstate(invalid="ignore"):
        for fn, value, slope_of in (
                (lambda t: F.leaky_relu(t, slope), np.where(data > 0, data, data * np.float32(slope)),
                 np.where(data > 0, g, g * np.float32(slope))),
                (lambda t: F.elu(t, 0.7), None, None)):
            x = gw.tensor(data, requires_grad=True)
            y = fn(x)
            y.backward(gw.tensor(g))
            if value is None:         # ELU against its definition
                value = np.where(data > 0, data, np.float32(0.7) * np.expm1(np.minimum(data, 0)))
                slope_of = np.where(data > 0, g, g * (value + np.float32(0.7)))
            np.testing.assert_array_equal(y.detach().numpy(), value)
            np.testing.assert_array_equal(x.grad.numpy(), slope_of)


def test_sigmoid_is_exact_at_the_extremes():
    x = gw.tensor(np.array([-100.0, -20.0, 0.0, 20.0, 100.0, np.nan], dtype=np.float32), requires_grad=True)
    y = F.sigmoid(x).detach().numpy()
    e = np.exp(-np.abs(x.detach().numpy()))
    with np.errstate(invalid="ignore"):
        ref = np.where(x.detach().numpy() >= 0, 1, e) / (1 + e)
    np.testing.assert_array_equal(y, ref.astype(np.float32))
