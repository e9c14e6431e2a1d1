"""Embedding lookup: rows of a weight matrix picked by integer indices."""
from ..autograd import Function
from .. import backend
from ..backend import xp
from ..errors import ArgumentTypeError, IndexOutOfRangeError


class Embedding(Function):
    def forward(self, weight, indices, padding_idx):
        self.save_for_backward(indices)
        self.num, self.padding_idx = weight.shape[0], padding_idx
        return weight[indices]

    def backward(self, g):
        idx = self.saved[0]
        dim = g.shape[-1]
        # repeated indices must add up (a token used twice gets both gradients)
        gw = xp.zeros_like(g, shape=(self.num, dim), order="C")
        xp.add.at(gw, idx.reshape(-1), g.reshape(-1, dim))
        if self.padding_idx is not None:
            gw[self.padding_idx] = 0
        return gw, None, None


def embedding(indices, weight, padding_idx=None):
    """Rows of ``weight`` (num_embeddings, dim) at integer ``indices`` (any shape) -> (*indices.shape, dim).

    The row at ``padding_idx`` gets no gradient.
    """
    idx = backend.asarray(getattr(indices, "_data", indices))
    if not xp.issubdtype(idx.dtype, xp.integer):
        raise ArgumentTypeError(f"embedding: indices must be integers; got dtype {idx.dtype}")
    num = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= num):
        raise IndexOutOfRangeError(f"embedding: index {int(idx.max() if idx.max() >= num else idx.min())} is out of range "
                         f"for {num} embeddings (expected 0 to {num - 1})")
    return Embedding.apply(weight, idx, padding_idx)
