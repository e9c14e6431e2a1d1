import numpy as np
import pytest

import gradwise as gw
import gradwise.functional as F
from tests.helpers import arr, check_op

AXES = [((), None), ((5,), None), ((5,), 0), ((3, 4), None), ((3, 4), 0), ((3, 4), -1),
        ((2, 3, 4), (0, 2)), ((2, 3, 4), 1)]


@pytest.mark.parametrize("shape,axis", AXES)
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "logsumexp"])
def test_reduction(name, shape, axis, keepdims):
    fn = getattr(F, name)
    ref = {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min, "logsumexp": _np_logsumexp}[name]
    check_op(lambda a: fn(a, axis, keepdims), [arr(*shape, seed=7)], lambda a: ref(a, axis=axis, keepdims=keepdims))


@pytest.mark.parametrize("shape,axis", AXES[2:])
@pytest.mark.parametrize("correction", [0, 1])
@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std(name, shape, axis, correction):
    fn, ref = getattr(F, name), getattr(np, name)
    check_op(lambda a: fn(a, axis, False, correction), [arr(*shape, seed=8)],
             lambda a: ref(a, axis=axis, ddof=correction))


def _np_logsumexp(a, axis=None, keepdims=False):
    m = np.max(a, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def test_dim_keepdim_aliases_as_in_pytorch():
    x = gw.tensor(arr(2, 3))
    np.testing.assert_allclose(x.sum(dim=1, keepdim=True).numpy(), x.numpy().sum(axis=1, keepdims=True), rtol=1e-6)
    assert x.mean(dim=0).shape == (3,)


def test_max_ties_share_gradient():
    x = gw.tensor([[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]], requires_grad=True)
    x.amax(dim=1).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 0.5, 0.5], [1, 0, 0]])


def test_logsumexp_is_stable():
    x = gw.tensor([[1000.0, 1000.0], [-1000.0, -1000.0]], dtype=np.float64, requires_grad=True)
    out = x.logsumexp(axis=1)
    np.testing.assert_allclose(out.numpy(), [1000 + np.log(2), -1000 + np.log(2)])
    out.sum().backward()
    np.testing.assert_allclose(x.grad, 0.5)


def test_argmax_argmin():
    x = gw.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    np.testing.assert_array_equal(x.argmax(axis=1).numpy(), [1, 0])
    np.testing.assert_array_equal(F.argmin(x, axis=0).numpy(), [0, 1, 0])


def test_bad_axis_is_a_clear_error():
    with pytest.raises(gw.ShapeError, match="axis 2 is out of range for a tensor with 2 dimensions"):
        gw.zeros(2, 3).sum(axis=2)
