"""Every layer exports, and onnxruntime gives gradwise's outputs (1e-5) for two batch sizes."""
import numpy as np
import pytest

import gradwise as gw
import gradwise.functional as F
from gradwise import nn

from .helpers import float_input, int_input, roundtrip

LAYERS = {
    "linear": (lambda: nn.Linear(6, 4, generator=0), float_input(6)),
    "linear_3d": (lambda: nn.Linear(6, 4, generator=0), float_input(3, 6)),
    "conv": (lambda: nn.Conv2d(3, 4, 3, stride=2, padding=1, generator=0), float_input(3, 9, 9)),
    "conv_same_dilated": (lambda: nn.Conv2d(2, 4, 4, padding="same", dilation=2, generator=0), float_input(2, 8, 8)),
    "conv_same_even_kernel": (lambda: nn.Conv2d(2, 3, (4, 3), padding="same", generator=0), float_input(2, 7, 7)),
    "conv_groups_nobias": (lambda: nn.Conv2d(4, 6, (3, 2), groups=2, bias=False, generator=0), float_input(4, 7, 6)),
    "conv1d": (lambda: nn.Conv1d(3, 5, 3, padding=1, generator=0), float_input(3, 10)),
    "conv_transpose": (lambda: nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1, generator=0),
                       float_input(3, 5, 5)),
    "maxpool": (lambda: nn.MaxPool2d(3, stride=2, padding=1), float_input(2, 9, 9)),
    "maxpool1d": (lambda: nn.MaxPool1d(2), float_input(2, 9)),
    "avgpool": (lambda: nn.AvgPool2d(2), float_input(2, 8, 8)),
    "adaptive_avgpool": (lambda: nn.AdaptiveAvgPool2d(1), float_input(3, 4, 4)),
    "batchnorm2d": (lambda: _trained_bn(nn.BatchNorm2d(3), (3, 4, 4)), float_input(3, 4, 4)),
    "batchnorm1d": (lambda: _trained_bn(nn.BatchNorm1d(5), (5,)), float_input(5)),
    "layernorm": (lambda: nn.LayerNorm((4, 5)), float_input(3, 4, 5)),
    "layernorm_plain": (lambda: nn.LayerNorm(5, elementwise_affine=False), float_input(5)),
    "batchnorm_batch_statistics": (lambda: nn.BatchNorm2d(3, track_running_stats=False), float_input(3, 4, 4)),
    "dropout": (lambda: nn.Sequential(nn.Dropout(0.5), nn.Linear(4, 3, generator=0)), float_input(4)),
    "flatten_unflatten": (lambda: nn.Sequential(nn.Flatten(), nn.Unflatten(1, (6, 4))), float_input(2, 3, 4)),
    "embedding": (lambda: nn.Embedding(10, 4, generator=0), int_input(10, 6)),
}
ACTIVATIONS = [nn.ReLU(), nn.Sigmoid(), nn.Tanh(), nn.LeakyReLU(0.2), nn.ELU(0.7), nn.GELU(), nn.GELU("tanh"),
               nn.Softplus(), nn.Softplus(beta=2.0, threshold=1.0), nn.Softmax(dim=1), nn.LogSoftmax(dim=-1), nn.Step()]


def _trained_bn(bn, shape):
    bn.train()
    bn(gw.tensor(np.random.default_rng(0).normal(1.0, 2.0, (8,) + shape).astype(np.float32)))
    bn.weight.data.uniform_(0.5, 1.5, generator=1)
    return bn


@pytest.mark.parametrize("name", LAYERS)
def test_layer(name, tmp_path):
    build, make = LAYERS[name]
    roundtrip(build(), make, tmp_path / "m.onnx")


@pytest.mark.parametrize("act", ACTIVATIONS, ids=lambda a: repr(a))
def test_activation(act, tmp_path):
    roundtrip(act, float_input(3, 7), tmp_path / "m.onnx")


class Custom(nn.Module):
    """Residual connection, concatenation, slicing, indexing and arithmetic in plain forward code."""
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(6, 6, generator=0), nn.Linear(12, 4, generator=1)

    def forward(self, x):
        h = F.relu(self.a(x)) + x                           # residual
        h = gw.cat([h, h[:, ::-1] * 0.5 - 1.0], dim=1)      # reversed slice, constants
        h = h.reshape(x.shape[0], 3, 4).permute(0, 2, 1).reshape(x.shape[0], -1)
        y = self.b(h).exp().log1p() / (h[:, 2:3].abs() + 1) ** 2
        return y.sum(dim=1, keepdim=True) - y.mean(1, keepdim=True).sqrt() + y.max(dim=1)[0][:, None], y[:, None, -1]


def test_custom_forward(tmp_path):
    roundtrip(Custom(), float_input(6), tmp_path / "m.onnx")


def test_opsets(tmp_path):
    for opset in (13, 18, 20):
        roundtrip(nn.Sequential(nn.LayerNorm(5), nn.GELU()), float_input(2, 5), tmp_path / "m.onnx",
                  opset_version=opset)


def test_parameters_are_named_initializers(tmp_path):
    onnx = pytest.importorskip("onnx")
    model = nn.Sequential(nn.Linear(3, 4, generator=0), nn.ReLU(), nn.Linear(4, 2, generator=1))
    proto = gw.onnx.export(model, gw.randn(2, 3), str(tmp_path / "m.onnx"))
    names = {t.name for t in proto.graph.initializer}
    assert {"0.weight", "0.bias", "2.weight", "2.bias"} <= names
    weight = next(t for t in proto.graph.initializer if t.name == "2.weight")
    np.testing.assert_array_equal(onnx.numpy_helper.to_array(weight), model[2].weight.numpy())


def test_unsupported_op_names_the_op_and_layer(tmp_path):
    class Sorting(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(3, 3, generator=0)

        def forward(self, x):
            return gw.cumprod(self.lin(x), dim=1)

    with pytest.raises(gw.UnsupportedError, match=r"Cumprod.*lin \(Linear\)|Cumprod.*the model"):
        gw.onnx.export(Sorting(), gw.randn(2, 3), str(tmp_path / "m.onnx"))


def test_plain_function_and_several_inputs(tmp_path):
    import onnxruntime as ort
    w = gw.randn(4, 3, generator=0)

    def f(a, b):
        return F.softmax(a @ w + b, dim=-1), gw.stack([a, a * 2], dim=1)

    a, b = gw.randn(2, 4, generator=1), gw.randn(3, generator=2)
    gw.onnx.export(f, (a, b), str(tmp_path / "f.onnx"), input_names=["a", "b"], output_names=["p", "s"])
    got = ort.InferenceSession(str(tmp_path / "f.onnx")).run(None, {"a": a.numpy(), "b": b.numpy()})
    for g, e in zip(got, f(a, b)):
        np.testing.assert_allclose(g, e.numpy(), atol=1e-6)


def test_trace_hooks_are_removed_even_when_forward_fails(tmp_path):
    from gradwise.autograd import _Hooks
    model = nn.Linear(3, 2, generator=0)
    with pytest.raises(gw.ShapeError):
        gw.onnx.export(model, gw.randn(2, 5), str(tmp_path / "m.onnx"))
    assert _Hooks.trace is None and nn.Module._call_hook is None
    assert model.training                       # the mode it had before the export


def test_bad_arguments_are_clear(tmp_path):
    with pytest.raises(ValueError, match="opset_version"):
        gw.onnx.export(nn.ReLU(), gw.randn(2), str(tmp_path / "m.onnx"), opset_version=9)
    with pytest.raises(TypeError, match="bogus"):
        gw.onnx.export(nn.ReLU(), gw.randn(2), str(tmp_path / "m.onnx"), bogus=1)
