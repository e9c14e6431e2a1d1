"""Every layer: float64 gradient check of inputs and parameters (train and eval where they differ)."""
import numpy as np
import pytest

import gradwise as gw
from gradwise import nn
from tests.helpers import arr, record_leaf_grad_dtypes


def check_layer(layer, *inputs, mode="train"):
    layer.float().train(mode == "train")
    with record_leaf_grad_dtypes() as dtypes:      # float32 all the way back, no float64 detour
        xs32 = [gw.tensor(a.astype(np.float32), requires_grad=True) if np.issubdtype(a.dtype, np.floating) else a
                for a in inputs]
        out = layer(*xs32)
        outs = [o for o in (out if isinstance(out, tuple) else (out,)) for o in (o if isinstance(o, tuple) else (o,))]
        sum((o.sum() for o in outs), gw.tensor(0.0)).backward()
    assert dtypes and all(d == np.float32 for d in dtypes), dtypes
    layer.zero_grad()
    layer.double().train(mode == "train")
    xs = [gw.tensor(a, requires_grad=True) if np.issubdtype(a.dtype, np.floating) else a for a in inputs]
    params = list(layer.parameters())

    def fn(*args):
        out = layer(*args[:len(xs)])
        return [o for o in (out if isinstance(out, tuple) else (out,)) for o in (o if isinstance(o, tuple) else (o,))]
    assert gw.gradcheck(lambda *a: tuple(fn(*a)), xs + params)
    return layer(*xs)


CASES = {
    "Linear": (lambda: nn.Linear(4, 3, generator=0), [(2, 4)]),
    "Linear_nobias_3d": (lambda: nn.Linear(4, 3, bias=False, generator=0), [(2, 3, 4)]),
    "Conv2d": (lambda: nn.Conv2d(2, 4, 3, stride=2, padding=1, dilation=2, groups=2, generator=0), [(2, 2, 6, 5)]),
    "Conv2d_same": (lambda: nn.Conv2d(2, 3, (2, 3), padding="same", generator=0), [(1, 2, 4, 5)]),
    "Conv1d": (lambda: nn.Conv1d(2, 3, 3, stride=2, padding=1, generator=0), [(2, 2, 7)]),
    "ConvTranspose2d": (lambda: nn.ConvTranspose2d(2, 4, 3, stride=2, padding=1, output_padding=1, groups=2,
                                                   generator=0), [(1, 2, 3, 3)]),
    "MaxPool2d": (lambda: nn.MaxPool2d(2), [(2, 2, 4, 4)]),
    "MaxPool2d_3s1": (lambda: nn.MaxPool2d(3, stride=1, padding=1), [(1, 2, 4, 4)]),
    "MaxPool1d": (lambda: nn.MaxPool1d(3, stride=2), [(2, 2, 7)]),
    "AvgPool2d": (lambda: nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), [(1, 2, 5, 5)]),
    "AdaptiveAvgPool2d": (lambda: nn.AdaptiveAvgPool2d((2, 3)), [(1, 2, 5, 7)]),
    "AdaptiveAvgPool2d_global": (lambda: nn.AdaptiveAvgPool2d(1), [(2, 3, 4, 4)]),
    "BatchNorm1d": (lambda: nn.BatchNorm1d(3), [(5, 3)]),
    "BatchNorm1d_3d": (lambda: nn.BatchNorm1d(3, affine=False), [(4, 3, 2)]),
    "BatchNorm2d": (lambda: nn.BatchNorm2d(2), [(3, 2, 3, 3)]),
    "LayerNorm": (lambda: nn.LayerNorm((2, 3)), [(4, 2, 3)]),
    "Flatten": (lambda: nn.Flatten(), [(2, 3, 2)]),
    "Unflatten": (lambda: nn.Unflatten(1, (2, 3)), [(2, 6)]),
    "Residual": (lambda: nn.Residual(nn.Sequential(nn.Linear(3, 3, generator=0), nn.Tanh()),
                                     nn.Linear(3, 3, generator=1)), [(2, 3)]),
    "RNN": (lambda: nn.RNN(3, 4, num_layers=2, bidirectional=True, generator=0), [(4, 2, 3)]),
    "RNN_relu_bf": (lambda: nn.RNN(3, 4, nonlinearity="relu", batch_first=True, generator=0), [(2, 4, 3)]),
    "LSTM": (lambda: nn.LSTM(3, 3, num_layers=2, bidirectional=True, batch_first=True, generator=0), [(2, 4, 3)]),
    "LSTM_unbatched": (lambda: nn.LSTM(2, 3, generator=0), [(4, 2)]),
    "GRU": (lambda: nn.GRU(3, 3, num_layers=2, bidirectional=True, generator=0), [(4, 2, 3)]),
    "RNNCell": (lambda: nn.RNNCell(3, 4, generator=0), [(2, 3)]),
    "LSTMCell": (lambda: nn.LSTMCell(3, 4, generator=0), [(2, 3)]),
    "GRUCell": (lambda: nn.GRUCell(3, 4, generator=0), [(2, 3)]),
}
ACTIVATIONS = [nn.Sigmoid(), nn.Tanh(), nn.ReLU(), nn.LeakyReLU(0.2), nn.ELU(), nn.GELU(), nn.GELU("tanh"),
               nn.Softplus(), nn.Softmax(dim=1), nn.LogSoftmax(dim=0), nn.Identity()]


@pytest.mark.parametrize("name", CASES)
def test_layer_gradients(name):
    make, shapes = CASES[name]
    check_layer(make(), *[arr(*s, seed=i, away=0.05) for i, s in enumerate(shapes)])


@pytest.mark.parametrize("layer", ACTIVATIONS, ids=lambda m: repr(m))
def test_activation_modules(layer):
    check_layer(layer, arr(3, 4, away=0.05))


def test_batchnorm_eval_mode_gradients_and_running_stats():
    bn = nn.BatchNorm2d(2).double()
    x = arr(4, 2, 3, 3, low=1, high=3)
    check_layer(bn, x, mode="train")        # gradcheck runs many forwards: running stats moved
    assert bn.num_batches_tracked.item() > 0
    assert np.all(bn.running_mean.numpy() > 0.1)
    check_layer(bn, x, mode="eval")


def test_dropout_train_and_eval():
    drop = nn.Dropout(0.25, generator=0)
    x = gw.ones(1000, 100)
    y = drop(x)
    zeros = (y.numpy() == 0).mean()
    assert abs(zeros - 0.25) < 0.01                          # p is the fraction dropped
    np.testing.assert_allclose(y.numpy()[y.numpy() != 0], 1 / 0.75, rtol=1e-6)
    assert drop.eval()(x) is x
    with pytest.raises(ValueError, match="fraction dropped"):
        nn.Dropout(1.5)
    d = nn.Dropout(0.3, generator=0).double()

    def fixed_mask(x):
        d._rng = np.random.default_rng(1)
        return d(x)
    assert gw.gradcheck(fixed_mask, [gw.tensor(arr(3, 4), requires_grad=True)])


def test_embedding_padding_row_gets_no_gradient():
    emb = nn.Embedding(5, 3, padding_idx=0, generator=0)
    assert not emb.weight.numpy()[0].any()
    idx = np.array([[0, 1, 1], [4, 0, 2]])
    out = emb(idx)
    assert out.shape == (2, 3, 3)
    out.sum().backward()
    np.testing.assert_array_equal(emb.weight.grad[:, 0], [0, 2, 1, 0, 1])
    with pytest.raises(IndexError, match="index 5 is out of range for 5 embeddings"):
        emb(np.array([5]))
    with pytest.raises(TypeError, match="must be integers"):
        emb(np.array([0.5]))


def test_step_module_blocks_gradient():
    x = gw.tensor([-1.0, 2.0], requires_grad=True)
    nn.Step()(x).sum().backward()
    np.testing.assert_array_equal(x.grad, [0, 0])


@pytest.mark.parametrize("layer,shape,message", [
    (nn.Linear(784, 10), (32, 28, 28), r"Linear\(in_features=784\) got input of shape \(32, 28, 28\); expected "
                                       r"\(\.\.\., 784\)\. Add nn\.Flatten\(\) before it\?"),
    (nn.Conv2d(3, 4, 3), (8, 1, 28, 28), r"Conv2d\(in_channels=3\) got input of shape \(8, 1, 28, 28\); expected "
                                         r"\(N, 3, H, W\)"),
    (nn.Conv2d(1, 4, 5), (1, 1, 3, 3), "smaller than the kernel 5x5"),
    (nn.BatchNorm2d(3), (4, 3, 5), r"BatchNorm2d\(3\) got input of shape \(4, 3, 5\)"),
    (nn.LSTM(32, 8, batch_first=True), (64, 50, 16), r"LSTM\(input_size=32\) got input of shape \(64, 50, 16\); "
                                                     r"expected \(B, T, 32\)"),
    (nn.MaxPool2d(2), (2, 6, 6), r"expected input of shape \(N, C, H, W\)"),
])
def test_clear_shape_errors(layer, shape, message):
    with pytest.raises(gw.ShapeError, match=message):
        layer(gw.zeros(*shape))


def test_residual_shape_mismatch_explains_the_fix():
    block = nn.Residual(nn.Linear(3, 4))
    with pytest.raises(gw.ShapeError, match="give a shortcut that projects"):
        block(gw.zeros(2, 3))


def test_lstm_initial_state_checked_and_used():
    lstm = nn.LSTM(3, 4, num_layers=2, generator=0)
    x = gw.randn(5, 2, 3, generator=1)
    with pytest.raises(gw.ShapeError, match=r"initial state has shape \(1, 2, 4\); expected \(2, 2, 4\)"):
        lstm(x, (gw.zeros(1, 2, 4), gw.zeros(1, 2, 4)))
    out0, _ = lstm(x)
    out1, _ = lstm(x, (gw.ones(2, 2, 4), gw.zeros(2, 2, 4)))
    assert not np.allclose(out0.numpy(), out1.numpy())


def test_cells_match_the_sequence_layer_and_truncate_bptt():
    lstm = nn.LSTM(3, 4, generator=0)
    cell = nn.LSTMCell(3, 4)
    cell.load_state_dict({k[:-3]: v for k, v in lstm.state_dict().items()})
    x = gw.randn(6, 2, 3, generator=1)
    out, (h_n, c_n) = lstm(x)
    state = None
    for t in range(6):
        state = cell(x[t], state)
        np.testing.assert_allclose(state[0].numpy(), out.numpy()[t], rtol=1e-5, atol=1e-6)
        if t == 2:
            state = nn.detach_state(state)      # truncated backpropagation through time
    np.testing.assert_allclose(state[1].numpy(), c_n.numpy()[0], rtol=1e-5, atol=1e-6)
    x.requires_grad = True
    x_steps = [x[t] for t in range(6)]
    state = None
    for t in range(6):
        state = cell(x_steps[t], state)
        if t == 2:
            state = nn.detach_state(state)
    state[0].sum().backward()
    assert not x.grad[:3].any() and x.grad[3:].any()     # nothing flows past the cut
