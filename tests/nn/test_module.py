import numpy as np
import pytest

import gradwise as gw
from gradwise import nn
from pathlib import Path


def lenet(seed=0):
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2, generator=seed), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5, generator=seed + 1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120, generator=seed + 2), nn.ReLU(), nn.Linear(120, 84, generator=seed + 3), nn.ReLU(),
        nn.Linear(84, 10, generator=seed + 4))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3, generator=0)
        self.scale = nn.Parameter(gw.ones(3))
        self.norm = nn.BatchNorm1d(3)
        self.register_buffer("steps", np.zeros((), np.int64))
        self.register_buffer("cache", np.zeros(2), persistent=False)

    def forward(self, x):
        return self.norm(self.fc(x)) * self.scale


def test_registration_order_and_names():
    b = Block()
    assert [n for n, _ in b.named_parameters()] == ["scale", "fc.weight", "fc.bias", "norm.weight", "norm.bias"]
    assert list(b.state_dict()) == ["scale", "steps", "fc.weight", "fc.bias", "norm.weight", "norm.bias",
                                    "norm.running_mean", "norm.running_var", "norm.num_batches_tracked"]
    assert [n for n, _ in b.named_buffers()] == ["steps", "cache", "norm.running_mean", "norm.running_var",
                                                 "norm.num_batches_tracked"]
    assert [type(m).__name__ for m in b.modules()] == ["Block", "Linear", "BatchNorm1d"]
    assert [n for n, _ in b.named_children()] == ["fc", "norm"]


def test_state_dict_keys_match_pytorch_layout():
    keys = list(lenet().state_dict())
    assert keys == ["0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias", "9.weight", "9.bias",
                    "11.weight", "11.bias"]
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    assert list(lstm.state_dict())[:8] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                                           "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse",
                                           "bias_hh_l0_reverse"]
    assert lstm.weight_ih_l1.shape == (16, 8)


def test_shared_parameter_listed_once():
    fc = nn.Linear(3, 3)
    model = nn.Sequential(fc, nn.ReLU(), fc)
    assert len(list(model.parameters())) == 2


def test_misuse_fails_loudly_with_the_fix():
    class Forgot(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)
    with pytest.raises(AttributeError, match=r"call super\(\).__init__\(\) first"):
        Forgot()
    b = Block()
    with pytest.raises(TypeError, match=r"cannot assign Tensor to parameter 'scale'.*nn.Parameter\(value\)"):
        b.scale = gw.ones(3)
    with pytest.raises(TypeError, match="expects an nn.Parameter"):
        b.register_parameter("w", gw.ones(2))
    with pytest.raises(NotImplementedError, match="must define forward"):
        nn.Module()(1)


def test_load_state_dict_round_trip_and_errors():
    a, b = lenet(0), lenet(10)
    x = gw.randn(2, 1, 28, 28, generator=0)
    assert not np.allclose(a(x).numpy(), b(x).numpy())
    weight_array = b[0].weight.numpy()
    b.load_state_dict(a.state_dict())
    np.testing.assert_array_equal(a(x).numpy(), b(x).numpy())
    assert b[0].weight.numpy() is weight_array          # copied in place: optimizers keep their references
    sd = dict(a.state_dict())
    sd.pop("0.bias")
    sd["extra"] = np.zeros(1)
    sd["7.weight"] = np.zeros((3, 3))
    with pytest.raises(gw.ShapeError, match=r"shape mismatches: 7.weight: checkpoint \(3, 3\), model \(120, 400\)"
                                            r" \| missing keys: 0.bias \| unexpected keys: extra"):
        b.load_state_dict(sd)
    sd["7.weight"] = a.state_dict()["7.weight"]
    missing, unexpected = b.load_state_dict(sd, strict=False)
    assert missing == ["0.bias"] and unexpected == ["extra"]


def test_train_eval_and_zero_grad():
    b = Block()
    assert b.training and b.norm.training
    b.eval()
    assert not b.training and not b.norm.training
    b.train()
    b(gw.randn(5, 4, generator=0)).sum().backward()
    assert all(p.grad is not None for p in b.parameters())
    b.zero_grad()
    assert all(p.grad is None for p in b.parameters())


def test_summary_totals():
    text = lenet().summary((1, 28, 28))
    assert "Total params: 61,706" in text and "Trainable params: 61,706" in text
    assert "(None, 16, 5, 5)" in text and "(None, 10)" in text
    b = Block()
    b.fc.requires_grad_(False)
    text = b.summary((4,))
    assert "Total params: 24" in text and "Trainable params: 9" in text and "Non-trainable params: 15" in text
    assert b.training      # summary restores the mode


def test_repr_is_a_tree():
    text = repr(nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Dropout(0.1))))
    assert text == ("Sequential(\n  (0): Linear(in_features=2, out_features=3, bias=True)\n  (1): Sequential(\n"
                    "    (0): ReLU()\n    (1): Dropout(p=0.1)\n  )\n)")


def test_forward_hook():
    seen = []
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    handle = model[1].register_forward_hook(lambda m, inp, out: seen.append(out.shape))
    model(gw.zeros(4, 2))
    handle.remove()
    model(gw.zeros(4, 2))
    assert seen == [(4, 3)]


def test_containers():
    ml = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])
    md = nn.ModuleDict({"enc": nn.Linear(2, 3), "dec": nn.Linear(3, 2)})
    assert len(ml) == 2 and len(list(ml.parameters())) == 4
    assert list(md.keys()) == ["enc", "dec"] and "enc" in md
    assert list(md.state_dict()) == ["enc.weight", "enc.bias", "dec.weight", "dec.bias"]
    seq = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
    assert len(seq[:2]) == 2 and isinstance(seq[-1], nn.Linear)
    with pytest.raises(TypeError, match="argument 1 is int"):
        nn.Sequential(nn.ReLU(), 3)


def test_save_load_file_round_trip(tmp_path):
    a, b = Block(), Block()
    a.norm.running_mean.numpy()[:] = [1, 2, 3]
    a.steps.numpy()[...] = 7
    path = tmp_path / "block.safetensors"
    gw.save(a.state_dict(), path, metadata={"epoch": "3"})
    loaded = gw.load(path)
    assert loaded["steps"].shape == () and loaded["steps"] == 7
    b.load_state_dict(loaded)
    np.testing.assert_array_equal(b.norm.running_mean.numpy(), [1, 2, 3])
    assert gw.serialization.metadata(path) == {"epoch": "3"}
    assert [p.name for p in tmp_path.iterdir()] == ["block.safetensors"]     # no temporary file left


def test_damaged_file_gives_a_clear_error(tmp_path):
    path = tmp_path / "m.safetensors"
    gw.save(nn.Linear(3, 2).state_dict(), path)
    good = path.read_bytes()
    path.write_bytes(good[:len(good) // 2])
    with pytest.raises(ValueError, match="m.safetensors: not a safetensors file, or truncated"):
        gw.load(path)
    with pytest.raises(FileNotFoundError, match="no file at"):
        gw.load(tmp_path / "missing.safetensors")


def test_failed_write_keeps_the_previous_file(tmp_path):
    path = tmp_path / "m.safetensors"
    gw.save({"a": np.ones(2)}, path)
    with pytest.raises(TypeError):
        gw.save({"a": np.ones(2)}, path, metadata={"bad": 1})
    np.testing.assert_array_equal(gw.load(path)["a"], [1, 1])


def test_loads_a_file_saved_by_pytorch():
    folder = Path(__file__).parent / "fixtures" / "pytorch_saved"
    model = lenet()
    model.load_state_dict(gw.load(folder / "lenet5.safetensors"))
    io = gw.load(folder / "lenet5_io.safetensors")
    np.testing.assert_allclose(model(io["input"]).numpy(), io["output"], atol=1e-5, rtol=1e-5)


def test_init_functions():
    w = nn.Parameter(gw.zeros(64, 32))
    nn.init.kaiming_normal_(w, nonlinearity="relu", generator=0)
    assert abs(w.numpy().std() - np.sqrt(2 / 32)) < 0.01
    nn.init.xavier_uniform_(w, generator=0)
    assert abs(w.numpy().max()) <= np.sqrt(6 / 96) + 1e-6
    nn.init.orthogonal_(w, generator=0)
    np.testing.assert_allclose(w.numpy().T @ w.numpy(), np.eye(32), atol=1e-5)
    nn.init.constant_(w, 0.5)
    assert (w.numpy() == 0.5).all()
    nn.init.zeros_(w)
    assert not w.numpy().any()
    with pytest.raises(ValueError, match="unknown nonlinearity 'swish'"):
        nn.init.calculate_gain("swish")
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        nn.init.xavier_normal_(nn.Parameter(gw.zeros(3)))


def _mlp(seed=0):
    return nn.Sequential(nn.Linear(300, 256, generator=seed), nn.ReLU(), nn.Linear(256, 128, generator=seed + 1),
                         nn.ReLU(), nn.Linear(128, 10, generator=seed + 2))


def _forward_backward(net, x, call):
    for p in net.parameters():
        p.grad = None
    out = call(net, x)
    out.sum().backward()
    return out.numpy(), [p.grad.numpy().copy() for p in net.parameters()]


def _one_by_one(net, x):
    for m in net:
        x = m(x)
    return x


def test_sequential_hands_a_linear_its_relu_and_the_results_match_the_layers_run_one_by_one(monkeypatch):
    """nn.Sequential asks the dense layer's product to store the ReLU that follows it
    (ops/gemm.py, FUSION): same values and gradients as the modules called one by one, the same
    graph, and no ReLU made where a hook or an in-place ReLU sits between them."""
    from gradwise.ops import gemm
    x = gw.tensor(np.random.default_rng(0).standard_normal((64, 300), dtype=np.float32))
    net = _mlp()
    taken = []
    real = type(gemm.FUSION).take_relu
    monkeypatch.setattr(type(gemm.FUSION), "take_relu", lambda self, a: taken.append(real(self, a)) or taken[-1])
    fused_out, fused_grads = _forward_backward(net, x, lambda n, v: n(v))
    made = [r is not None for r in taken]
    taken.clear()
    plain_out, plain_grads = _forward_backward(net, x, _one_by_one)
    np.testing.assert_array_equal(fused_out, plain_out)
    for a, b in zip(fused_grads, plain_grads):
        np.testing.assert_array_equal(a, b)
    assert [r is None for r in taken] == [True, True] and gemm.FUSION.made is None
    from gradwise.ops import fused as kernels
    if kernels.available() and kernels.kernels().has_gemm and kernels.vector_floats() in (8, 16):
        assert made == [True, True]
    # a hook that changes the Linear's output in place: the ReLU sees the change
    net[2].register_forward_hook(lambda m, inp, out: out.data.__setitem__(Ellipsis, -1.0))
    taken.clear()
    out = net[:4](x)
    assert len(taken) == 2 and taken[1] is None and (out.numpy() == 0).all()     # the first pair has no hook
    inplace = nn.Sequential(nn.Linear(300, 256, generator=0), nn.ReLU(inplace=True))
    taken.clear()
    y = inplace(x)
    assert not any(r is not None for r in taken) and (y.numpy() >= 0).all()


def test_a_fused_linear_and_relu_leave_nothing_wrong_to_see():
    """The pair's Linear output array holds the ReLU's values (ops/gemm.py, FUSION): the pair is
    not fused where anything could look at that output, an anomaly check or a graph tracer."""
    from gradwise import autograd
    from gradwise.nn import containers
    net = _mlp()
    linear, relu = net[0], net[1]
    assert containers._relu_follows(linear, relu)
    seen = []
    saved = autograd._Hooks.forward
    autograd._Hooks.forward = lambda fn, arrays, out: seen.append((type(fn).__name__, out.copy()))
    try:
        assert not containers._relu_follows(linear, relu)
        x = gw.tensor(np.random.default_rng(1).standard_normal((64, 300), dtype=np.float32))
        net(x)
    finally:
        autograd._Hooks.forward = saved
    first = next(out for name, out in seen if name == "Linear")
    assert (first < 0).any()                # the Linear's own values, before the ReLU
    saved = autograd._Hooks.trace
    autograd._Hooks.trace = lambda *args: None
    try:
        assert not containers._relu_follows(linear, relu)
    finally:
        autograd._Hooks.trace = saved
