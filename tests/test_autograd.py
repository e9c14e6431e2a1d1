import numpy as np
import pytest

import gradwise as gw
import gradwise.functional as F


def test_scalar_backward_has_implicit_one():
    x = gw.tensor([[1.0, 2.0]], requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [[2.0, 4.0]])


def test_non_scalar_backward_needs_grad():
    x = gw.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"single-element tensor; got shape \(2,\).*loss.sum\(\)"):
        (x * 2).backward()
    y = x * 2
    y.backward(np.array([1.0, 10.0]))
    np.testing.assert_array_equal(x.grad, [2.0, 20.0])


def test_backward_grad_shape_checked():
    x = gw.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(gw.ShapeError, match=r"gradient has shape \(3,\), expected \(2,\)"):
        (x * 2).backward(np.ones(3))


def test_gradients_accumulate_across_calls():
    x = gw.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [3 + 2, 3 + 4])
    x.zero_grad()
    assert x.grad is None


def test_shared_subgraph_gradient_adds_up():
    x = gw.tensor(2.0, requires_grad=True)
    y = x * x
    z = y * y + y            # dz/dx = (2y + 1) * 2x = (8 + 1) * 4
    z.backward()
    assert x.grad == pytest.approx(36.0)


def test_same_tensor_on_both_sides_of_add():
    x = gw.tensor([1.0, 2.0], requires_grad=True)
    w = gw.tensor([3.0, 4.0], requires_grad=True)
    (x + w).sum().backward()
    assert x.grad is not w.grad          # each leaf owns its gradient array
    x.grad += 1
    np.testing.assert_array_equal(w.grad, [1.0, 1.0])
    z = gw.tensor([1.0], requires_grad=True)
    (z + z).sum().backward()
    np.testing.assert_array_equal(z.grad, [2.0])


def test_graph_is_freed_after_backward():
    x = gw.tensor([1.0, 2.0], requires_grad=True)
    loss = (x.exp() * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time.*retain_graph=True"):
        loss.backward()


def test_retain_graph_keeps_it():
    x = gw.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    np.testing.assert_array_equal(x.grad, [4.0, 8.0])


def test_no_grad_records_nothing():
    x = gw.tensor([1.0], requires_grad=True)
    with gw.no_grad():
        y = x * 2
        assert not gw.is_grad_enabled()
        with gw.enable_grad():
            assert (x * 2).requires_grad
    assert gw.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None

    @gw.no_grad()
    def f(t):
        return t * 2
    assert not f(x).requires_grad


def test_backward_on_tensor_without_grad_is_clear():
    with pytest.raises(RuntimeError, match="does not require grad.*requires_grad=True"):
        (gw.tensor([1.0]) * 2).sum().backward()


def test_integer_tensor_cannot_require_grad():
    with pytest.raises(TypeError, match="only floating-point tensors can require gradients; got dtype int64"):
        gw.tensor([1, 2], requires_grad=True)


def test_long_chain_has_no_recursion_limit():
    x = gw.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [1.0001 ** 10_000], rtol=1e-3)


def test_in_place_change_of_saved_tensor_is_detected():
    x = gw.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()                      # saves its output
    z = y.sum()
    with gw.no_grad():
        y += 1
    with pytest.raises(RuntimeError, match=r"needed by Exp for backward \(output\) was modified in place"):
        z.backward()
    # a constant input saved by Mul
    c = gw.tensor([3.0, 4.0])
    w = gw.tensor([1.0, 1.0], requires_grad=True)
    loss = (w * c).sum()
    c[0] = 100.0
    with pytest.raises(RuntimeError, match=r"Mul.*input 1"):
        loss.backward()


def test_in_place_through_a_view_is_detected():
    x = gw.tensor([[1.0, 2.0]], requires_grad=True)
    base = gw.tensor([[5.0, 6.0]])
    loss = (x * base).sum()
    view = base.reshape(2)
    view.mul_(2)
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


def test_in_place_on_leaf_needs_no_grad():
    w = gw.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad.*no_grad"):
        w += 1
    (w * w).sum().backward()
    with gw.no_grad():
        w -= 0.5 * w.grad
    np.testing.assert_array_equal(w.numpy(), [0.0, 0.0])
    assert w.requires_grad and w.is_leaf


def test_in_place_on_non_leaf_is_recorded():
    x = gw.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y += x            # y = 3x
    y *= y            # y = 9x^2
    y.sum().backward()
    np.testing.assert_allclose(x.grad, 18 * x.numpy())


def test_fill_and_copy_need_no_grad_for_grad_tensors():
    w = gw.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"fill_\(\).*no_grad"):
        w.fill_(1.0)
    with gw.no_grad():
        w.fill_(2.0)
        w.copy_(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(w.numpy(), [1, 2, 3])
    with gw.no_grad():
        assert w.zero_() is w
    assert not w.numpy().any()


def test_user_function():
    class Cube(gw.Function):
        def forward(self, a):
            self.save_for_backward(a)
            return a ** 3

        def backward(self, g):
            (a,) = self.saved
            return 3 * a * a * g

    x = gw.tensor([2.0], requires_grad=True)
    Cube.apply(x).sum().backward()
    np.testing.assert_array_equal(x.grad, [12.0])


def test_detach_shares_data():
    x = gw.tensor([1.0, 2.0], requires_grad=True)
    d = (x * 1).detach()
    assert not d.requires_grad
    d2 = x.detach()
    assert d2.numpy() is x.numpy()


def test_grad_of_non_leaf_not_kept_and_graph_releases_intermediates():
    import gc
    import weakref
    x = gw.tensor(np.ones((100, 100)), requires_grad=True)
    h = x * 2
    ref = weakref.ref(h)
    loss = F.relu(h).sum()
    del h
    gc.collect()
    assert ref() is None                 # the graph keeps arrays, not intermediate tensors
    loss.backward()
    assert loss.grad_fn.saved is None    # freed


def test_multi_output_function():
    class Halves(gw.Function):
        """Two outputs; gradients may reach either, both, or one of them twice."""
        def forward(self, a):
            n = a.shape[0] // 2
            return a[:n] * 2, a[n:] * 3

        def backward(self, grads):
            g1, g2 = grads
            n = (g1 if g1 is not None else g2).shape[0]
            zero = np.zeros(n)
            return np.concatenate([zero if g1 is None else g1 * 2, zero if g2 is None else g2 * 3])

    x = gw.tensor(np.arange(4.0), requires_grad=True)
    a, b = Halves.apply(x)
    (a.sum() + (b * b).sum() + a[0]).backward()
    np.testing.assert_array_equal(x.grad, [4, 2, 36, 54])
    x.grad = None
    Halves.apply(x)[1].sum().backward()
    np.testing.assert_array_equal(x.grad, [0, 0, 3, 3])
    assert gw.gradcheck(lambda x: Halves.apply(x), [x])
    with gw.no_grad():
        assert not any(t.requires_grad for t in Halves.apply(x))


def test_copies_of_leaves_get_their_own_gradients():
    import copy

    from gradwise import nn
    model = nn.Sequential(nn.Linear(3, 2, generator=0))
    twin = copy.deepcopy(model)
    assert twin[0].weight is not model[0].weight and isinstance(twin[0].weight, nn.Parameter)
    np.testing.assert_array_equal(twin[0].weight.numpy(), model[0].weight.numpy())
    assert twin[0].weight.numpy() is not model[0].weight.numpy()
    twin(gw.ones(1, 3)).sum().backward()
    assert twin[0].weight.grad is not None and model[0].weight.grad is None
    shallow = copy.copy(model[0].weight)
    assert shallow.numpy() is model[0].weight.numpy() and shallow.requires_grad
    (shallow * 2).sum().backward()
    assert model[0].weight.grad is None
    with pytest.raises(RuntimeError, match="only leaf tensors can be copied"):
        copy.deepcopy(model[0].weight * 2)


def test_gradients_summed_at_a_fork_keep_the_first_ones_layout():
    """A residual block's two branches send gradients laid out differently (channel-major from a
    convolution, batch-major from elsewhere); NumPy's plain sum would be batch-major, and every
    batch norm downstream would copy it back."""
    from gradwise.engine import _accumulate
    rng = np.random.default_rng(0)
    channel_major = np.ascontiguousarray(rng.standard_normal((3, 2, 4, 5))).transpose(1, 0, 2, 3)
    batch_major = rng.standard_normal((2, 3, 4, 5))
    total = _accumulate(channel_major, batch_major)
    assert total.transpose(1, 0, 2, 3).flags.c_contiguous
    np.testing.assert_array_equal(total, channel_major + batch_major)
    assert _accumulate(np.float32(1), np.float64(2)) == 3.0


def test_an_add_sends_each_input_a_gradient_laid_out_like_the_incoming_one():
    x = gw.tensor(np.ones((2, 3, 4, 4)), requires_grad=True)
    seen = []
    y = x * 1.0
    y.register_hook(lambda g: seen.append(g.numpy()) or g)
    out = y + y
    g = np.ascontiguousarray(np.ones((3, 2, 4, 4))).transpose(1, 0, 2, 3)
    from gradwise import autograd
    autograd.backward([out], [g])               # the engine itself: a channel-major incoming gradient
    assert seen[0].transpose(1, 0, 2, 3).flags.c_contiguous           # the two halves, summed at y
    np.testing.assert_array_equal(x.grad.numpy(), 2 * np.ones((2, 3, 4, 4)))


def test_relu_gradient_is_laid_out_like_its_output():
    x = np.ascontiguousarray(np.random.default_rng(1).standard_normal((3, 2, 4, 4))).transpose(1, 0, 2, 3)
    xt = gw.tensor(x, requires_grad=True)
    gw.functional.relu(xt).backward(gw.tensor(np.ones((2, 3, 4, 4))))
    assert xt.grad.numpy().transpose(1, 0, 2, 3).flags.c_contiguous
    np.testing.assert_array_equal(xt.grad.numpy(), (x > 0).astype(float))
