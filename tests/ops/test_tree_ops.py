"""segment_sum and repeat_rows: forward against NumPy, float64 gradient checks, bad counts."""
import numpy as np
import pytest

import gradwise as gw
from gradwise.errors import ShapeError
from gradwise.ops.tree import repeat_rows, segment_sum
from tests.helpers import arr, check_op

COUNTS = np.array([2, 0, 3, 1, 0])


def np_segment_sum(x, counts):
    ends = np.cumsum(counts)
    return np.stack([x[e - c:e].sum(axis=0) for c, e in zip(counts, ends)])


@pytest.mark.parametrize("shape", [(6,), (6, 3), (6, 2, 2)])
def test_segment_sum(shape):
    check_op(lambda x: segment_sum(x, COUNTS), [arr(*shape)], lambda x: np_segment_sum(x, COUNTS))


@pytest.mark.parametrize("shape", [(5,), (5, 3)])
def test_repeat_rows(shape):
    check_op(lambda x: repeat_rows(x, COUNTS), [arr(*shape)], lambda x: np.repeat(x, COUNTS, axis=0))


def test_all_empty_segments_give_zeros():
    out = segment_sum(gw.zeros(0, 4), np.zeros(3, np.int64))
    assert out.shape == (3, 4) and not out.numpy().any()


@pytest.mark.parametrize("fn, rows, counts, match", [
    (segment_sum, 5, [2, 2], r"counts add up to 4 rows; the input has 5"),
    (segment_sum, 3, [2, -1, 2], r"non-negative integers"),
    (repeat_rows, 3, [1, 1], r"one count per input row \(3\)"),
    (segment_sum, 2, [1.0, 1.0], r"non-negative integers"),
])
def test_bad_counts_are_clear_errors(fn, rows, counts, match):
    with pytest.raises(ShapeError, match=match):
        fn(gw.ones(rows, 2), np.array(counts))


def test_pieces_and_permute_rows():
    from gradwise.ops.tree import permute_rows, pieces
    check_op(lambda x: pieces(x, [1, 3, 2], axis=1), [arr(2, 6)], lambda x: tuple(np.split(x, [1, 4], axis=1)))
    check_op(lambda x: pieces(x, [2, 0, 3])[2], [arr(5, 2)], lambda x: x[2:])      # unused pieces get zeros
    order = np.array([3, 0, 4, 1, 2])
    check_op(lambda x: permute_rows(x, order), [arr(5, 3)], lambda x: x[order])
    with pytest.raises(ShapeError, match="permutation of 0..4"):
        permute_rows(gw.ones(5, 2), np.array([0, 0, 1, 2, 3]))
    with pytest.raises(ShapeError, match=r"sizes \[2, 2\] add up to 4; axis 0 has 5"):
        pieces(gw.ones(5, 2), [2, 2])
