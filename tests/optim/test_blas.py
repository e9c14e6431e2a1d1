"""BLAS level-1 updates (gradwise.blas): the same numbers as NumPy's arithmetic, either path."""
import numpy as np
import pytest

import gradwise as gw
from gradwise import blas


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_axpy_and_scal_match_numpy(dtype):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal(blas.MIN_SIZE + 7).astype(dtype), rng.standard_normal(blas.MIN_SIZE + 7).astype(dtype)
    want = y + (-0.3) * x
    got = blas.axpy(-0.3, x, y.copy())
    np.testing.assert_allclose(got, want, rtol=4 * np.finfo(dtype).eps, atol=4 * np.finfo(dtype).eps)
    np.testing.assert_allclose(blas.scal(0.9, y.copy()), y * 0.9, rtol=2 * np.finfo(dtype).eps)


def test_axpy_on_column_major_arrays_and_mixed_layouts():
    rng = np.random.default_rng(2)
    x, y = (rng.standard_normal((300, 200)).astype(np.float32) for _ in range(2))
    xf, yf = np.asfortranarray(x), np.asfortranarray(y)
    got = blas.axpy(0.5, xf, yf.copy(order="F"))                # both column-major: flat BLAS
    np.testing.assert_allclose(got, y + 0.5 * x, rtol=1e-6, atol=1e-6)
    mixed = blas.axpy(0.5, xf, y.copy())                        # C and F: NumPy, still right
    np.testing.assert_allclose(mixed, y + 0.5 * x, rtol=1e-6, atol=1e-6)


def test_linear_weight_is_row_major_and_its_gradient_laid_out_like_it():
    """nn.Linear's weight is row-major, as PyTorch's (each thread then owns half of the output
    features all step: nn/layers/linear.py); its gradient follows the weight's layout, whichever
    it is, with the same values, and the bias's gradient too."""
    rng = np.random.default_rng(3)
    layer = gw.nn.Linear(300, 200)
    x = gw.tensor(rng.standard_normal((16, 300), dtype=np.float32))
    assert layer.weight.numpy().flags.c_contiguous and layer.weight.shape == (200, 300)
    layer(x).square().sum().backward()
    row_major, bias_grad = layer.weight.grad.numpy(), layer.bias.grad.numpy().copy()
    assert row_major.flags.c_contiguous
    layer.weight.grad = layer.bias.grad = None
    layer.weight.data = np.asfortranarray(layer.weight.numpy())        # a column-major weight, as assigned
    layer(x).square().sum().backward()
    column_major = layer.weight.grad.numpy()
    assert column_major.flags.f_contiguous and not column_major.flags.c_contiguous
    np.testing.assert_allclose(row_major, column_major, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(layer.bias.grad.numpy(), bias_grad, rtol=1e-5, atol=1e-5)


def test_blas_found_in_numpys_own_library():
    # numpy's PyPI wheels bundle scipy-openblas; other builds (MKL, Accelerate) take the NumPy path
    config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    if config.get("name") != "scipy-openblas":
        pytest.skip(f"numpy is built with {config.get('name')}, not scipy-openblas")
    assert blas.available()


def test_fallbacks_strided_small_and_int_arrays():
    y = np.arange(2.0 * blas.MIN_SIZE, dtype=np.float32)
    view = y[::2]                                   # not contiguous: NumPy's arithmetic, in place
    blas.axpy(2.0, np.ones_like(view), view)
    assert y[0] == 2.0 and y[1] == 1.0 and y[2] == 4.0
    small = np.ones(3, np.float32)
    assert blas.axpy(1.0, small, small.copy()).tolist() == [2.0, 2.0, 2.0]
    ints = np.ones(blas.MIN_SIZE, np.int64)
    assert blas.scal(3, ints)[0] == 3


def _three_steps(make, use_blas):
    """A layer's weights after three steps of the optimizer ``make(params)``, with or without BLAS."""
    blas.enable(use_blas)
    try:
        gw.manual_seed(0)
        layer = gw.nn.Linear(256, 200)          # 51,200 weights: above MIN_SIZE
        opt = make(layer.parameters())
        x = gw.tensor(np.random.default_rng(1).standard_normal((8, 256), dtype=np.float32))
        for _ in range(3):
            opt.zero_grad()
            layer(x).square().mean().backward()
            opt.step()
        return layer.weight.detach().numpy().copy()
    finally:
        blas.enable(True)


@pytest.mark.parametrize("make", [lambda p: gw.optim.SGD(p, lr=0.1), lambda p: gw.optim.SGD(p, lr=0.1, momentum=0.9),
                                  lambda p: gw.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
                                  lambda p: gw.optim.SGD(p, lr=0.1, momentum=0.5, dampening=0.2, weight_decay=1e-2),
                                  lambda p: gw.optim.Adam(p, lr=1e-2), lambda p: gw.optim.Adam(p, lr=1e-2, amsgrad=True),
                                  lambda p: gw.optim.AdamW(p, lr=1e-2, weight_decay=0.1),
                                  lambda p: gw.optim.Adam(p, lr=1e-2, weight_decay=1e-2, maximize=True)])
def test_same_steps_with_and_without_blas(make):
    np.testing.assert_allclose(_three_steps(make, True), _three_steps(make, False), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("make", [
    lambda: np.zeros((4, 5), np.float32),                       # C-ordered: the fast way
    lambda: np.zeros((4, 5), np.float32).T,                     # F-ordered: through its transpose
    lambda: np.zeros((4, 6), np.float32)[1:, ::2],              # strided
    lambda: np.frombuffer(b"abcdefgh", np.float32),             # read-only
    lambda: np.zeros((0, 3), np.float32),                       # empty
    lambda: np.zeros((3, 4, 5), np.float64)[1],                 # an offset view
    lambda: np.zeros((), np.int64),                             # 0-d
])
def test_address_is_the_first_element(make):
    a = make()
    assert blas.address(a) == a.ctypes.data


def test_set_num_threads_runs_blas_and_the_kernels_on_that_many_threads():
    """gradwise.set_num_threads (torch.set_num_threads) sets NumPy's OpenBLAS threads, which the
    compiled kernels run on too (blas.pool); it once needed threadpoolctl and silently did nothing."""
    if blas.threads() is None:
        pytest.skip("NumPy has no OpenBLAS of its own here: set_num_threads goes through threadpoolctl")
    before = gw.get_num_threads()
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((300, 200), dtype=np.float32), rng.standard_normal((200, 260), dtype=np.float32)
    try:
        gw.set_num_threads(1)
        assert gw.get_num_threads() == 1 and blas.pool()[1] == 1
        one = (gw.tensor(a) @ gw.tensor(b)).numpy()
        gw.set_num_threads(2)
        assert gw.get_num_threads() == 2
        np.testing.assert_allclose((gw.tensor(a) @ gw.tensor(b)).numpy(), one, rtol=1e-5, atol=1e-4)
    finally:
        gw.set_num_threads(before)
    assert gw.get_num_threads() == before


@pytest.mark.parametrize("bad", [0, -2, 1.5, "2", True])
def test_set_num_threads_rejects_what_is_not_a_positive_int(bad):
    with pytest.raises(gw.GradwiseError, match="positive int"):
        gw.set_num_threads(bad)
