"""Property tests: broadcasting and reductions over random shapes (hypothesis, derandomized)."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gradwise as gw
import gradwise.functional as F

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)


@SETTINGS
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=4),
       op=st.sampled_from(["add", "sub", "mul", "div", "maximum"]))
def test_broadcast_gradients_have_input_shapes(shapes, op):
    sa, sb = shapes.input_shapes
    rng = np.random.default_rng(0)
    a = gw.tensor(rng.uniform(0.5, 2, sa), requires_grad=True)
    b = gw.tensor(rng.uniform(0.5, 2, sb), requires_grad=True)
    out = getattr(F, op)(a, b)
    assert out.shape == shapes.result_shape
    out.sum().backward()
    assert a.grad.shape == sa and b.grad.shape == sb
    if op == "add":     # every input element is used once per broadcast copy
        np.testing.assert_allclose(a.grad, np.full(sa, np.prod(shapes.result_shape) / max(np.prod(sa), 1)))
    assert gw.gradcheck(getattr(F, op), [a, b])


@SETTINGS
@given(data=st.data(), shape=hnp.array_shapes(min_dims=0, max_dims=4, max_side=4),
       name=st.sampled_from(["sum", "mean", "max", "min", "logsumexp", "var"]), keepdims=st.booleans())
def test_reductions_match_numpy(data, shape, name, keepdims):
    ndim = len(shape)
    axis = data.draw(st.one_of(st.none(), st.lists(st.integers(0, max(ndim - 1, 0)), unique=True, min_size=1)
                               .map(tuple)) if ndim else st.none())
    x = np.random.default_rng(1).uniform(-2, 2, shape)
    if name == "var" and np.prod([shape[i] for i in (axis if axis is not None else range(ndim))]) < 2:
        return      # the unbiased variance of one element is undefined
    t = gw.tensor(x, requires_grad=True)
    out = getattr(F, name)(t, axis, keepdims)
    if name == "logsumexp":
        m = x.max(axis=axis, keepdims=True)
        ref = np.log(np.exp(x - m).sum(axis=axis, keepdims=True)) + m
        ref = ref if keepdims else np.squeeze(ref, axis=axis)
    elif name == "var":
        ref = np.var(x, axis=axis, keepdims=keepdims, ddof=1)
    else:
        ref = getattr(np, name)(x, axis=axis, keepdims=keepdims)
    assert out.shape == np.shape(ref)
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-10, atol=1e-12)
    out.sum().backward()
    assert t.grad.shape == shape
