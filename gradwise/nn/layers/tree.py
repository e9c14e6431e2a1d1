"""Recursive (tree) networks: the same composition applied from the leaves up to the root.

``TreeLSTM`` is the child-sum Tree-LSTM (Tai, Socher and Manning 2015); ``RecursiveCell`` is the
plain recursive network h = tanh(W_ih x + b_ih + W_hh sum(children's h) + b_hh). On a chain (each
node the only child of the next) they are exactly ``nn.LSTM`` and ``nn.RNN``, with the same
parameter names, shapes, gate order (i, f, g, o) and initialisation.

``forward`` runs a batch of trees level by level: all nodes of one depth, in every tree, take a
few large ops together (``gradwise.data.trees.TreeBatch`` makes the schedule). ``node`` is the
same cell for one node, written directly from the equations; ``run_per_node`` applies it node by
node, as a define-by-run program would, and is the reference the batched path is tested against.
"""
import numpy as np

from ... import functional as F
from ...creation import _rng
from ...data.trees import as_batch
from ...errors import ShapeError
from ...ops.shape import concatenate, stack
from ...ops.tree import permute_rows, pieces, repeat_rows, segment_sum
from ...tensor import Tensor
from .. import init
from ..module import Module, Parameter


class _TreeBase(Module):
    gates = 1

    def __init__(self, input_size, hidden_size, bias=True, generator=None):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        rng = _rng(generator)
        shapes = [("weight_ih", (self.gates * hidden_size, input_size)),
                  ("weight_hh", (self.gates * hidden_size, hidden_size))]
        for name, shape in shapes + ([("bias_ih", shapes[0][1][:1]), ("bias_hh", shapes[0][1][:1])] if bias else []):
            p = Parameter(np.empty(shape, np.float32))
            init.default_uniform_(p, hidden_size, rng)      # U(-1/sqrt(H), 1/sqrt(H)), as PyTorch's cells
            setattr(self, name, p)
        if not bias:
            self.bias_ih = self.bias_hh = None

    def forward(self, input, trees):
        """Args:
            input: (N, input_size) node features, batch node order (tree 0's nodes, then tree 1's ...).
            trees: a TreeBatch, a Tree, or a list of Trees / nested tuples / parent arrays.
        Returns:
            output (N, hidden_size): every node's hidden state, in the input's order; and the roots'
            state (B, hidden_size), for TreeLSTM a tuple (h_root, c_root).
        """
        batch = as_batch(trees)
        input = self._check(input, batch.num_nodes)
        x = F.linear(permute_rows(input, batch.order), self.weight_ih, self.bias_ih)   # one GEMM for all nodes
        xs = pieces(x, [len(level) for level in batch.levels]) if len(batch.levels) > 1 else (x,)
        below, outs = None, []
        for d in range(len(batch.levels) - 1, -1, -1):
            below = self._level(xs[d], below, batch.counts[d])
            outs.append(below)
        h_all = concatenate([s[0] if isinstance(s, tuple) else s for s in reversed(outs)], axis=0)
        return permute_rows(h_all, batch.position), below

    def _check(self, input, num_nodes):
        if not isinstance(input, Tensor):
            input = Tensor(input)
        if tuple(input.shape) != (num_nodes, self.input_size):
            raise ShapeError(f"{type(self).__name__}(input_size={self.input_size}) got input of shape "
                             f"{tuple(input.shape)}; expected ({num_nodes}, {self.input_size}): one row per node "
                             f"of the trees")
        return input

    def _hh(self, h):
        return F.linear(h, self.weight_hh, None)

    def _b_hh(self, rows=slice(None)):
        return 0.0 if self.bias_hh is None else self.bias_hh[rows]

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RecursiveCell(_TreeBase):
    """The plain recursive network: each node's state h_j = tanh(W_ih x_j + b_ih + W_hh sum_k h_k + b_hh)
    over its children k (a leaf's sum is zero). ``nonlinearity`` "tanh" or "relu", as ``nn.RNN``.

    Example:
        >>> cell = nn.RecursiveCell(8, 16, generator=0)
        >>> output, h_root = cell(gw.randn(5, 8), [("+", 1, ("*", 2, 3))])
    """
    gates = 1

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", generator=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RecursiveCell: nonlinearity must be 'tanh' or 'relu'; got {nonlinearity!r}")
        super().__init__(input_size, hidden_size, bias, generator)
        self.nonlinearity = nonlinearity

    def _act(self, z):
        return F.tanh(z) if self.nonlinearity == "tanh" else F.relu(z)

    def _level(self, x, below, counts):
        z = x + self._b_hh()
        if below is not None and len(below):
            z = z + segment_sum(self._hh(below), counts)   # W_hh (sum h_k) = sum (W_hh h_k)
        return self._act(z)

    def node(self, x, children=()):
        """One node: x (input_size,) and the children's states [(hidden_size,), ...] -> (hidden_size,)."""
        z = F.linear(x, self.weight_ih, self.bias_ih) + self._b_hh()
        if children:
            z = z + F.linear(stack(list(children)).sum(axis=0), self.weight_hh, None)
        return self._act(z)


class TreeLSTM(_TreeBase):
    """Child-sum Tree-LSTM (Tai et al. 2015): with h~ the sum of the children's h,
    i, o, u = sigma, sigma, tanh(W x + b + U h~ + b'), one forget gate per child
    f_k = sigma(W_f x + b_f + U_f h_k + b'_f), c = i * u + sum_k f_k * c_k, h = o * tanh(c).

    Parameters are PyTorch's LSTM layout: weight_ih (4H, I), weight_hh (4H, H), bias_ih, bias_hh
    (4H,), rows in gate order i, f, g, o; on a chain it computes exactly ``nn.LSTM``.

    Example:
        >>> lstm = nn.TreeLSTM(8, 16, generator=0)
        >>> output, (h_root, c_root) = lstm(gw.randn(7, 8), [("+", 1, 2), [-1, 0, 0, 1]])
    """
    gates = 4

    def _level(self, x, below, counts):
        H = self.hidden_size
        gates = x + self._b_hh()
        carried = None
        if below is not None and len(below[0]):
            h_k, c_k = below
            hh = self._hh(h_k)                                  # (children, 4H)
            gates = gates + segment_sum(hh, counts)
            x_f, hh_f = pieces(x, [H, H, 2 * H], axis=1)[1], pieces(hh, [H, H, 2 * H], axis=1)[1]
            f = F.sigmoid(repeat_rows(x_f, counts) + hh_f + self._b_hh(slice(H, 2 * H)))   # one per child
            carried = segment_sum(f * c_k, counts)
        i, _, g, o = pieces(gates, [H] * 4, axis=1)
        c = F.sigmoid(i) * F.tanh(g)
        c = c if carried is None else c + carried
        return F.sigmoid(o) * F.tanh(c), c

    def node(self, x, children=()):
        """One node: x (input_size,) and the children's [(h, c), ...] -> (h, c), each (hidden_size,)."""
        H = self.hidden_size
        gates = F.linear(x, self.weight_ih, self.bias_ih) + self._b_hh()
        c = None
        if children:
            h_k, c_k = stack([h for h, _ in children]), stack([c for _, c in children])
            f = F.sigmoid(gates[H:2 * H] + F.linear(h_k, self.weight_hh[H:2 * H], None))
            c = (f * c_k).sum(axis=0)
            gates = gates + F.linear(h_k.sum(axis=0), self.weight_hh, None)
        i, g, o = F.sigmoid(gates[:H]), F.tanh(gates[2 * H:3 * H]), F.sigmoid(gates[3 * H:])
        c = i * g if c is None else i * g + c
        return o * F.tanh(c), c


def run_per_node(cell, input, trees):
    """Apply ``cell.node`` to one node at a time, children before parents: the define-by-run way,
    one small op after another. Returns what ``cell(input, trees)`` returns (the batched path)."""
    batch = as_batch(trees)
    input = cell._check(input, batch.num_nodes)
    states = [None] * batch.num_nodes
    kids = [[] for _ in range(batch.num_nodes)]
    for child, parent in enumerate(batch.parents):
        if parent >= 0:
            kids[parent].append(child)
    for level in reversed(batch.levels):
        for node in level:
            states[node] = cell.node(input[int(node)], [states[k] for k in kids[node]])
    lstm = isinstance(states[0], tuple)
    hs = stack([s[0] if lstm else s for s in states])
    roots = [states[r] for r in batch.roots]
    if lstm:
        return hs, (stack([h for h, _ in roots]), stack([c for _, c in roots]))
    return hs, stack(roots)
