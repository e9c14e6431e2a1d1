"""TreeLSTM and RecursiveCell: float64 gradient checks, level-batched == per-node (outputs and
gradients), a chain == nn.LSTM / nn.RNN, a NumPy reference, and clear errors."""
import numpy as np
import pytest

import gradwise as gw
from gradwise import nn
from gradwise.data.trees import Tree, TreeBatch
from gradwise.errors import ShapeError, TreeError
from gradwise.nn.layers.tree import run_per_node

TREES = [("+", 1, ("*", 2, 3), 4), [-1, 0, 0, 1, 1, 1], 7, ("m", ("a", ("b", 1, 2)))]


def batch():
    return TreeBatch([Tree(t) if isinstance(t, list) else Tree.from_nested(t) for t in TREES])


def make(kind, i=3, h=4, **kw):
    return (nn.TreeLSTM if kind == "lstm" else nn.RecursiveCell)(i, h, generator=0, **kw)


def flat(out):
    return [o for part in out for o in (part if isinstance(part, tuple) else (part,))]


@pytest.mark.parametrize("kind, kw", [("lstm", {}), ("rnn", {}), ("rnn", {"nonlinearity": "relu"}),
                                      ("lstm", {"bias": False})])
def test_gradcheck_float64(kind, kw):
    b = batch()
    cell = make(kind, **kw).double()
    x = gw.tensor(np.random.default_rng(1).normal(size=(b.num_nodes, 3)), requires_grad=True)
    assert gw.gradcheck(lambda x, *p: tuple(flat(cell(x, b))), [x] + list(cell.parameters()))


@pytest.mark.parametrize("kind", ["lstm", "rnn"])
def test_level_batched_equals_per_node(kind):
    b = batch()
    results = []
    for run in (lambda c, x: c(x, b), lambda c, x: run_per_node(c, x, b)):
        cell = make(kind).double()
        x = gw.tensor(np.random.default_rng(2).normal(size=(b.num_nodes, 3)), requires_grad=True)
        outs = flat(run(cell, x))
        sum(((o * gw.tensor(np.random.default_rng(k).normal(size=o.shape))).sum() for k, o in enumerate(outs)),
            gw.tensor(0.0)).backward()
        results.append([o.numpy() for o in outs] + [x.grad.numpy()] + [p.grad.numpy() for p in cell.parameters()])
    for a, e in zip(*results):
        np.testing.assert_allclose(a, e, rtol=1e-10, atol=1e-12)


def chain(n):
    parents = np.arange(1, n + 1)       # node t feeds node t + 1: node 0 is the deepest leaf
    parents[-1] = -1
    return Tree(parents)


@pytest.mark.parametrize("kind", ["lstm", "rnn"])
def test_chain_is_the_recurrent_layer(kind):
    T = 6
    rec = (nn.LSTM if kind == "lstm" else nn.RNN)(3, 4, generator=0).double()
    cell = make(kind).double()
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(cell, name)._data[...] = getattr(rec, name + "_l0")._data
    x = np.random.default_rng(3).normal(size=(T, 3))
    xs = [gw.tensor(x, requires_grad=True) for _ in range(2)]
    out, _ = rec(xs[0])
    tree_out, root = cell(xs[1], [chain(T)])
    np.testing.assert_allclose(tree_out.numpy(), out.numpy(), rtol=1e-12, atol=1e-12)
    out.sum().backward()
    tree_out.sum().backward()
    np.testing.assert_allclose(xs[1].grad.numpy(), xs[0].grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(cell.weight_hh.grad.numpy(), rec.weight_hh_l0.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_tree_lstm_against_numpy_equations():
    cell = make("lstm").double()
    W, U, b = cell.weight_ih.numpy(), cell.weight_hh.numpy(), cell.bias_ih.numpy() + cell.bias_hh.numpy()
    x = np.random.default_rng(4).normal(size=(3, 3))
    sig = lambda z: 1 / (1 + np.exp(-z))      # noqa: E731
    H = 4
    leaves = []
    for j in (1, 2):
        g = W @ x[j] + b
        c = sig(g[:H]) * np.tanh(g[2 * H:3 * H])
        leaves.append((sig(g[3 * H:]) * np.tanh(c), c))
    g = W @ x[0] + b + U @ (leaves[0][0] + leaves[1][0])
    f = [sig(W[H:2 * H] @ x[0] + b[H:2 * H] + U[H:2 * H] @ h) for h, _ in leaves]
    c = sig(g[:H]) * np.tanh(g[2 * H:3 * H]) + f[0] * leaves[0][1] + f[1] * leaves[1][1]
    h = sig(g[3 * H:]) * np.tanh(c)
    out, (h_root, c_root) = cell(gw.tensor(x), [Tree([-1, 0, 0])])
    np.testing.assert_allclose(h_root.numpy()[0], h, rtol=1e-12)
    np.testing.assert_allclose(c_root.numpy()[0], c, rtol=1e-12)
    np.testing.assert_allclose(out.numpy()[1], leaves[0][0], rtol=1e-12)


def test_float32_in_float32_out_and_state_dict_keys():
    b = batch()
    cell = make("lstm")
    out, (h, c) = cell(gw.randn(b.num_nodes, 3, generator=0), b)
    assert out.numpy().dtype == np.float32 and out.shape == (18, 4) and h.shape == (4, 4) and c.shape == (4, 4)
    assert list(cell.state_dict()) == ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
    assert cell.weight_ih.shape == (16, 3) and cell.weight_hh.shape == (16, 4)
    assert repr(cell) == "TreeLSTM(3, 4)"


def test_bad_input_is_a_clear_error():
    cell = make("lstm")
    with pytest.raises(ShapeError, match=r"TreeLSTM\(input_size=3\) got input of shape \(5, 3\); expected \(18, 3\)"):
        cell(gw.zeros(5, 3), batch())
    with pytest.raises(TreeError, match="cycle"):
        cell(gw.zeros(3, 3), [np.array([-1, 2, 1])])
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RecursiveCell(3, 4, nonlinearity="sigmoid")
