"""``torch.nn.utils.rnn`` for gradwise: padding and packing batches of variable-length sequences.

Recurrent layers (RNN, LSTM, GRU) accept a PackedSequence as PyTorch's do: each sequence's final
state is taken at its own last step, and the output is packed the same way.
"""
from typing import NamedTuple, Optional

import numpy as np

from ...creation import full
from ...ops.shape import concatenate, stack
from ...ops.shape import pad as _pad
from ...tensor import Tensor


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack sequences of shapes (L_i, *) into (T, B, *) (or (B, T, *) with ``batch_first``),
    T the longest length, filling with ``padding_value``; gradients flow to each sequence.

    Example:
        >>> pad_sequence([gw.ones(3, 2), gw.ones(1, 2)], batch_first=True).shape
        (2, 3, 2)
    """
    sequences = [s if isinstance(s, Tensor) else Tensor(s) for s in sequences]
    if not sequences:
        raise ValueError("pad_sequence: got an empty list of sequences")
    if padding_side not in ("right", "left"):
        raise ValueError(f"pad_sequence: padding_side must be 'right' or 'left'; got {padding_side!r}")
    trailing = tuple(sequences[0].shape[1:])
    for i, s in enumerate(sequences):
        if s.ndim == 0 or tuple(s.shape[1:]) != trailing:
            raise ValueError(f"pad_sequence: every sequence must have shape (L, {', '.join(map(str, trailing))}) "
                             f"like the first; sequence {i} has shape {tuple(s.shape)}")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        missing = longest - s.shape[0]
        widths = (0, 0) * len(trailing) + ((0, missing) if padding_side == "right" else (missing, 0))
        padded.append(_pad(s, widths, padding_value) if missing else s)
    return stack(padded, axis=0 if batch_first else 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of sequences (L_i, *) inside a padded batch, given their ``lengths``."""
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    return [x[i, :int(n)] for i, n in enumerate(getattr(lengths, "tolist", lambda: lengths)())]


class PackedSequence(NamedTuple):
    """A batch of variable-length sequences laid out as PyTorch packs it: ``data`` holds, time step
    by time step, the entries of the sequences still running (longest first); ``batch_sizes[t]``
    counts them. ``sorted_indices`` maps sorted position -> original batch index."""
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Optional[Tensor] = None
    unsorted_indices: Optional[Tensor] = None


def _lengths_array(lengths):
    n = np.asarray(getattr(lengths, "_data", lengths)).astype(np.int64).reshape(-1)
    if n.size and n.min() <= 0:
        raise ValueError(f"pack_padded_sequence: every length must be >= 1; got {n.tolist()}")
    return n


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (T, B, *) (or (B, T, *) with ``batch_first``) of sequences with the given
    ``lengths``. ``enforce_sorted=False`` accepts lengths in any order (the batch is sorted inside
    and put back in order by ``pad_packed_sequence`` and by recurrent layers)."""
    x = input if isinstance(input, Tensor) else Tensor(input)
    x = x.transpose(0, 1) if batch_first else x
    n = _lengths_array(lengths)
    if len(n) != x.shape[1] or n.max() > x.shape[0]:
        raise ValueError(f"pack_padded_sequence: {len(n)} lengths (longest {n.max()}) for a batch of "
                         f"{x.shape[1]} sequences of {x.shape[0]} steps")
    if enforce_sorted:
        if np.any(np.diff(n) > 0):
            raise ValueError(f"pack_padded_sequence: lengths must be sorted longest first with enforce_sorted=True; "
                             f"got {n.tolist()} (pass enforce_sorted=False)")
        order = None
    else:
        order = np.argsort(-n, kind="stable")
        n = n[order]
    batch_sizes = (n[None, :] > np.arange(n[0])[:, None]).sum(1)
    t_idx = np.repeat(np.arange(len(batch_sizes)), batch_sizes)
    b_idx = np.concatenate([np.arange(k) for k in batch_sizes])
    b_orig = b_idx if order is None else order[b_idx]
    data = x[t_idx, b_orig]
    if order is None:
        return PackedSequence(data, Tensor(batch_sizes))
    return PackedSequence(data, Tensor(batch_sizes), Tensor(order), Tensor(np.argsort(order)))


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """The padded batch (T, B, *) (or (B, T, *)) and the lengths (int64, original order) of a
    PackedSequence; T is ``total_length`` if given."""
    data, batch_sizes = sequence.data, np.asarray(sequence.batch_sizes._data)
    steps, batch = len(batch_sizes), int(batch_sizes[0])
    total = steps if total_length is None else total_length
    if total < steps:
        raise ValueError(f"pad_packed_sequence: total_length={total_length} is shorter than the longest "
                         f"sequence ({steps})")
    lengths = (batch_sizes[None, :] > np.arange(batch)[:, None]).sum(1)
    offsets = np.concatenate([[0], np.cumsum(batch_sizes)[:-1]])
    pos = np.full((total, batch), data.shape[0], dtype=np.int64)           # the padding row
    for t in range(steps):
        pos[t, :batch_sizes[t]] = offsets[t] + np.arange(batch_sizes[t])
    filler = full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype)
    padded = concatenate([data, filler])[pos]
    if sequence.unsorted_indices is not None:
        back = np.asarray(sequence.unsorted_indices._data)
        padded, lengths = padded[:, back], lengths[back]
    return (padded.transpose(0, 1) if batch_first else padded), Tensor(lengths.astype(np.int64))


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of (L_i, *) sequences."""
    lengths = [len(s) for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)
