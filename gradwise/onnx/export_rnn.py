"""Recurrent ops as ONNX LSTM / GRU / RNN nodes (one layer, one direction each).

gradwise (and PyTorch) stack the gates as LSTM (i, f, g, o) and GRU (r, z, n); ONNX wants
LSTM (i, o, f, c) and GRU (z, r, h), with W and R given a leading direction axis and the two
biases concatenated. The reordering is written as nodes on the parameters (Split, Concat), so
the initializers keep their state_dict names and layout; runtimes fold these nodes away.
A bidirectional layer runs as two forward layers, the second on the reversed sequence.
"""
import numpy as np

from .export_ops import converts

# ONNX's gate order, as indices into gradwise's
_ORDER = {"LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2], "RNN": [0]}


def _gates(b, w, kind, hidden):
    """Weight or bias (G*H, ...) in ONNX's gate order."""
    order = _ORDER[kind]
    if len(order) == 1:
        return b.v(w)
    parts = b.node("Split", [b.v(w), b.ints([hidden] * len(order))], n_out=len(order), axis=0)
    return b.node("Concat", [parts[i] for i in order], axis=0)


def _state(b, s):
    """An initial state (B, H) as (1, B, H), or '' (zeros) when it is a constant zero."""
    if not b.known(s) and not np.any(s):
        return ""
    return b.node("Unsqueeze", [b.v(s), b.ints([0])])


def _recurrence(b, kind, x, states, w_ih, w_hh, b_ih, b_hh, n_out, **attrs):
    hidden = np.shape(w_hh)[1]
    zero = b.ints([0])
    w = b.node("Unsqueeze", [_gates(b, w_ih, kind, hidden), zero])
    rw = b.node("Unsqueeze", [_gates(b, w_hh, kind, hidden), zero])
    bias = ""
    if b_ih is not None:
        bias = b.node("Unsqueeze", [b.node("Concat", [_gates(b, b_ih, kind, hidden), _gates(b, b_hh, kind, hidden)],
                                           axis=0), zero])
    ins = [b.v(x), w, rw, bias, ""] + [_state(b, s) for s in states]
    while ins[-1] == "":
        ins.pop()
    outs = b.node(kind, ins, n_out=n_out, hidden_size=int(hidden), direction="forward", **attrs)
    y = b.node("Squeeze", [outs[0], b.ints([1])])
    return [y] + [b.node("Squeeze", [o, zero]) for o in outs[1:]]


@converts("LSTMSequence")
def _lstm(b, r):
    x, h0, c0, w_ih, w_hh, b_ih, b_hh = r.inputs
    return _recurrence(b, "LSTM", x, [h0, c0], w_ih, w_hh, b_ih, b_hh, 3)


@converts("GRUSequence")
def _gru(b, r):
    x, h0, w_ih, w_hh, b_ih, b_hh = r.inputs
    return _recurrence(b, "GRU", x, [h0], w_ih, w_hh, b_ih, b_hh, 2, linear_before_reset=1)


@converts("RNNSequence")
def _rnn(b, r):
    x, h0, w_ih, w_hh, b_ih, b_hh, nonlinearity = r.inputs
    return _recurrence(b, "RNN", x, [h0], w_ih, w_hh, b_ih, b_hh, 2,
                       activations=["Tanh" if nonlinearity == "tanh" else "Relu"])
