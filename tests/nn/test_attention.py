"""MultiheadAttention and the Transformer encoder against PyTorch 2.13 (fixtures written by
fixtures/attention/make_fixtures.py with the same weights), plus float64 gradient checks."""
import json
from pathlib import Path

import numpy as np
import pytest

import gradwise as gw
import gradwise.functional as F
from gradwise import nn
from gradwise.serialization import metadata
from tests.helpers import arr, check_op

FIXTURES = sorted((Path(__file__).parent / "fixtures" / "attention").glob("*.safetensors"))
TOL = dict(atol=1e-6, rtol=1e-5)


def _build(case):
    if case["cls"] == "TransformerEncoder":
        layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1, batch_first=True)
        return nn.TransformerEncoder(layer, norm=nn.LayerNorm(8), enable_nested_tensor=False, **case["kwargs"])
    return getattr(nn, case["cls"])(**case["kwargs"])


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_matches_pytorch(path):
    data, case = gw.load(path), json.loads(metadata(path)["case"])
    module = _build(case).double()
    module.load_state_dict({k[6:]: v for k, v in data.items() if k.startswith("param.")})
    module.train(case["mode"] == "train")
    xs = {k: gw.tensor(data[f"input.{k}"], requires_grad=True) for k in case["inputs"]}
    call = dict(case["call"])
    args = list(xs.values()) * (3 if call.pop("self_attention", False) else 1)
    masks = {k[5:]: gw.tensor(v) for k, v in data.items() if k.startswith("mask.")}
    outs = module(*args, **masks, **call)
    outs = [o for o in (outs if isinstance(outs, tuple) else (outs,)) if o is not None]
    assert len(outs) == len([k for k in data if k.startswith("out.")])
    total = 0
    for k, o in enumerate(outs):
        np.testing.assert_allclose(o.numpy(), data[f"out.{k}"], **TOL, err_msg=f"output {k}")
        total = total + (o * gw.tensor(data[f"weight.{k}"])).sum()
    total.backward()
    for k, x in xs.items():
        np.testing.assert_allclose(x.grad.numpy(), data[f"grad.input.{k}"], **TOL, err_msg=f"gradient of {k}")
    for n, p in module.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), data[f"grad.param.{n}"], **TOL, err_msg=f"gradient of {n}")


def test_state_dict_keys_are_pytorchs():
    layer = nn.TransformerEncoderLayer(8, 2, 16)
    assert list(layer.state_dict()) == [
        "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
        "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias", "norm1.weight", "norm1.bias",
        "norm2.weight", "norm2.bias"]
    enc = nn.TransformerEncoder(layer, 3)
    assert len(enc.state_dict()) == 36 and "layers.2.norm2.bias" in enc.state_dict()
    assert enc.layers[0].linear1.weight is not enc.layers[1].linear1.weight      # copies, not shared
    assert list(nn.MultiheadAttention(6, 2, kdim=4).state_dict()) == [
        "q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]


def test_attention_gradcheck():
    mask = np.triu(np.full((4, 4), -np.inf), 1)
    ref_scores = None

    def ref(q, k, v):
        s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1]) + mask
        w = np.exp(s - s.max(-1, keepdims=True))
        return (w / w.sum(-1, keepdims=True)) @ v
    assert ref_scores is None
    check_op(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
             [arr(2, 4, 3, seed=1), arr(2, 4, 3, seed=2), arr(2, 4, 5, seed=3)], ref)
    bool_mask = np.tril(np.ones((4, 4), bool))                     # True: may attend (PyTorch's sdpa convention)
    out = F.scaled_dot_product_attention(gw.tensor(arr(2, 4, 3, seed=1)), gw.tensor(arr(2, 4, 3, seed=2)),
                                         gw.tensor(arr(2, 4, 5, seed=3)), attn_mask=bool_mask)
    np.testing.assert_allclose(out.numpy(), ref(arr(2, 4, 3, seed=1), arr(2, 4, 3, seed=2), arr(2, 4, 5, seed=3)),
                               atol=1e-5)


def test_mha_module_gradcheck_in_float64():
    mha = nn.MultiheadAttention(4, 2, batch_first=True, generator=0).double()
    kpm = np.array([[False, False, True], [False, False, False]])
    x = gw.tensor(arr(2, 3, 4, seed=4), requires_grad=True)
    assert gw.gradcheck(lambda x: mha(x, x, x, key_padding_mask=kpm)[0], [x])
    params = list(mha.parameters())
    assert gw.gradcheck(lambda *ps: mha(x, x, x)[0], params)


def test_dropout_is_active_in_training_only():
    gw.manual_seed(0)
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.5, batch_first=True)
    x = gw.randn(2, 3, 8)
    assert not np.allclose(layer(x).numpy(), layer(x).numpy())       # different masks each call
    layer.eval()
    np.testing.assert_array_equal(layer(x).numpy(), layer(x).numpy())


def test_clear_errors():
    with pytest.raises(ValueError, match="divisible"):
        nn.MultiheadAttention(10, 3)
    mha = nn.MultiheadAttention(8, 2, batch_first=True)
    with pytest.raises(gw.errors.ShapeError, match="expected"):
        mha(gw.ones(2, 3, 6), gw.ones(2, 3, 6), gw.ones(2, 3, 6))
    with pytest.raises(gw.errors.ShapeError, match="key_padding_mask"):
        mha(gw.ones(2, 3, 8), gw.ones(2, 3, 8), gw.ones(2, 3, 8), key_padding_mask=np.zeros((3, 2), bool))
    with pytest.raises(ValueError, match="activation"):
        nn.TransformerEncoderLayer(8, 2, activation="swish")


def test_transformer_keys_init_and_causal_mask():
    model = nn.Transformer(8, 2, 1, 1, 16, generator=0)
    keys = list(model.state_dict())
    assert keys[:2] == ["encoder.layers.0.self_attn.in_proj_weight", "encoder.layers.0.self_attn.in_proj_bias"]
    assert "decoder.layers.0.multihead_attn.out_proj.weight" in keys and keys[-2:] == ["decoder.norm.weight",
                                                                                        "decoder.norm.bias"]
    w = model.decoder.layers[0].linear1.weight.numpy()                # Xavier-uniform: |w| <= sqrt(6 / (8 + 16))
    assert np.abs(w).max() <= np.sqrt(6 / 24) and np.abs(w).max() > 0.4
    mask = nn.Transformer.generate_square_subsequent_mask(3)
    np.testing.assert_array_equal(mask.numpy(), [[0, -np.inf, -np.inf], [0, 0, -np.inf], [0, 0, 0]])
    with pytest.raises(ValueError, match="same batch size"):
        model(gw.ones(4, 2, 8), gw.ones(3, 3, 8))
