"""Recurrent layers RNN, LSTM, GRU (deep, bidirectional, batch_first) and their cells.

Parameter names, shapes, gate order and initialisation are PyTorch's, so a ``state_dict``
moves between the two frameworks. Each (layer, direction) runs the whole sequence in one op.
"""
import numpy as np

from ...arguments import non_negative_int, positive_int, real
from ...creation import _rng
from ...errors import ArgumentError, ShapeError
from ...ops.recurrent import gru_sequence, lstm_sequence, rnn_sequence
from ...ops.shape import concatenate, stack
from ...tensor import Tensor
from .. import init
from ..module import Module, Parameter
from ..utils.rnn import PackedSequence
from .dropout import Dropout
from .packed_rnn import forward_packed

_GATES = {"RNN": 1, "LSTM": 4, "GRU": 3}


def _run(mode, x, state, weights, nonlinearity):
    """One layer, one direction: returns (output, h_n, c_n or None)."""
    if mode == "LSTM":
        return lstm_sequence(x, state[0], state[1], *weights)
    if mode == "GRU":
        return gru_sequence(x, state[0], *weights) + (None,)
    return rnn_sequence(x, state[0], *weights, nonlinearity=nonlinearity) + (None,)


class _RNNBase(Module):
    mode = "RNN"

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, nonlinearity="tanh", generator=None):
        super().__init__()
        input_size = non_negative_int(self.mode, "input_size", input_size)
        hidden_size = positive_int(self.mode, "hidden_size", hidden_size)
        num_layers = positive_int(self.mode, "num_layers", num_layers)
        dropout = real(self.mode, "dropout", dropout, low=0, high=1)
        if nonlinearity not in ("tanh", "relu"):
            raise ArgumentError(f"{self.mode}: nonlinearity must be 'tanh' or 'relu'; got {nonlinearity!r}")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.bidirectional = bias, batch_first, bidirectional
        self.nonlinearity, self.dropout = nonlinearity, dropout
        self.num_directions = 2 if bidirectional else 1
        rng = _rng(generator)
        self._between = Dropout(dropout, generator=rng) if dropout > 0 and num_layers > 1 else None
        gates = _GATES[self.mode] * hidden_size
        for layer in range(num_layers):
            layer_in = input_size if layer == 0 else hidden_size * self.num_directions
            for suffix in ("", "_reverse")[:self.num_directions]:
                shapes = [("weight_ih", (gates, layer_in)), ("weight_hh", (gates, hidden_size))]
                if bias:
                    shapes += [("bias_ih", (gates,)), ("bias_hh", (gates,))]
                for name, shape in shapes:
                    p = Parameter(np.empty(shape, np.float32))
                    init.default_uniform_(p, hidden_size, rng)    # U(-1/sqrt(H), 1/sqrt(H)) as PyTorch
                    setattr(self, f"{name}_l{layer}{suffix}", p)

    def flatten_parameters(self):
        """Does nothing: PyTorch packs its cuDNN weights into one buffer here; gradwise keeps each
        weight as its own array. Present so that PyTorch programs that call it run."""

    def _weights(self, layer, suffix):
        names = ["weight_ih", "weight_hh"] + (["bias_ih", "bias_hh"] if self.bias else [])
        ws = [getattr(self, f"{n}_l{layer}{suffix}") for n in names]
        return ws if self.bias else ws + [None, None]

    def forward(self, input, hx=None):
        """Args:
            input: (T, B, input_size), (B, T, input_size) with batch_first, unbatched (T, input_size),
                or a PackedSequence (nn.utils.rnn.pack_padded_sequence); the output is then packed too.
            hx: initial state(s) (num_layers * num_directions, B, hidden_size), zeros when None;
                for LSTM a tuple (h_0, c_0).
        Returns:
            output (T, B, D * hidden_size) (batch-first if so built), and h_n, or (h_n, c_n) for LSTM.
        """
        if isinstance(input, PackedSequence):
            return forward_packed(self, input, hx, _run)
        if input.ndim not in (2, 3) or input.shape[-1] != self.input_size:
            raise ShapeError(f"{self.mode}(input_size={self.input_size}) got input of shape {tuple(input.shape)}; "
                             f"expected {'(B, T, ' if self.batch_first else '(T, B, '}{self.input_size})")
        unbatched = input.ndim == 2
        x = input.unsqueeze(1) if unbatched else input.transpose(0, 1) if self.batch_first else input
        if x.shape[0] == 0:
            raise ShapeError(f"{self.mode}: the input sequence is empty")
        states = self._initial_states(x, hx, unbatched)
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outs = []
            for d, suffix in enumerate(("", "_reverse")[:self.num_directions]):
                k = layer * self.num_directions + d
                state = [s[k] for s in states]
                seq = x if d == 0 else x[::-1]
                out, h, c = _run(self.mode, seq, state, self._weights(layer, suffix), self.nonlinearity)
                outs.append(out if d == 0 else out[::-1])
                h_n.append(h)
                c_n.append(c)
            x = outs[0] if len(outs) == 1 else concatenate(outs, axis=2)
            if self._between is not None and layer < self.num_layers - 1:
                x = self._between(x)
        out = x[:, 0] if unbatched else x.transpose(0, 1) if self.batch_first else x
        h = stack(h_n)[:, 0] if unbatched else stack(h_n)
        if self.mode == "LSTM":
            c = stack(c_n)[:, 0] if unbatched else stack(c_n)
            return out, (h, c)
        return out, h

    def _initial_states(self, x, hx, unbatched):
        n_states = 2 if self.mode == "LSTM" else 1
        expected = (self.num_layers * self.num_directions, x.shape[1], self.hidden_size)
        if hx is None:
            zero = Tensor(np.zeros_like(x._data, shape=expected, order="C"))       # on x's device
            return [zero] * n_states
        hx = list(hx) if self.mode == "LSTM" else [hx]
        if len(hx) != n_states:
            raise ArgumentError(f"{self.mode}: hx must be {'a tuple (h_0, c_0)' if n_states == 2 else 'one tensor'}")
        out = []
        for s in hx:
            s = s if isinstance(s, Tensor) else Tensor(s)
            s = s.unsqueeze(1) if unbatched else s
            if tuple(s.shape) != expected:
                raise ShapeError(f"{self.mode}: initial state has shape {tuple(s.shape)}; expected {expected} "
                                 f"(num_layers * num_directions, batch, hidden_size)")
            out.append(s)
        return out

    def extra_repr(self):
        extra = "".join(f", {k}={getattr(self, k)}" for k in ("num_layers", "batch_first", "bidirectional", "dropout")
                        if getattr(self, k) != {"num_layers": 1, "dropout": 0.0}.get(k, False))
        return f"{self.input_size}, {self.hidden_size}{extra}"


class RNN(_RNNBase):
    """Elman RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh) (or relu), stacked and/or
    bidirectional. Parameters weight_ih_l{k}[_reverse] (H, I) etc., as in PyTorch."""
    mode = "RNN"


class LSTM(_RNNBase):
    """Long short-term memory: input, forget, cell and output gates (PyTorch's order and layout:
    weight_ih_l{k} is (4H, I) with rows i, f, g, o). Returns output, (h_n, c_n)."""
    mode = "LSTM"

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, generator=None):
        if proj_size:
            raise ArgumentError("LSTM: proj_size is not supported")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         generator=generator)


class GRU(_RNNBase):
    """Gated recurrent unit: reset, update and new gates (PyTorch's order r, z, n and layout)."""
    mode = "GRU"

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, generator=None):
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         generator=generator)


class _CellBase(Module):
    mode = "RNN"

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", generator=None):
        super().__init__()
        input_size = non_negative_int(type(self).__name__, "input_size", input_size)
        hidden_size = positive_int(type(self).__name__, "hidden_size", hidden_size)
        self.input_size, self.hidden_size, self.bias, self.nonlinearity = input_size, hidden_size, bias, nonlinearity
        rng = _rng(generator)
        gates = _GATES[self.mode] * hidden_size
        shapes = [("weight_ih", (gates, input_size)), ("weight_hh", (gates, hidden_size))]
        if bias:
            shapes += [("bias_ih", (gates,)), ("bias_hh", (gates,))]
        for name, shape in shapes:
            p = Parameter(np.empty(shape, np.float32))
            init.default_uniform_(p, hidden_size, rng)
            setattr(self, name, p)

    def forward(self, input, hx=None):
        """One time step. input (B, input_size) or (input_size,); hx (B, hidden_size) (LSTM: (h, c)).
        Carry the returned state to the next step; ``.detach()`` it to truncate backpropagation."""
        if input.ndim not in (1, 2) or input.shape[-1] != self.input_size:
            raise ShapeError(f"{type(self).__name__}(input_size={self.input_size}) got input of shape "
                             f"{tuple(input.shape)}; expected (B, {self.input_size})")
        unbatched = input.ndim == 1
        x = input.reshape(1, 1, -1) if unbatched else input.unsqueeze(0)
        if hx is None:
            zero = Tensor(np.zeros_like(x._data, shape=(x.shape[1], self.hidden_size), order="C"))
            hx = (zero, zero) if self.mode == "LSTM" else zero
        states = [s.reshape(1, -1) if unbatched else s for s in (hx if self.mode == "LSTM" else (hx,))]
        ws = [self.weight_ih, self.weight_hh] + ([self.bias_ih, self.bias_hh] if self.bias else [None, None])
        _, h, c = _run(self.mode, x, states, ws, self.nonlinearity)
        h, c = (h[0], c[0] if c is not None else None) if unbatched else (h, c)
        return (h, c) if self.mode == "LSTM" else h

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}"


class RNNCell(_CellBase):
    """One step of an Elman RNN."""
    mode = "RNN"


class LSTMCell(_CellBase):
    """One step of an LSTM; returns (h', c')."""
    mode = "LSTM"

    def __init__(self, input_size, hidden_size, bias=True, generator=None):
        super().__init__(input_size, hidden_size, bias, generator=generator)


class GRUCell(_CellBase):
    """One step of a GRU."""
    mode = "GRU"

    def __init__(self, input_size, hidden_size, bias=True, generator=None):
        super().__init__(input_size, hidden_size, bias, generator=generator)


def detach_state(state):
    """Cut a carried recurrent state (a tensor or a tuple of them) off the graph: truncated BPTT."""
    return tuple(s.detach() for s in state) if isinstance(state, (tuple, list)) else state.detach()

