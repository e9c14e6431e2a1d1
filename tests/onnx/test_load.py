"""gradwise.onnx.load: files from PyTorch's exporter and from gradwise's run with their outputs."""
import os

import numpy as np
import pytest

import gradwise as gw
from gradwise import nn, optim

pytest.importorskip("onnx", reason="ONNX loading needs onnx (pip install onnx)")

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")


@pytest.mark.parametrize("name", ["torch_lenet5", "torch_lstm"])
def test_pytorch_exported_model_gives_pytorchs_outputs(name):
    """Written by PyTorch 2.13's exporter (tests/onnx/make_fixtures.py); the LSTM is 2-layer bidirectional."""
    model = gw.onnx.load(os.path.join(FIXTURES, name + ".onnx"))
    data = np.load(os.path.join(FIXTURES, name + ".npz"))
    np.testing.assert_allclose(model(gw.tensor(data["x"])).numpy(), data["y"], atol=1e-5, rtol=1e-5)


def _zoo():
    from .test_export_layers import LAYERS, ACTIVATIONS, Custom, float_input
    from .test_export_models import ZOO
    cases = dict(LAYERS, **ZOO)
    cases.update({f"act_{i}": ((lambda a=a: a), float_input(3, 7)) for i, a in enumerate(ACTIVATIONS)})
    cases["custom"] = (Custom, float_input(6))
    return cases


CASES = _zoo()


@pytest.mark.parametrize("name", CASES)
def test_gradwise_round_trip(name, tmp_path):
    build, make = CASES[name]
    model = build().eval()
    path = str(tmp_path / "m.onnx")
    gw.onnx.export(model, gw.tensor(make(2, 0)), path, input_names=["x"], dynamic_axes={"x": [0]})
    loaded = gw.onnx.load(path)
    x = gw.tensor(make(5, 1))
    with gw.no_grad():
        expected = gw.onnx.trace.flat_tensors(model(x))
        got = loaded(x)
    got = got if isinstance(got, tuple) else (got,)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g.numpy(), e.numpy(), atol=1e-5, rtol=1e-5)


def test_loaded_model_fine_tunes_under_the_exporters_names():
    model = gw.onnx.load(os.path.join(FIXTURES, "torch_lenet5.onnx"))
    names = [n for n, _ in model.named_parameters()]
    assert names == [f"{i}.{p}" for i in (0, 3, 7, 9, 11) for p in ("weight", "bias")]
    x = gw.randn(8, 1, 28, 28, generator=0)
    y = np.arange(8) % 10
    opt = optim.SGD(model.parameters(), lr=0.05)
    losses = []
    for _ in range(3):
        loss = nn.CrossEntropyLoss()(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert model.get_parameter("0.weight").grad is not None
    assert losses[-1] < losses[0]


def test_unsupported_onnx_op_is_named(tmp_path):
    import onnx
    from onnx import TensorProto, helper
    node = helper.make_node("Hardmax", ["x"], ["y"])
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])])
    with pytest.raises(gw.UnsupportedError, match="Hardmax"):
        gw.onnx.load(helper.make_model(graph))


def test_missing_onnx_package_is_a_clear_error(monkeypatch, tmp_path):
    import sys
    monkeypatch.setitem(sys.modules, "onnx", None)          # as if it were not installed
    with pytest.raises(ImportError, match=r"pip install 'gradwise\[onnx\]'"):
        gw.onnx.export(nn.ReLU(), gw.randn(2), str(tmp_path / "m.onnx"))
    with pytest.raises(ImportError, match=r"gradwise\[onnx\]"):
        gw.onnx.load(str(tmp_path / "m.onnx"))
