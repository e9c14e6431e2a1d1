"""Device discipline, tested on the CPU: a stand-in device whose arrays refuse to meet host arrays
(tests/device/fake.py) runs ops, layers, optimizers and the Trainer; every result must stay on
the device and equal the CPU's, and mixing devices is a DeviceError naming both."""
import copy

import numpy as np
import pytest

import gradwise as gw
import gradwise.functional as F
from gradwise import backend, models, nn, optim
from gradwise.errors import DeviceError
from gradwise.training import ModelCheckpoint

from . import fake


@pytest.fixture(autouse=True, scope="module")
def fake_device():
    fake.register()
    yield
    backend.unregister_device("fake")


def _x(*shape, seed=0):
    return gw.tensor(np.random.default_rng(seed).normal(size=shape))


OPS = {
    "add": lambda a, b: a + b, "mul": lambda a, b: a * b, "div": lambda a, b: a / (b.abs() + 1),
    "matmul": lambda a, b: a @ b.T, "exp": lambda a, b: a.exp(), "log": lambda a, b: (a.abs() + 1).log(),
    "tanh": lambda a, b: a.tanh(), "sigmoid": lambda a, b: a.sigmoid(), "relu": lambda a, b: a.relu(),
    "gelu": lambda a, b: F.gelu(a), "sum": lambda a, b: a.sum(), "mean": lambda a, b: a.mean(1),
    "max": lambda a, b: a.max(), "var": lambda a, b: a.var(), "logsumexp": lambda a, b: a.logsumexp(1),
    "softmax": lambda a, b: F.softmax(a, dim=1), "clamp": lambda a, b: a.clamp(-0.5, 0.5),
    "cross_entropy": lambda a, b: F.cross_entropy(a, gw.tensor([0, 1, 2]).to(a.device)),
    "bce_logits": lambda a, b: F.binary_cross_entropy_with_logits(a, (b > 0).float()),
    "mse": lambda a, b: F.mse_loss(a, b), "index": lambda a, b: a[1:, ::2], "cat": lambda a, b: gw.cat([a, b]),
    "stack": lambda a, b: gw.stack([a, b]), "where": lambda a, b: gw.where(a > 0, a, b), "pow": lambda a, b: a ** 2,
}


@pytest.mark.parametrize("name", OPS)
def test_ops_stay_on_the_device_forward_and_backward(name):
    a, b = _x(3, 4), _x(3, 4, seed=1)
    ref = OPS[name](a, b)
    af, bf = a.to("fake").requires_grad_(), b.to("fake").requires_grad_()
    out = OPS[name](af, bf)
    assert out.device == gw.device("fake")
    np.testing.assert_allclose(out.cpu().numpy(), ref.numpy(), rtol=1e-12)
    out.sum().backward()
    assert all(t.grad is None or t.grad.device == gw.device("fake") for t in (af, bf))


LAYERS = {
    "linear": (lambda: nn.Linear(4, 3), (5, 4)),
    "conv": (lambda: nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.BatchNorm2d(3), nn.MaxPool2d(2)), (2, 2, 6, 6)),
    "conv_transpose": (lambda: nn.Sequential(nn.ConvTranspose2d(2, 3, 3, stride=2), nn.AdaptiveAvgPool2d(1)),
                       (2, 2, 4, 4)),
    "norms_dropout": (lambda: nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.LayerNorm(3),
                                            nn.Dropout(0.5, generator=0)), (5, 4)),
    "lstm": (lambda: nn.LSTM(4, 3, batch_first=True), (2, 5, 4)),
    "gru": (lambda: nn.GRU(4, 3, num_layers=2, bidirectional=True), (5, 2, 4)),
    "rnn": (lambda: nn.RNN(4, 3), (5, 2, 4)),
}


@pytest.mark.parametrize("name", LAYERS)
def test_layers_on_the_device_equal_the_cpu(name):
    make, shape = LAYERS[name]
    gw.manual_seed(0)
    ref = make().double()
    dev = copy.deepcopy(ref).to("fake")
    x = _x(*shape)
    out_ref, out = ref(x), dev(x.to("fake"))
    out_ref, out = (out_ref[0], out[0]) if isinstance(out, tuple) else (out_ref, out)
    assert out.device == gw.device("fake")
    np.testing.assert_allclose(out.cpu().numpy(), out_ref.numpy(), rtol=1e-10, atol=1e-12)
    out.sum().backward()
    out_ref.sum().backward()
    for p, q in zip(dev.parameters(), ref.parameters()):
        assert p.device == p.grad.device == gw.device("fake")
        np.testing.assert_allclose(p.grad.cpu().numpy(), q.grad.numpy(), rtol=1e-9, atol=1e-12)
    assert all(b.device == gw.device("fake") for b in dev.buffers())


@pytest.mark.parametrize("make", [lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
                                  lambda p: optim.Adam(p, lr=0.01, amsgrad=True), lambda p: optim.AdamW(p),
                                  lambda p: optim.RMSprop(p, momentum=0.5, centered=True),
                                  lambda p: optim.Adagrad(p)], ids=["sgd", "adam", "adamw", "rmsprop", "adagrad"])
def test_optimizers_update_on_the_device_and_reload_their_state_there(make):
    gw.manual_seed(0)
    cpu_model = nn.Linear(4, 3).double()
    dev_model = copy.deepcopy(cpu_model).to("fake")
    opts = make(cpu_model.parameters()), make(dev_model.parameters())
    x = _x(5, 4)
    for _ in range(3):
        for model, opt, inp in ((cpu_model, opts[0], x), (dev_model, opts[1], x.to("fake"))):
            opt.zero_grad()
            model(inp).pow(2).sum().backward()
            opt.step()
    for p, q in zip(dev_model.parameters(), cpu_model.parameters()):
        assert p.device == gw.device("fake")
        np.testing.assert_allclose(p.cpu().numpy(), q.numpy(), rtol=1e-12)
    opts[1].load_state_dict(opts[0].state_dict())           # host state into a device optimizer
    for state in opts[1].state.values():
        assert all(backend.device_type(v) == "fake" for v in state.values() if getattr(v, "ndim", 0))


def test_load_state_dict_copies_host_weights_into_a_device_model():
    source = nn.Linear(4, 3)
    model = nn.Linear(4, 3).to("fake")
    model.load_state_dict(source.state_dict())
    assert model.weight.device == gw.device("fake")
    np.testing.assert_array_equal(model.weight.cpu().numpy(), source.weight.numpy())
    nn.init.kaiming_uniform_(model.weight, generator=0)       # initialisers draw on the host, copy over
    assert model.weight.device == gw.device("fake")


def test_trainer_on_the_device_equals_the_cpu_run_and_resumes(tmp_path):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(48, 1, 8, 8)).astype(np.float32), rng.integers(0, 10, 48)

    def run(device, folder, epochs=2, resume=None):
        gw.manual_seed(0)
        model = models.get("cnn", (1, 8, 8), 10, generator=0).to(device)
        trainer = gw.Trainer(model, loss="cross_entropy", optimizer="adam", metrics=["accuracy"],
                             callbacks=[ModelCheckpoint(folder, every_n_steps=3)])
        history = trainer.fit((x, y), epochs=epochs, batch_size=16, validation_data=(x[:16], y[:16]),
                              verbose=False, resume_from=resume)
        return history, trainer.predict(x[:4]), model
    h_cpu, p_cpu, _ = run("cpu", tmp_path / "cpu")
    h_dev, p_dev, model = run("fake", tmp_path / "fake")
    assert h_dev["loss"] == pytest.approx(h_cpu["loss"], rel=1e-5)
    assert h_dev["val_accuracy"] == h_cpu["val_accuracy"]
    assert type(p_dev) is np.ndarray and np.allclose(p_dev, p_cpu, atol=1e-5)
    assert all(p.device == gw.device("fake") for p in model.parameters())
    _, _, resumed = run("fake", tmp_path / "fake", epochs=3, resume=tmp_path / "fake")
    assert resumed[0].weight.device == gw.device("fake")


def test_mixing_devices_is_a_clear_error_naming_both():
    a, b = _x(3, 4).to("fake"), _x(4, 2)
    with pytest.raises(DeviceError, match=r"MatMul: expected all tensors on one device; got tensors on 'fake' "
                                          r"\(shape \(3, 4\)\) and 'cpu' \(shape \(4, 2\)\)"):
        a @ b
    with pytest.raises(DeviceError, match="on one device"):
        nn.Linear(4, 2)(a)                                  # a host model given a device batch
    with pytest.raises(DeviceError, match=r"\.cpu\(\)\.numpy\(\)"):
        a.numpy()


def test_an_op_that_computes_on_the_host_is_caught():
    class HostExp(gw.autograd.Function):
        def forward(self, x):
            return np.exp(np.asarray(x))                   # np.asarray drops a device array to the host

        def backward(self, g):
            return g
    with pytest.raises(DeviceError, match="HostExp was given arrays on device 'fake' but computed on the host"):
        HostExp.apply(_x(3).to("fake"))


def test_cuda_without_cupy_is_a_clear_error():
    if gw.cuda.is_available():
        pytest.skip("CuPy and a GPU are present: see test_cuda_roundtrip_with_cupy")
    assert gw.cuda.device_count() == 0
    with pytest.raises(DeviceError, match="CuPy"):
        gw.ones(2).to("cuda")


def test_cuda_roundtrip_with_cupy():
    pytest.importorskip("cupy", reason="needs CuPy and a GPU")
    if not gw.cuda.is_available():
        pytest.skip("CuPy is installed but sees no GPU")
    model = nn.Linear(4, 3).to("cuda")
    out = model(_x(5, 4).float().to("cuda"))
    assert out.device.type == "cuda" and out.is_cuda
    out.sum().backward()
    assert model.weight.grad.device.type == "cuda"
