"""Indexing along a dimension: gather, scatter, scatter_add, index_select (PyTorch's semantics).

``index`` arguments are integer arrays with no gradient; the values they pick or write get one.
"""
from ..autograd import Function
from .. import backend
from ..backend import xp
from ..errors import ArgumentTypeError, IndexOutOfRangeError, ShapeError


def _axis(dim, ndim, op):
    if not -max(ndim, 1) <= dim < max(ndim, 1):
        raise IndexOutOfRangeError(f"{op}: dim {dim} is out of range for a tensor with {ndim} dimensions")
    return dim % max(ndim, 1)


def _check_index(index, size, op):
    index = backend.asarray(index)
    if index.dtype.kind not in "iu":
        raise ArgumentTypeError(f"{op}: index must hold integers (gw.long); got dtype {index.dtype}")
    if index.size and (index.min() < -size or index.max() >= size):
        raise IndexOutOfRangeError(f"{op}: index values must lie in [0, {size}); got {int(index.min())}..{int(index.max())}")
    return index


def _positions(index, dim):
    """The full advanced index that addresses ``index``'s entries along ``dim``."""
    grids = list(xp.indices(index.shape, sparse=True))
    grids[dim] = index
    return tuple(grids)


class Gather(Function):
    def forward(self, a, index, dim):
        dim = _axis(dim, a.ndim, "gather")
        index = _check_index(index, a.shape[dim], "gather")
        if index.ndim != a.ndim:
            raise ShapeError(f"gather: index needs as many dimensions as the input ({a.ndim}); got shape {index.shape}")
        self.shape, self.where = a.shape, _positions(index, dim)
        return a[self.where]

    def backward(self, g):
        out = xp.zeros_like(g, shape=self.shape, order="C")
        xp.add.at(out, self.where, g)       # an index may repeat: contributions add up
        return out, None, None


def gather(input, dim, index):
    """out[i][j] = input[index[i][j]][j] for dim=0 (PyTorch's ``gather``)."""
    return Gather.apply(input, getattr(index, "_data", index), dim)


class Scatter(Function):
    def forward(self, a, src, index, dim, add):
        dim = _axis(dim, a.ndim, "scatter")
        index = _check_index(index, a.shape[dim], "scatter")
        if index.ndim != a.ndim:
            raise ShapeError(f"scatter: index needs as many dimensions as the input ({a.ndim}); got shape {index.shape}")
        where = _positions(index, dim)
        src_part = xp.broadcast_to(src, index.shape) if xp.ndim(src) == 0 else \
            src[tuple(slice(0, n) for n in index.shape)]
        out = a.copy()
        if add:
            xp.add.at(out, where, src_part)
        else:
            out[where] = src_part
        self.where, self.add, self.src_shape = where, add, xp.shape(src)
        return out

    def backward(self, g):
        na, ns = self.needs_grad[:2]
        ga = gs = None
        if na:
            ga = g if self.add else g.copy()
            if not self.add:
                ga[self.where] = 0
        if ns:
            picked = g[self.where]
            if len(self.src_shape) == 0:
                gs = picked.sum()
            else:
                gs = xp.zeros_like(g, shape=self.src_shape, order="C")
                gs[tuple(slice(0, n) for n in picked.shape)] = picked
        return ga, gs, None, None, None


def scatter(input, dim, index, src=None, value=None):
    """A copy of ``input`` with ``src`` (or ``value``) written at ``index`` along ``dim``."""
    source = value if src is None else src
    return Scatter.apply(input, source, getattr(index, "_data", index), dim, False)


def scatter_add(input, dim, index, src):
    """A copy of ``input`` with ``src`` added at ``index`` along ``dim`` (repeats add up)."""
    return Scatter.apply(input, src, getattr(index, "_data", index), dim, True)


class IndexSelect(Function):
    def forward(self, a, index, dim):
        dim = _axis(dim, a.ndim, "index_select")
        index = _check_index(index, a.shape[dim], "index_select")
        if index.ndim > 1:
            raise ShapeError(f"index_select: index must be 1-D; got shape {index.shape}")
        self.shape, self.dim, self.index = a.shape, dim, index
        return xp.take(a, index, axis=dim)

    def backward(self, g):
        out = xp.zeros_like(g, shape=self.shape, order="C")
        xp.add.at(out, (slice(None),) * self.dim + (self.index,), g)
        return out, None, None


def index_select(input, dim, index):
    """The entries of ``input`` at positions ``index`` (1-D) along ``dim``."""
    return IndexSelect.apply(input, getattr(index, "_data", index), dim)
