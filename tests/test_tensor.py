import numpy as np
import pytest

import gradwise as gw


def test_dtypes_follow_pytorch_defaults():
    assert gw.tensor([1.0, 2.0]).dtype == np.float32
    assert gw.tensor(3.5).dtype == np.float32
    assert gw.tensor([1, 2]).dtype == np.int64
    assert gw.tensor([True]).dtype == bool
    assert gw.tensor(np.zeros(2, np.float64)).dtype == np.float64      # other float dtypes kept
    assert gw.tensor(np.zeros(2, np.float16)).dtype == np.float16
    assert gw.tensor([1, 2], dtype=np.float64).dtype == np.float64


def test_numpy_arrays_are_wrapped_without_copy():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = gw.tensor(a)
    assert t.numpy() is a and t.numpy() is a and np.asarray(t) is a


def test_properties():
    t = gw.tensor(np.arange(6.0).reshape(2, 3))
    assert t.shape == (2, 3) and t.ndim == 2 and t.numel() == 6 and len(t) == 2 and t.size() == (2, 3) and t.size(1) == 3
    assert t.T.shape == (3, 2)
    assert gw.tensor(4.0).item() == 4.0
    assert [row.shape for row in t] == [(3,), (3,)]
    with pytest.raises(ValueError, match=r"single-element tensor; got shape \(2, 3\)"):
        t.item()
    with pytest.raises(TypeError, match="0-d"):
        len(gw.tensor(1.0))
    assert t.tolist() == [[0, 1, 2], [3, 4, 5]]


def test_repr():
    assert repr(gw.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(gw.tensor([1.0], requires_grad=True)) == "tensor([1.], requires_grad=True)"
    assert repr(gw.tensor([1, 2])) == "tensor([1, 2])"
    assert "dtype=gradwise.float64" in repr(gw.tensor(np.zeros(1)))
    x = gw.tensor([1.0], requires_grad=True)
    assert "grad_fn=<MulBackward>" in repr(x * 2)


def test_requires_grad_flags():
    x = gw.tensor([1.0])
    assert not x.requires_grad and x.is_leaf
    x.requires_grad_()
    y = x * 2
    assert y.requires_grad and not y.is_leaf and y.grad_fn is not None
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad = False
    x.requires_grad = False
    assert not (x * 2).requires_grad


def test_factories():
    assert gw.zeros(2, 3).shape == (2, 3) and gw.zeros((2, 3)).dtype == np.float32
    assert gw.ones(4).numpy().sum() == 4
    np.testing.assert_array_equal(gw.full((2,), 7.0).numpy(), [7, 7])
    assert gw.arange(5).dtype == np.int64 and gw.arange(0.0, 1.0, 0.5).dtype == np.float32
    np.testing.assert_array_equal(gw.arange(2, 5).numpy(), [2, 3, 4])
    x = gw.tensor(np.zeros((2, 2), np.float64))
    assert gw.zeros_like(x).dtype == np.float64 and gw.ones_like(x).numpy().sum() == 4
    assert gw.zeros(3, requires_grad=True).requires_grad


def test_random_factories_are_seeded():
    a, b = gw.randn(3, 4, generator=7), gw.randn(3, 4, generator=7)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert a.dtype == np.float32
    rng = np.random.default_rng(1)
    u = gw.rand(1000, generator=rng)
    assert 0 <= u.numpy().min() and u.numpy().max() < 1
    assert not np.array_equal(gw.rand(5, generator=rng).numpy(), gw.rand(5, generator=np.random.default_rng(1)).numpy())
    with pytest.raises(TypeError, match="np.random.Generator, a gw.Generator or an int seed"):
        gw.randn(2, generator="seed")


def test_setitem_without_grad_is_in_place():
    t = gw.zeros(3)
    t[1] = 5.0
    t[gw.tensor([0])] = gw.tensor(2.0)
    np.testing.assert_array_equal(t.numpy(), [2, 5, 0])


def test_bool_of_single_element():
    assert bool(gw.tensor([1.0]) > 0)
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(gw.tensor([1.0, 2.0]))


def test_manual_seed_makes_default_randomness_repeat():
    gw.random.manual_seed(3)
    a = gw.randn(4).numpy().copy()
    gw.random.manual_seed(3)
    np.testing.assert_array_equal(gw.randn(4).numpy(), a)
    g = gw.random.Generator().manual_seed(3)
    np.testing.assert_array_equal(gw.randn(4, generator=g).numpy(), a)
    with pytest.raises(TypeError, match="int seed"):
        gw.random.manual_seed(1.5)
