import numpy as np
import pytest

import gradwise as gw
import gradwise.functional as F
from tests.helpers import arr, check_op

# (shape of a, shape of b): scalars, equal shapes, and broadcasting both ways
BINARY_SHAPES = [((), ()), ((3,), ()), ((), (4,)), ((2, 3), (2, 3)), ((2, 3), (3,)),
                 ((4, 1), (1, 5)), ((2, 1, 3), (4, 1))]


@pytest.mark.parametrize("sa,sb", BINARY_SHAPES)
@pytest.mark.parametrize("fn,ref", [
    (F.add, np.add), (F.sub, np.subtract), (F.mul, np.multiply),
    (lambda a, b: a + b, np.add), (lambda a, b: a - b, np.subtract), (lambda a, b: a * b, np.multiply),
])
def test_binary(fn, ref, sa, sb):
    check_op(fn, [arr(*sa, seed=1), arr(*sb, seed=2)], ref)


@pytest.mark.parametrize("sa,sb", BINARY_SHAPES)
def test_div(sa, sb):
    check_op(lambda a, b: a / b, [arr(*sa, seed=1), arr(*sb, seed=2, low=0.5, high=2.0)], np.divide)


@pytest.mark.parametrize("sa,sb", BINARY_SHAPES)
def test_pow_both_tensors(sa, sb):
    check_op(lambda a, b: a ** b, [arr(*sa, seed=1, low=0.5, high=2.0), arr(*sb, seed=2)], np.power)


@pytest.mark.parametrize("exponent", [2, 3, 0.5, -1.5])
def test_pow_scalar_exponent(exponent):
    check_op(lambda a: a ** exponent, [arr(3, 4, low=0.5, high=2.0)], lambda a: a ** exponent)


def test_rpow_scalar_base():
    check_op(lambda a: 2.0 ** a, [arr(3, 2)], lambda a: 2.0 ** a)


@pytest.mark.parametrize("shape", [(), (5,), (2, 3)])
@pytest.mark.parametrize("fn,ref,kw", [
    (F.neg, np.negative, {}), (lambda a: -a, np.negative, {}),
    (F.exp, np.exp, {}), (F.log, np.log, dict(low=0.2, high=3.0)), (F.sqrt, np.sqrt, dict(low=0.2, high=3.0)),
    (F.abs, np.abs, dict(away=0.1)), (abs, np.abs, dict(away=0.1)),
])
def test_unary(fn, ref, kw, shape):
    check_op(fn, [arr(*shape, **kw)], ref)


@pytest.mark.parametrize("sa,sb", BINARY_SHAPES)
@pytest.mark.parametrize("fn,ref", [(F.maximum, np.maximum), (F.minimum, np.minimum)])
def test_maximum_minimum(fn, ref, sa, sb):
    check_op(fn, [arr(*sa, seed=1), arr(*sb, seed=5)], ref)


def test_maximum_ties_share_gradient():
    a = gw.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = gw.tensor([1.0, 0.0, 5.0], requires_grad=True)
    F.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.5, 1.0, 0.0])
    np.testing.assert_array_equal(b.grad, [0.5, 0.0, 1.0])


@pytest.mark.parametrize("lo,hi", [(-0.5, 0.5), (None, 0.3), (-0.3, None)])
def test_clip(lo, hi):
    x = arr(4, 5, seed=3)
    x = np.where(np.isclose(np.abs(x), 0.5, atol=0.02) | np.isclose(np.abs(x), 0.3, atol=0.02), 1.7, x)
    check_op(lambda a: F.clip(a, lo, hi), [x], lambda a: np.clip(a, lo, hi))


def test_clip_needs_a_bound():
    with pytest.raises(ValueError, match="at least one"):
        F.clip(gw.tensor([1.0]))


@pytest.mark.parametrize("sc,sa,sb", [((3,), (3,), (3,)), ((2, 3), (3,), ()), ((2, 1), (1, 4), (2, 4))])
def test_where(sc, sa, sb):
    cond = arr(*sc, seed=9) > 0
    check_op(lambda a, b: F.where(cond, a, b), [arr(*sa, seed=1), arr(*sb, seed=2)],
             lambda a, b: np.where(cond, a, b))


def test_where_accepts_bool_tensor_condition():
    a = gw.tensor([1.0, 2.0], requires_grad=True)
    out = F.where(a > 1.5, a, 0.0)
    out.sum().backward()
    np.testing.assert_array_equal(a.grad, [0.0, 1.0])


@pytest.mark.parametrize("op,ref", [("__lt__", np.less), ("__le__", np.less_equal), ("__gt__", np.greater),
                                    ("__ge__", np.greater_equal), ("__eq__", np.equal), ("__ne__", np.not_equal)])
def test_comparisons_have_no_gradient(op, ref):
    a = gw.tensor([1.0, 2.0, 3.0], requires_grad=True)
    out = getattr(a, op)(2.0)
    assert out.dtype == bool and not out.requires_grad
    np.testing.assert_array_equal(out.numpy(), ref(a.numpy(), 2.0))


def test_reflected_operators_with_scalars_and_arrays():
    x = gw.tensor([1.0, 2.0], requires_grad=True)
    n = np.array([3.0, 4.0], dtype=np.float32)
    y = 1 + x
    for out, expected in [(1 + x, [2, 3]), (5 - x, [4, 3]), (2 * x, [2, 4]), (4 / x, [4, 2]),
                          (n + x, [4, 6]), (n - x, [2, 2]), (n * x, [3, 8]), (n / x, [3, 2]), (x - n, [-2, -2])]:
        assert isinstance(out, gw.Tensor)
        np.testing.assert_allclose(out.numpy(), expected)
    (n @ x).backward()
    np.testing.assert_allclose(x.grad, n)
    assert y.dtype == np.float32


def test_python_scalars_keep_float32():
    x = gw.tensor([1.0, 2.0])
    assert (x * 2.5).dtype == np.float32 and (x ** 2).dtype == np.float32 and (3.0 / x).dtype == np.float32


def test_broadcast_error_names_op_and_shapes():
    with pytest.raises(gw.ShapeError, match=r"add.*\(2, 3\).*\(4,\)"):
        gw.zeros(2, 3) + gw.zeros(4)
