"""Tensor methods for shapes and indexing: views, splitting, joining and picking entries, with
PyTorch's names and arguments. Every method calls an op in ``gradwise.ops``."""
import numbers

import numpy as np

from .backend import xp
from .errors import ArgumentError, ArgumentTypeError


def _dims(args):
    """Accept f(2, 3) as well as f((2, 3)) (and a Size)."""
    return tuple(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else args


class ShapeMethods:
    """Mixed into ``Tensor``."""
    __slots__ = ()

    def reshape(self, *shape): return S.reshape(self, *_ints(_dims(shape)))
    def view(self, *shape):
        if len(shape) == 1 and not isinstance(shape[0], (tuple, list, numbers.Integral)):
            return self.to(shape[0])        # view(dtype) reinterprets in PyTorch; gradwise converts
        return S.reshape(self, *_ints(_dims(shape)))
    def view_as(self, other): return S.reshape(self, tuple(other.shape))
    def reshape_as(self, other): return S.reshape(self, tuple(other.shape))
    def permute(self, *dims): return S.permute(self, *_dims(dims))
    def transpose(self, dim0, dim1): return S.transpose(self, dim0, dim1)
    swapaxes = swapdims = transpose

    def t(self):
        if self._data.ndim > 2:
            raise ArgumentError(f"t() expects a tensor with at most 2 dimensions; got {self._data.ndim}. "
                             f"Use transpose(dim0, dim1) or .mT")
        return self if self._data.ndim < 2 else S.transpose(self, 0, 1)

    @property
    def T(self):
        return S.permute(self, *range(self._data.ndim - 1, -1, -1))

    @property
    def mT(self):
        return S.transpose(self, -2, -1)

    def movedim(self, source, destination):
        order = list(np.moveaxis(np.arange(self._data.ndim), source, destination))
        return S.permute(self, *order)

    moveaxis = movedim

    def contiguous(self, memory_format=None):
        return self if self._data.flags.c_contiguous else S.cast(self, self._data.dtype, copy=True, order="C")

    def expand(self, *sizes): return S.expand(self, *_dims(sizes))
    def expand_as(self, other): return S.expand(self, *other.shape)
    def broadcast_to(self, shape): return S.broadcast_to(self, tuple(shape))

    def squeeze(self, dim=None, *, axis=None):
        dim = axis if dim is None else dim
        if dim is not None and not isinstance(dim, (tuple, list)) and self._data.ndim and \
                self._data.shape[dim] != 1:
            return self         # PyTorch leaves a dimension that is not 1
        if isinstance(dim, (tuple, list)):
            dim = tuple(d for d in dim if self._data.shape[d] == 1)
        return S.squeeze(self, dim)

    def unsqueeze(self, dim): return S.unsqueeze(self, dim)
    def flatten(self, start_dim=0, end_dim=-1): return S.flatten(self, start_dim, end_dim)

    def unflatten(self, dim, sizes):
        shape = list(self._data.shape)
        d = dim % len(shape)
        return S.reshape(self, tuple(shape[:d]) + tuple(sizes) + tuple(shape[d + 1:]))

    def ravel(self): return S.reshape(self, -1)

    def chunk(self, chunks, dim=0):
        """Split into ``chunks`` pieces of equal size (the last may be smaller), as PyTorch."""
        if not isinstance(chunks, numbers.Integral) or chunks < 1:
            raise ArgumentError(f"chunk: chunks must be a positive int; got {chunks!r}")
        n = self._data.shape[dim]
        size = -(-n // chunks) if n else 1
        return tuple(S.split(self, size, dim))

    def split(self, split_size_or_sections, dim=0):
        return tuple(S.split(self, split_size_or_sections, dim))

    def tensor_split(self, sections, dim=0):
        return tuple(self[(slice(None),) * (dim % self._data.ndim) + (slice(int(a), int(b)),)]
                     for a, b in _section_bounds(self._data.shape[dim], sections))

    def unbind(self, dim=0):
        d = dim % self._data.ndim
        return tuple(self[(slice(None),) * d + (i,)] for i in range(self._data.shape[d]))

    def narrow(self, dim, start, length):
        d = dim % self._data.ndim
        start = int(start)
        if start < 0:
            start += self._data.shape[d]
        return self[(slice(None),) * d + (slice(start, start + int(length)),)]

    def select(self, dim, index):
        return self[(slice(None),) * (dim % self._data.ndim) + (int(index),)]

    def repeat(self, *sizes): return C.repeat(self, *_dims(sizes))
    def tile(self, *dims):
        dims = _dims(dims)
        return C.repeat(self, *((1,) * (self._data.ndim - len(dims)) + tuple(dims)))

    def repeat_interleave(self, repeats, dim=None):
        if dim is None:
            return I.index_select(S.reshape(self, -1), 0, np.repeat(np.arange(self._data.size), _arr(repeats)))
        return I.index_select(self, dim, np.repeat(np.arange(self._data.shape[dim]), _arr(repeats)))

    def flip(self, *dims): return C.flip(self, _dims(dims))
    def fliplr(self): return C.flip(self, (1,))
    def flipud(self): return C.flip(self, (0,))
    def roll(self, shifts, dims=None): return C.roll(self, shifts, dims)
    def tril(self, diagonal=0): return C.tril(self, diagonal)
    def triu(self, diagonal=0): return C.triu(self, diagonal)

    def diagonal(self, offset=0, dim1=0, dim2=1):
        rows = np.arange(self._data.shape[dim1])
        cols = rows + offset
        keep = (cols >= 0) & (cols < self._data.shape[dim2])
        moved = S.permute(self, *([d for d in range(self._data.ndim) if d not in (dim1 % self._data.ndim,
                                   dim2 % self._data.ndim)] + [dim1 % self._data.ndim, dim2 % self._data.ndim]))
        return moved[..., rows[keep], cols[keep]]

    def diag(self, diagonal=0):
        if self._data.ndim == 1:
            n = self._data.shape[0] + abs(diagonal)
            idx = np.arange(self._data.shape[0])
            rows, cols = (idx, idx + diagonal) if diagonal >= 0 else (idx - diagonal, idx)
            return S.setitem(self.new_zeros((n, n)), (rows, cols), self)
        return self.diagonal(diagonal)

    # ----- picking and writing entries ---------------------------------------------------
    def __getitem__(self, index): return S.getitem(self, index)
    def gather(self, dim, index): return I.gather(self, dim, index)
    def take_along_dim(self, indices, dim): return I.gather(self, dim, indices)
    def index_select(self, dim, index): return I.index_select(self, dim, _arr(index))

    def scatter(self, dim, index, src=None, value=None, reduce=None):
        if reduce is not None and reduce != "add":
            raise ArgumentError(f"scatter: reduce must be None or 'add'; got {reduce!r}")
        if reduce == "add":
            return I.scatter_add(self, dim, index, src if src is not None else value)
        return I.scatter(self, dim, index, src, value)

    def scatter_add(self, dim, index, src): return I.scatter_add(self, dim, index, src)

    def index_add(self, dim, index, source, alpha=1):
        index = _arr(index)
        shape = [1] * self._data.ndim
        shape[dim] = len(index)
        full = np.broadcast_to(index.reshape(shape), source.shape)
        return I.scatter_add(self, dim, full, source if alpha == 1 else source * alpha)

    def masked_select(self, mask):
        m = np.broadcast_to(_arr(mask), self._data.shape)
        return S.getitem(S.broadcast_to(self, m.shape), m)

    def nonzero(self, as_tuple=False):
        idx = xp.nonzero(self._data)
        if as_tuple:
            return tuple(_wrap(i) for i in idx)
        return _wrap(xp.stack(idx, axis=1) if idx else xp.zeros((0, 0), np.int64))

    def argwhere(self): return self.nonzero()

    def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):
        out = xp.unique(self._data, return_inverse=return_inverse, return_counts=return_counts, axis=dim)
        if not (return_inverse or return_counts):
            return _wrap(out)
        return tuple(_wrap(o.reshape(self._data.shape) if i == 1 and return_inverse else o)
                     for i, o in enumerate(out))


def _ints(shape):
    out = []
    for s in shape:
        if hasattr(s, "_data"):
            s = int(s.item())
        if not isinstance(s, numbers.Integral):
            raise ArgumentTypeError(f"shape entries must be ints; got {s!r} in {shape}")
        out.append(int(s))
    return tuple(out)


def _arr(v):
    return np.asarray(getattr(v, "_data", v))


def _wrap(array):
    from .tensor import Tensor
    return Tensor._make(xp.asarray(array), None)


def _section_bounds(n, sections):
    if isinstance(sections, numbers.Integral):
        q, r = divmod(n, sections)
        sizes = [q + 1] * r + [q] * (sections - r)
        bounds = np.cumsum([0] + sizes)
        return list(zip(bounds[:-1], bounds[1:]))
    cuts = [0] + list(sections) + [n]
    return list(zip(cuts[:-1], cuts[1:]))


from .ops import index as I, scan as C, shape as S  # noqa: E402
