import numpy as np
import pytest

import gradwise as gw
import gradwise.functional as F
from tests.helpers import arr, check_op


@pytest.mark.parametrize("sa,sb", [
    ((3,), (3,)), ((3,), (3, 4)), ((2, 3), (3,)), ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((5, 2, 3), (5, 3, 4)),
    ((2, 1, 2, 3), (4, 3, 2)), ((3,), (5, 3, 2)), ((5, 2, 3), (3,)),
])
def test_matmul(sa, sb):
    check_op(F.matmul, [arr(*sa, seed=1), arr(*sb, seed=2)], np.matmul)
    check_op(lambda a, b: a @ b, [arr(*sa, seed=3), arr(*sb, seed=4)], np.matmul)


def test_matmul_transposed_batched_input():
    # a non-contiguous batched input takes NumPy's own batched path
    check_op(lambda a, b: a.transpose(0, 1) @ b, [arr(3, 4, 2, seed=1), arr(2, 5, seed=2)],
             lambda a, b: a.transpose(1, 0, 2) @ b)


def test_matmul_shape_error_names_both_shapes():
    with pytest.raises(gw.ShapeError, match=r"matmul: cannot multiply shapes \(2, 3\) and \(4, 5\).*3 and 4"):
        gw.zeros(2, 3) @ gw.zeros(4, 5)
    with pytest.raises(gw.ShapeError, match="at least 1 dimension"):
        gw.zeros(2, 3) @ gw.tensor(2.0)


def test_linear_composite():
    check_op(F.linear, [arr(4, 3, seed=1), arr(5, 3, seed=2), arr(5, seed=3)],
             lambda x, w, b: x @ w.T + b)
