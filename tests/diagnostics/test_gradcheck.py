import numpy as np
import pytest

import gradwise as gw


def test_passes_for_correct_gradients_and_restores_inputs():
    w = gw.randn(3, 2, generator=0, requires_grad=True)
    before = w.numpy().copy()
    assert gw.gradcheck(lambda w: (w.sigmoid() * w).sum(axis=0), [w])
    assert w.dtype == np.float32 and np.array_equal(w.numpy(), before) and w.grad is None


def test_checks_every_tensor_that_requires_grad_including_parameters():
    x = gw.randn(4, 3, generator=1, requires_grad=True)
    weight = gw.randn(2, 3, generator=2, requires_grad=True)
    assert gw.gradcheck(lambda x, w: gw.functional.linear(x, w).tanh(), [x, weight])


def test_tuple_outputs():
    x = gw.randn(3, generator=1, requires_grad=True)
    assert gw.gradcheck(lambda x: (x * 2, x.exp()), [x])


def test_reports_the_worst_element_of_a_wrong_gradient():
    class WrongSquare(gw.Function):
        def forward(self, a):
            self.save_for_backward(a)
            return a * a

        def backward(self, g):
            a = self.saved[0]
            wrong = 2 * a * g
            wrong[1] *= 1.5                      # a bug in one element
            return wrong

    x = gw.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(gw.GradcheckError, match=r"input 0 at index \(1,\): analytic .* numeric .* relative error 0.5"):
        gw.gradcheck(lambda x: WrongSquare.apply(x), [x])


def test_detects_a_missing_gradient():
    x = gw.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(gw.GradcheckError, match="2 of 2 elements fail"):
        gw.gradcheck(lambda x: x.detach() * x.detach() + 0 * x, [x])


def test_needs_float64_output_and_a_grad_input():
    x = gw.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(gw.GradcheckError, match="float32 from float64 inputs"):
        gw.gradcheck(lambda x: (x * 2).float(), [x])
    with pytest.raises(ValueError, match="no input requires grad"):
        gw.gradcheck(lambda x: x * 2, [gw.tensor([1.0])])


def test_a_transposed_input_is_perturbed_in_place():
    """The numerical gradient of a non-contiguous input (a transposed view) is not silently zero."""
    data = np.arange(1.0, 7.0).reshape(2, 3).T               # (3, 2), Fortran order
    x = gw.tensor(data, requires_grad=True)
    assert gw.gradcheck(lambda t: (t * t * t).sum(), [x])
    assert x._data.strides == data.strides                   # restored as it was
