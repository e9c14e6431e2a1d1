"""nn.utils.rnn (pad_sequence, packing; recurrent layers on packed sequences against PyTorch 2.13
fixtures) and RNN.flatten_parameters (PyTorch programs call it)."""
import json
from pathlib import Path

import numpy as np
import pytest

import gradwise as gw
from gradwise import nn
from gradwise.nn.utils.rnn import (pack_padded_sequence, pack_sequence, pad_packed_sequence, pad_sequence,
                                   unpad_sequence)
from gradwise.serialization import metadata
from tests.helpers import arr, check_op


def _ref(seqs, batch_first, value, side="right"):
    longest = max(len(s) for s in seqs)
    out = np.full((len(seqs), longest) + seqs[0].shape[1:], value)
    for i, s in enumerate(seqs):
        if side == "right":
            out[i, :len(s)] = s
        else:
            out[i, longest - len(s):] = s
    return out if batch_first else np.swapaxes(out, 0, 1)


@pytest.mark.parametrize("batch_first,value,side", [(False, 0.0, "right"), (True, -1.0, "right"),
                                                     (True, 0.5, "left")])
def test_pad_sequence(batch_first, value, side):
    seqs = [arr(3, 2, seed=1), arr(1, 2, seed=2), arr(4, 2, seed=3)]
    check_op(lambda *s: pad_sequence(list(s), batch_first, value, side), seqs,
             lambda *s: _ref(s, batch_first, value, side))


def test_unpad_and_errors():
    seqs = [gw.tensor(arr(3, 2, seed=1)), gw.tensor(arr(1, 2, seed=2))]
    back = unpad_sequence(pad_sequence(seqs), gw.tensor([3, 1]))
    for a, b in zip(seqs, back):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    with pytest.raises(ValueError, match="sequence 1 has shape"):
        pad_sequence([gw.ones(3, 2), gw.ones(2, 3)])
    with pytest.raises(ValueError, match="empty"):
        pad_sequence([])


def test_flatten_parameters_is_harmless():
    lstm = nn.LSTM(3, 4, batch_first=True, generator=0)
    x = gw.tensor(arr(2, 5, 3))
    before = lstm(x)[0].numpy()
    assert lstm.flatten_parameters() is None
    np.testing.assert_array_equal(lstm(x)[0].numpy(), before)
    nn.GRU(3, 4).flatten_parameters()
    nn.RNN(3, 4).flatten_parameters()


PACKED = sorted((Path(__file__).parent / "fixtures" / "packed").glob("*.safetensors"))


@pytest.mark.parametrize("path", PACKED, ids=[p.stem for p in PACKED])
def test_packed_sequences_match_pytorch(path):
    data, case = gw.load(path), json.loads(metadata(path)["case"])
    layer = getattr(nn, case["cls"])(**case["kwargs"]).double()
    layer.load_state_dict({k[6:]: v for k, v in data.items() if k.startswith("param.")})
    bf = case["kwargs"].get("batch_first", False)
    x = gw.tensor(data["input"], requires_grad=True)
    leaves = {"input": x, **{f"hx.{i}": gw.tensor(data[f"hx.{i}"], requires_grad=True)
                             for i in range(2) if f"hx.{i}" in data}}
    hx = [leaves[k] for k in sorted(leaves) if k.startswith("hx.")]
    packed = pack_padded_sequence(x, data["lengths"], batch_first=bf, enforce_sorted=case["enforce_sorted"])
    out, state = layer(packed, (tuple(hx) if len(hx) == 2 else hx[0]) if hx else None)
    padded, lengths = pad_packed_sequence(out, batch_first=bf)
    np.testing.assert_array_equal(lengths.numpy(), data["lengths"])
    outs = [out.data, padded] + (list(state) if case["cls"] == "LSTM" else [state])
    total = 0
    for k, o in enumerate(outs):
        np.testing.assert_allclose(o.numpy(), data[f"out.{k}"], atol=1e-6, rtol=1e-5, err_msg=f"output {k}")
        total = total + (o * gw.tensor(data[f"weight.{k}"])).sum()
    total.backward()
    leaves.update({f"param.{n}": p for n, p in layer.named_parameters()})
    for k, t in leaves.items():
        np.testing.assert_allclose(t.grad.numpy(), data[f"grad.{k}"], atol=1e-6, rtol=1e-5, err_msg=f"gradient of {k}")


def test_pack_round_trip_gradcheck_and_errors():
    x = arr(3, 4, 2, seed=7)
    check_op(lambda a: pad_packed_sequence(pack_padded_sequence(a, [2, 4, 1], True, False), True)[0], [x],
             lambda a: a * (np.arange(4)[None, :, None] < np.array([2, 4, 1])[:, None, None]))
    packed = pack_sequence([gw.ones(3, 2), gw.ones(1, 2)])
    np.testing.assert_array_equal(packed.batch_sizes.numpy(), [2, 1, 1])
    with pytest.raises(ValueError, match="sorted longest first"):
        pack_padded_sequence(gw.ones(4, 2, 1), [2, 4])
    with pytest.raises(ValueError, match="total_length"):
        pad_packed_sequence(packed, total_length=2)
