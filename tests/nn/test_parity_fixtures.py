"""PyTorch parity without PyTorch: replay fixtures written by fixtures/make_fixtures.py (torch 2.13.0).

Each layer is built with the same arguments, given PyTorch's weights through load_state_dict,
and must reproduce PyTorch's outputs and gradients to 1e-5.
"""
import json
from pathlib import Path

import numpy as np
import pytest

import gradwise as gw
import gradwise.functional as F
from gradwise import nn
from gradwise.serialization import metadata

FIXTURES = sorted((Path(__file__).parent / "fixtures").glob("*.safetensors"))
TOL = dict(atol=1e-5, rtol=1e-5)


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flat(o)]
    return [out]


def _run_layer(case, data):
    layer = getattr(nn, case["cls"])(**case["kwargs"]).double()
    state = {k.split(".", 1)[1]: v for k, v in data.items() if k.startswith(("param.", "buffer."))}
    layer.load_state_dict(state)
    layer.train(case["mode"] == "train")
    x = data["input"]
    leaves = {}
    x = gw.tensor(x, requires_grad=np.issubdtype(x.dtype, np.floating))
    if x.requires_grad:
        leaves["input"] = x
    args = [x]
    hx = [gw.tensor(data[k], requires_grad=True) for k in sorted(data) if k.startswith("hx.")]
    leaves.update({f"hx.{i}": h for i, h in enumerate(hx)})
    if hx:
        args.append(tuple(hx) if len(hx) == 2 else hx[0])
    leaves.update({f"param.{n}": p for n, p in layer.named_parameters()})
    return layer, _flat(layer(*args)), leaves


def _run_loss(case, data):
    kwargs = {k: np.array(v) if isinstance(v, list) else v for k, v in case["kwargs"].items()}
    x = gw.tensor(data["input"], requires_grad=True)
    target = data["target"]
    leaves = {"input": x}
    if "grad.target" in data:
        target = gw.tensor(target, requires_grad=True)
        leaves["target"] = target
    inp = F.log_softmax(x, 1) if case["fn"] == "nll_loss" else x
    return None, [getattr(F, case["fn"])(inp, target, **kwargs)], leaves


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_matches_pytorch(path):
    data = gw.load(path)
    case = json.loads(metadata(path)["case"])
    layer, outs, leaves = (_run_layer if case["kind"] == "layer" else _run_loss)(case, data)
    n_out = len([k for k in data if k.startswith("out.")])
    assert len(outs) == n_out
    total = None
    for k, o in enumerate(outs):
        np.testing.assert_allclose(o.numpy(), data[f"out.{k}"], **TOL, err_msg=f"output {k}")
        term = (o * data[f"weight.{k}"]).sum()
        total = term if total is None else total + term
    total.backward()
    grads = {k[5:]: v for k, v in data.items() if k.startswith("grad.")}
    assert set(grads) == set(leaves), (set(grads), set(leaves))
    for name, expected in grads.items():
        np.testing.assert_allclose(leaves[name].grad, expected, **TOL, err_msg=f"gradient of {name}")
    for key in (k for k in data if k.startswith("after.")):
        np.testing.assert_allclose(dict(layer.named_buffers())[key[6:]].numpy(), data[key], **TOL, err_msg=key)


def test_fixture_set_is_complete():
    names = {p.stem for p in FIXTURES}
    for required in ["linear", "conv2d", "conv_transpose2d", "maxpool_2s2", "maxpool_3s1", "maxpool_3s2",
                     "avgpool_2s2", "batchnorm1d_train", "batchnorm1d_eval", "batchnorm2d_train", "batchnorm2d_eval",
                     "layernorm", "embedding", "rnn_tanh", "lstm", "lstm_bf", "gru", "gru_bf", "cross_entropy",
                     "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "mse_loss", "l1_loss",
                     "huber_loss"]:
        assert required in names
