"""ONNX LSTM / GRU / RNN nodes run with gradwise's sequence ops (forward, reverse, bidirectional).

ONNX stacks the gates as LSTM (i, o, f, c) and GRU (z, r, h); gradwise's ops take PyTorch's
(i, f, g, o) and (r, z, n). The rows are reordered with differentiable slices, so training a
loaded model updates the ONNX-layout parameters.
"""
import numpy as np

from .. import functions as G
from ..errors import UnsupportedError
from ..ops.recurrent import gru_sequence, lstm_sequence, rnn_sequence
from .load_ops import _np, _s, _t, op

# gradwise's gate order, as indices into ONNX's
_ORDER = {"LSTM": [0, 2, 3, 1], "GRU": [1, 0, 2], "RNN": [0]}


def _reorder(w, kind, hidden):
    order = _ORDER[kind]
    if len(order) == 1:
        return w
    return G.cat([w[k * hidden:(k + 1) * hidden] for k in order], dim=0)


def _check(kind, ins, a):
    if a.get("clip") is not None or a.get("input_forget"):
        raise UnsupportedError(f"onnx.load: {kind} with clip or input_forget")
    if len(ins) > 4 and ins[4] is not None:
        lens = _np(ins[4])
        if np.any(lens != _np(ins[0]).shape[1 if not a.get("layout") else 0]):
            raise UnsupportedError(f"onnx.load: {kind} with sequence_lens shorter than the sequence")
    acts = [_s(x) for x in a.get("activations", [])]
    expected = {"LSTM": ["Sigmoid", "Tanh", "Tanh"], "GRU": ["Sigmoid", "Tanh"]}.get(kind)
    if expected and acts and acts[:len(expected)] != expected:
        raise UnsupportedError(f"onnx.load: {kind} with activations {acts}")
    if kind == "GRU" and not a.get("linear_before_reset"):
        raise UnsupportedError("onnx.load: GRU with linear_before_reset=0 (gradwise's GRU is PyTorch's, which "
                               "applies the reset gate after the recurrent product: linear_before_reset=1)")
    if kind == "RNN" and acts and acts[0] not in ("Tanh", "Relu"):
        raise UnsupportedError(f"onnx.load: RNN with activation {acts[0]}")


def _run(kind, ins, a):
    _check(kind, ins, a)
    x, w, r = _t(ins[0]), _t(ins[1]), _t(ins[2])
    bias = ins[3] if len(ins) > 3 else None
    layout = a.get("layout", 0)
    if layout:
        x = x.transpose(0, 1)
    hidden = a["hidden_size"]
    direction = _s(a.get("direction", "forward"))
    dirs = ["forward", "reverse"] if direction == "bidirectional" else [direction]
    batch = x.shape[1]
    n_states = 2 if kind == "LSTM" else 1
    init = [ins[5 + k] if len(ins) > 5 + k else None for k in range(n_states)]
    if layout:
        init = [None if s is None else _t(s).transpose(0, 1) for s in init]
    ys, finals = [], [[] for _ in range(n_states)]
    for d, which in enumerate(dirs):
        gates = len(_ORDER[kind]) * hidden
        w_ih, w_hh = _reorder(w[d], kind, hidden), _reorder(r[d], kind, hidden)
        b_ih = b_hh = None
        if bias is not None:
            b_ih, b_hh = _reorder(bias[d, :gates], kind, hidden), _reorder(bias[d, gates:], kind, hidden)
        states = [_t(np.zeros((batch, hidden), np.float32)) if s is None else s[d] for s in init]
        seq = x if which == "forward" else x[::-1]
        if kind == "LSTM":
            out, *hs = lstm_sequence(seq, states[0], states[1], w_ih, w_hh, b_ih, b_hh)
        elif kind == "GRU":
            out, *hs = gru_sequence(seq, states[0], w_ih, w_hh, b_ih, b_hh)
        else:
            acts = [_s(v) for v in a.get("activations", ["Tanh"])]
            out, *hs = rnn_sequence(seq, states[0], w_ih, w_hh, b_ih, b_hh, acts[min(d, len(acts) - 1)].lower())
        ys.append(out if which == "forward" else out[::-1])
        for k in range(n_states):
            finals[k].append(hs[k])
    y = G.stack(ys, dim=1)                                   # (T, D, B, H)
    finals = [G.stack(f, dim=0) for f in finals]             # (D, B, H)
    if layout:
        y = y.permute(2, 0, 1, 3)
        finals = [f.transpose(0, 1) for f in finals]
    return (y, *finals)


for _kind in ("LSTM", "GRU", "RNN"):
    op(_kind)((lambda kind: lambda m, ins, a: _run(kind, ins, a))(_kind))
