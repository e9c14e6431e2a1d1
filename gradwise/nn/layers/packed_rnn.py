"""Recurrent layers on a PackedSequence: each sequence runs for its own length.

Sequences of equal length run together, one sequence op per (length, layer, direction), so a
sequence's final state and its reverse direction see no padding.
"""
import numpy as np

from ...ops.shape import concatenate, stack
from ...ops.shape import pad as _pad
from ..utils.rnn import PackedSequence, pad_packed_sequence


def pack_like(x, packed):
    """Pack a padded (T, B, *) batch, in original batch order, the way ``packed`` is packed."""
    sizes = np.asarray(packed.batch_sizes._data)
    t_idx = np.repeat(np.arange(len(sizes)), sizes)
    b_idx = np.concatenate([np.arange(k) for k in sizes])
    if packed.sorted_indices is not None:
        b_idx = np.asarray(packed.sorted_indices._data)[b_idx]
    return PackedSequence(x[t_idx, b_idx], packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices)


def _one_direction(rnn, run, x, states, k, weights, groups, back, reverse):
    """Run one (layer, direction) over every group of equal-length sequences; returns the padded
    output and the final states, in original batch order."""
    steps = x.shape[0]
    pieces, finals = [], []
    for length, idx in groups:
        seq = x[:length, idx]
        out, h, c = run(rnn.mode, seq[::-1] if reverse else seq, [s[k][idx] for s in states],
                        weights, rnn.nonlinearity)
        out = out[::-1] if reverse else out
        pieces.append(_pad(out, (0, 0, 0, 0, 0, steps - length)) if length < steps else out)
        finals.append((h, c))
    out = concatenate(pieces, axis=1)[:, back]
    h = concatenate([f[0] for f in finals], axis=0)[back]
    c = concatenate([f[1] for f in finals], axis=0)[back] if rnn.mode == "LSTM" else None
    return out, h, c


def forward_packed(rnn, packed, hx, run):
    """``rnn`` (an RNN, LSTM or GRU) on a PackedSequence: returns (PackedSequence, h_n or (h_n, c_n))."""
    if packed.data.ndim != 2 or packed.data.shape[-1] != rnn.input_size:
        raise ValueError(f"{rnn.mode}(input_size={rnn.input_size}) got a PackedSequence with data of shape "
                         f"{tuple(packed.data.shape)}; expected (total steps, {rnn.input_size})")
    x, lengths = pad_packed_sequence(packed)              # (T, B, input_size), original batch order
    n = np.asarray(lengths._data)
    groups = [(int(length), np.nonzero(n == length)[0]) for length in np.unique(n)[::-1]]
    back = np.argsort(np.concatenate([idx for _, idx in groups]), kind="stable")
    states = rnn._initial_states(x, hx, False)
    h_n, c_n = [], []
    for layer in range(rnn.num_layers):
        outs = []
        for d, suffix in enumerate(("", "_reverse")[:rnn.num_directions]):
            out, h, c = _one_direction(rnn, run, x, states, layer * rnn.num_directions + d,
                                       rnn._weights(layer, suffix), groups, back, d == 1)
            outs.append(out)
            h_n.append(h)
            c_n.append(c)
        x = outs[0] if len(outs) == 1 else concatenate(outs, axis=2)
        if rnn._between is not None and layer < rnn.num_layers - 1:
            x = rnn._between(x)
    out = pack_like(x, packed)
    return (out, (stack(h_n), stack(c_n))) if rnn.mode == "LSTM" else (out, stack(h_n))
