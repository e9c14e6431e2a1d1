"""Dense and structural layers: Linear, Identity, Flatten, Unflatten, Residual, Embedding."""
import math

import numpy as np

from ... import functional as F
from ...arguments import non_negative_int, positive_int
from ...creation import _rng
from ...errors import ShapeError
from .. import init
from ..module import Module, Parameter


class Linear(Module):
    """The dense (fully connected) layer: y = x @ weight.T + bias.

    Args:
        in_features, out_features: sizes of each input and output sample.
        bias: learn an additive bias.
        generator: np.random.Generator or int seed for the initial weights.
    Shapes: input (..., in_features) -> output (..., out_features); weight (out_features, in_features).

    Example:
        >>> nn.Linear(784, 10, generator=0)(gw.zeros(32, 784)).shape
        (32, 10)
    """
    def __init__(self, in_features, out_features, bias=True, generator=None):
        super().__init__()
        in_features = non_negative_int("Linear", "in_features", in_features)
        out_features = non_negative_int("Linear", "out_features", out_features)
        self.in_features, self.out_features = in_features, out_features
        rng = _rng(generator)
        # NOTE: why row-major (PyTorch's layout). Each of the two threads then owns half of the
        # output features all step: the forward's product (split by output columns) reads the
        # weight's rows that its core's half of the optimizer's update (split flat) wrote, and the
        # weight gradient g.T @ x (split by rows) writes them, from g's columns that same core
        # wrote. Stored transposed (column-major, for OpenBLAS's orientations, until the compiled
        # product), half of what each product read came from the other core's cache: W1's step
        # row/column-major 1.03, W4 1.007, W2 1.006, I1 (inference, no update) ~1.0 (in process,
        # Intel Xeon, 2 cores). A weight loaded or assigned later keeps whatever layout it comes
        # in: every path takes either.
        self.weight = Parameter(np.empty((out_features, in_features), np.float32))
        # PyTorch's default: kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(in), 1/sqrt(in)); bias the same
        init.default_uniform_(self.weight, in_features, rng)
        self.bias = Parameter(np.empty(out_features, np.float32)) if bias else None
        if bias:
            init.default_uniform_(self.bias, in_features, rng)

    def forward(self, x):
        if x.shape[-1:] != (self.in_features,):
            hint = " Add nn.Flatten() before it?" if x.ndim > 2 and math.prod(x.shape[1:]) == self.in_features else ""
            raise ShapeError(f"Linear(in_features={self.in_features}) got input of shape {tuple(x.shape)}; "
                             f"expected (..., {self.in_features}).{hint}")
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. a shortcut with no projection)."""
    def forward(self, x):
        return x


class Flatten(Module):
    """Merge dims start_dim..end_dim (default: all but the batch) -> e.g. (N, C, H, W) to (N, C*H*W)."""
    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size``, e.g. (N, 784) to (N, 1, 28, 28)."""
    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, x):
        d = self.dim % x.ndim
        if math.prod(self.unflattened_size) != x.shape[d] and -1 not in self.unflattened_size:
            raise ShapeError(f"Unflatten(dim={self.dim}, {self.unflattened_size}) cannot split size {x.shape[d]} "
                             f"of input {tuple(x.shape)}")
        return x.reshape(x.shape[:d] + self.unflattened_size + x.shape[d + 1:])

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Residual(Module):
    """block(x) + shortcut(x): the residual connection of ResNets (shortcut defaults to identity).

    Example:
        >>> nn.Residual(nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 8)))
    """
    def __init__(self, block, shortcut=None):
        super().__init__()
        self.block = block
        self.shortcut = shortcut if shortcut is not None else Identity()

    def forward(self, x):
        out, skip = self.block(x), self.shortcut(x)
        if out.shape != skip.shape:
            raise ShapeError(f"Residual: block output {tuple(out.shape)} and shortcut output {tuple(skip.shape)} "
                             f"differ; give a shortcut that projects (e.g. a 1x1 Conv2d with the block's stride)")
        return out + skip


class Embedding(Module):
    """A table of ``num_embeddings`` vectors of size ``embedding_dim``, looked up by integer index.

    Args:
        padding_idx: this row starts at zero and receives no gradient (negative counts from the end).
        max_norm: rows looked up are first rescaled in place to norm at most this (``norm_type``).
        _weight: an initial table (num_embeddings, embedding_dim); _freeze: no gradient.
    Shapes: indices (*) -> (*, embedding_dim). weight ~ N(0, 1) as in PyTorch.
    """
    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, sparse=False, _weight=None, _freeze=False, device=None, dtype=None,
                 generator=None):
        super().__init__()
        num_embeddings = non_negative_int("Embedding", "num_embeddings", num_embeddings)
        embedding_dim = non_negative_int("Embedding", "embedding_dim", embedding_dim)
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx {padding_idx} is outside the table of {num_embeddings} rows")
            padding_idx %= num_embeddings
        self.padding_idx, self.max_norm, self.norm_type = padding_idx, max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        if _weight is None:
            self.weight = Parameter(np.empty((num_embeddings, embedding_dim), np.float32), requires_grad=not _freeze)
            init.normal_(self.weight, generator=generator)
            if padding_idx is not None:
                self.weight._data[padding_idx] = 0
        else:
            w = np.array(getattr(_weight, "_data", _weight), copy=True)
            if w.shape != (num_embeddings, embedding_dim):
                raise ShapeError(f"Embedding: _weight must have shape ({num_embeddings}, {embedding_dim}); "
                                 f"got {w.shape}")
            self.weight = Parameter(w, requires_grad=not _freeze)
        if dtype is not None:
            self.to(dtype=dtype)

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None, norm_type=2.0,
                        scale_grad_by_freq=False, sparse=False):
        """An Embedding holding ``embeddings`` (num_embeddings, dim); ``freeze`` keeps it fixed."""
        if embeddings.ndim != 2:
            raise ShapeError(f"Embedding.from_pretrained: embeddings must be 2-D; got shape {tuple(embeddings.shape)}")
        n, d = embeddings.shape
        return cls(n, d, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse, _weight=embeddings,
                   _freeze=freeze)

    def forward(self, indices):
        return F.embedding(indices, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)

    def extra_repr(self):
        pad = f", padding_idx={self.padding_idx}" if self.padding_idx is not None else ""
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}"
