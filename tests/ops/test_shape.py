import numpy as np
import pytest

import gradwise as gw
import gradwise.functional as F
from tests.helpers import arr, check_op


@pytest.mark.parametrize("shape,new", [((2, 3), (3, 2)), ((2, 3), (-1,)), ((6,), (2, 1, 3)), ((), (1, 1)), ((1,), ())])
def test_reshape(shape, new):
    check_op(lambda a: a.reshape(new), [arr(*shape)], lambda a: a.reshape(new))
    check_op(lambda a: F.reshape(a, *new), [arr(*shape)], lambda a: a.reshape(new))


def test_reshape_error():
    with pytest.raises(gw.ShapeError, match=r"cannot reshape a tensor of shape \(2, 3\) \(6 elements\) into \(4,\)"):
        gw.zeros(2, 3).reshape(4)


@pytest.mark.parametrize("dims", [(1, 0, 2), (2, 0, 1), (0, 1, 2), (-1, 0, 1)])
def test_permute(dims):
    check_op(lambda a: a.permute(*dims), [arr(2, 3, 4)], lambda a: a.transpose([d % 3 for d in dims]))


def test_transpose_and_T():
    check_op(lambda a: a.transpose(0, 2), [arr(2, 3, 4)], lambda a: a.swapaxes(0, 2))
    check_op(lambda a: a.T, [arr(2, 3)], lambda a: a.T)
    check_op(lambda a: a.T, [arr(5)], lambda a: a.T)


@pytest.mark.parametrize("shape,target", [((3,), (2, 3)), ((2, 1), (2, 4)), ((), (3, 2)), ((1, 3, 1), (2, 3, 4))])
def test_broadcast_to(shape, target):
    check_op(lambda a: a.broadcast_to(target), [arr(*shape)], lambda a: np.broadcast_to(a, target))


def test_expand_keeps_minus_one():
    check_op(lambda a: a.expand(4, -1, 3), [arr(2, 1)], lambda a: np.broadcast_to(a, (4, 2, 3)))


def test_expand_error():
    with pytest.raises(gw.ShapeError, match=r"cannot broadcast shape \(2, 3\) to \(4, 3\)"):
        gw.zeros(2, 3).expand(4, 3)


@pytest.mark.parametrize("shape,axis", [((1, 3, 1), None), ((1, 3, 1), 0), ((1, 3, 1), -1), ((1,), None)])
def test_squeeze(shape, axis):
    check_op(lambda a: a.squeeze(axis), [arr(*shape)], lambda a: np.squeeze(a, axis))


def test_squeeze_of_a_dimension_that_is_not_1():
    assert gw.zeros(1, 3).squeeze(1).shape == (1, 3)       # PyTorch leaves it alone
    with pytest.raises(gw.ShapeError, match="has size 3, not 1"):
        F.squeeze(gw.zeros(1, 3), 1)                       # the op itself is strict


@pytest.mark.parametrize("shape,axis", [((3,), 0), ((3,), 1), ((3,), -1), ((), 0), ((2, 3), 1)])
def test_unsqueeze(shape, axis):
    check_op(lambda a: a.unsqueeze(axis), [arr(*shape)], lambda a: np.expand_dims(a, axis))


@pytest.mark.parametrize("shape,start,end,expected", [((2, 3, 4), 0, -1, (24,)), ((2, 3, 4), 1, -1, (2, 12)),
                                                      ((2, 3, 4, 5), 1, 2, (2, 12, 5)), ((), 0, -1, (1,))])
def test_flatten(shape, start, end, expected):
    check_op(lambda a: a.flatten(start, end), [arr(*shape)], lambda a: a.reshape(expected))


@pytest.mark.parametrize("index", [
    0, -1, slice(1, 3), (slice(None), 1), (Ellipsis, 0), (None, 1), (1, slice(None, None, -1)),
    np.array([0, 2, 2, 0]), (np.array([0, 1, 1]), np.array([2, 0, 0])), [2, 0, 2],
])
def test_getitem(index):
    check_op(lambda a: a[index], [arr(3, 4)], lambda a: a[index])


def test_getitem_bool_mask():
    mask = arr(3, 4, seed=4) > 0
    check_op(lambda a: a[mask], [arr(3, 4)], lambda a: a[mask])


def test_getitem_repeated_indices_accumulate():
    x = gw.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[np.array([0, 0, 2, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 0.0, 1.0])


def test_getitem_with_tensor_index():
    x = gw.tensor(arr(4, 2), requires_grad=True)
    idx = gw.tensor([3, 1, 3])
    x[idx].sum().backward()
    np.testing.assert_array_equal(x.grad[:, 0], [0, 1, 0, 2])


def test_getitem_error_names_shape():
    with pytest.raises(IndexError, match=r"shape \(3,\)"):
        gw.zeros(3)[5]


@pytest.mark.parametrize("index,vshape", [(0, (4,)), ((slice(None), 1), ()), (slice(0, 2), (1, 4))])
def test_setitem_records_gradients(index, vshape):
    def fn(a, v):
        out = a * 1.0
        out[index] = v
        return out

    def ref(a, v):
        out = a.copy()
        out[index] = v
        return out
    check_op(fn, [arr(3, 4), arr(*vshape, seed=2)], ref)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concatenate(axis):
    shapes = {0: [(1, 3), (2, 3), (3, 3)], 1: [(2, 1), (2, 2), (2, 4)], -1: [(2, 1), (2, 2), (2, 4)]}[axis]
    inputs = [arr(*s, seed=i) for i, s in enumerate(shapes)]
    check_op(lambda *xs: F.concatenate(xs, axis), inputs, lambda *xs: np.concatenate(xs, axis))


def test_concatenate_error():
    with pytest.raises(gw.ShapeError, match="concatenate"):
        F.cat([gw.zeros(2, 3), gw.zeros(2, 4)], axis=0)


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_stack(axis):
    inputs = [arr(2, 3, seed=i) for i in range(3)]
    check_op(lambda *xs: F.stack(xs, axis), inputs, lambda *xs: np.stack(xs, axis))


def test_stack_error():
    with pytest.raises(gw.ShapeError, match="all shapes must be equal"):
        F.stack([gw.zeros(2), gw.zeros(3)])


@pytest.mark.parametrize("sizes,axis", [(2, 0), ([1, 3, 1], 0), (2, 1), ([3, 2], -1)])
def test_split(sizes, axis):
    x = arr(5, 5)
    n = x.shape[axis]
    bounds = np.cumsum(sizes if isinstance(sizes, list) else [sizes] * (n // sizes) + [n % sizes])[:-1]
    check_op(lambda a: F.split(a, sizes, axis), [x], lambda a: np.split(a, bounds, axis))


def test_split_error():
    with pytest.raises(gw.ShapeError, match=r"add up to 4, but axis 0 has 5"):
        F.split(gw.zeros(5), [2, 2])


@pytest.mark.parametrize("pad,widths", [((1, 2), [(0, 0), (1, 2)]), ((1, 1, 2, 0), [(2, 0), (1, 1)])])
def test_pad(pad, widths):
    check_op(lambda a: F.pad(a, pad, value=0.5), [arr(2, 3)], lambda a: np.pad(a, widths, constant_values=0.5))


def test_pad_errors():
    with pytest.raises(gw.ShapeError, match="even number"):
        F.pad(gw.zeros(2), (1, 2, 3))
    with pytest.raises(ValueError, match="negative"):
        F.pad(gw.zeros(2), (-1, 0))


def test_cast_round_trip_gradient():
    x = gw.tensor([1.0, 2.0], requires_grad=True)
    y = x.double()
    assert y.dtype == np.float64
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad, [2.0, 4.0])
