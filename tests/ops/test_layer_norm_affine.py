"""layer_norm with a weight that varies along the normalised axes (its gradient once ignored that)."""
import gradwise.functional as F
from tests.helpers import arr, check_op


def _ref(x, w, b, k):
    axes = tuple(range(x.ndim - k, x.ndim))
    xhat = (x - x.mean(axes, keepdims=True)) / (x.var(axes, keepdims=True) + 1e-5) ** 0.5
    return xhat * w + (0 if b is None else b)


def test_layer_norm_with_weight_and_bias():
    check_op(lambda x, w, b: F.layer_norm(x, (4,), w, b), [arr(2, 3, 4), arr(4, seed=1), arr(4, seed=2)],
             lambda x, w, b: _ref(x, w, b, 1))


def test_layer_norm_over_two_axes_with_weight_only():
    check_op(lambda x, w: F.layer_norm(x, (3, 4), w), [arr(2, 3, 4, seed=3), arr(3, 4, seed=4)],
             lambda x, w: _ref(x, w, None, 2))
