"""Shape and indexing ops: reshape, permute, expand, getitem, setitem, concatenate, stack, pad, cast.

Views share their input's version counter, so an in-place change through a view is seen by
every node that saved the original.
"""
import numbers

from ..autograd import Function
from ..backend import xp
from ..errors import ArgumentError, IndexOutOfRangeError, ShapeError
from .util import norm_axes, unbroadcast


def _as_view_of(result, source):
    if hasattr(source, "_vbox") and xp.may_share_memory(result._data, source._data):
        result._vbox = source._vbox
    return result


def _dims(args):
    """Accept f(2, 3) as well as f((2, 3))."""
    return tuple(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else args


class Reshape(Function):
    saves_inputs = False

    def forward(self, a, shape):
        self.shape = a.shape
        try:
            return a.reshape(shape)
        except ValueError:
            raise ShapeError(f"reshape: cannot reshape a tensor of shape {a.shape} ({a.size} elements) "
                             f"into {shape}") from None

    def backward(self, g):
        return g.reshape(self.shape)


def reshape(a, *shape):
    """The same elements in a new shape (a view when possible); one dimension may be -1."""
    return _as_view_of(Reshape.apply(a, _dims(shape)), a)


class Permute(Function):
    saves_inputs = False

    def forward(self, a, axes):
        if sorted(axes) != list(range(a.ndim)):
            raise ShapeError(f"permute: {axes} is not a permutation of the {a.ndim} axes of shape {a.shape}")
        self.inverse = tuple(sorted(range(len(axes)), key=axes.__getitem__))
        return a.transpose(axes)

    def backward(self, g):
        return g.transpose(self.inverse)


def permute(a, *dims):
    """Reorder the axes: ``permute(x, 2, 0, 1)`` makes axis 2 the first."""
    ndim = xp.ndim(getattr(a, "_data", a))
    return _as_view_of(Permute.apply(a, tuple(d % ndim for d in _dims(dims)) if ndim else ()), a)


def transpose(a, dim0=-2, dim1=-1):
    """Swap two axes (PyTorch's ``transpose``)."""
    axes = list(range(xp.ndim(getattr(a, "_data", a))))
    axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
    return permute(a, *axes)


class BroadcastTo(Function):
    saves_inputs = False

    def forward(self, a, shape):
        self.shape = a.shape
        try:
            return xp.broadcast_to(a, shape)
        except ValueError:
            raise ShapeError(f"expand: cannot broadcast shape {a.shape} to {shape}") from None

    def backward(self, g):
        return unbroadcast(g, self.shape)


def broadcast_to(a, shape):
    """A read-only broadcast view of ``a`` with ``shape`` (NumPy rules)."""
    return _as_view_of(BroadcastTo.apply(a, tuple(shape)), a)


def expand(a, *sizes):
    """PyTorch's ``expand``: like broadcast_to, and -1 keeps that dimension's size."""
    sizes = _dims(sizes)
    shape = xp.shape(getattr(a, "_data", a))
    lead = len(sizes) - len(shape)
    return broadcast_to(a, tuple(shape[i - lead] if s == -1 else s for i, s in enumerate(sizes)))


def squeeze(a, axis=None):
    """Drop axes of size 1 (all of them when ``axis`` is None)."""
    shape = xp.shape(getattr(a, "_data", a))
    axes = norm_axes(axis, len(shape), "squeeze") if axis is not None else \
        tuple(i for i, n in enumerate(shape) if n == 1)
    for i in axes:
        if shape[i] != 1:
            raise ShapeError(f"squeeze: axis {i} of shape {shape} has size {shape[i]}, not 1")
    return reshape(a, tuple(n for i, n in enumerate(shape) if i not in axes))


def unsqueeze(a, axis):
    """Insert an axis of size 1 at position ``axis``."""
    shape = list(xp.shape(getattr(a, "_data", a)))
    shape.insert(axis % (len(shape) + 1), 1)
    return reshape(a, tuple(shape))


def flatten(a, start_dim=0, end_dim=-1):
    """Merge axes start_dim..end_dim into one (PyTorch's ``flatten``)."""
    shape = xp.shape(getattr(a, "_data", a))
    if not shape:
        return reshape(a, (1,))
    s, e = start_dim % len(shape), end_dim % len(shape)
    return reshape(a, shape[:s] + (-1,) + shape[e + 1:])


class Cast(Function):
    saves_inputs = False

    def forward(self, a, dtype, copy, order="K"):
        self.dtype = a.dtype
        return a.astype(dtype, order=order, copy=copy)

    def backward(self, g):
        return g.astype(self.dtype, copy=False)


def cast(a, dtype, copy=False, order="K"):
    """Convert to ``dtype`` (``order="C"``: into a C-contiguous array); the gradient is converted back."""
    return Cast.apply(a, dtype, copy, order)


def index_arrays(index):
    """Replace tensors inside an index by their arrays."""
    if isinstance(index, tuple):
        return tuple(getattr(i, "_data", i) for i in index)
    return getattr(index, "_data", index)


def _is_basic(index):
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, (slice, numbers.Integral)) and not isinstance(i, bool)
               for i in items)


class GetItem(Function):
    saves_inputs = False

    def forward(self, a, index):
        self.shape, self.index = a.shape, index
        try:
            return a[index]
        except IndexError as e:
            raise IndexOutOfRangeError(f"getitem: index {index!r} does not fit a tensor of shape {a.shape}: {e}") from None

    def backward(self, g):
        out = xp.zeros_like(g, shape=self.shape, order="C")
        if _is_basic(self.index) or _is_mask(self.index):
            out[self.index] = g
        else:       # repeated integer indices must add up, not overwrite
            xp.add.at(out, self.index, g)
        return out


def _is_mask(index):
    return isinstance(index, xp.ndarray) and index.dtype == bool


def getitem(a, index):
    """``a[index]`` with NumPy's basic and advanced indexing."""
    return _as_view_of(GetItem.apply(a, index_arrays(index)), a)


class SetItem(Function):
    saves_inputs = False

    def forward(self, a, value, index):
        out = a.copy()
        out[index] = value
        self.index, self.vshape = index, xp.shape(value)
        return out

    def backward(self, g):
        na, nv = self.needs_grad[:2]
        ga = gv = None
        if na:
            ga = g.copy()
            ga[self.index] = 0
        if nv:
            gv = unbroadcast(g[self.index], self.vshape)
        return ga, gv, None


def setitem(a, index, value):
    """A copy of ``a`` with ``a[index] = value``; both get gradients."""
    return SetItem.apply(a, value, index_arrays(index))


class Concatenate(Function):
    saves_inputs = False

    def forward(self, *arrays, axis):
        self.axis = axis
        self.bounds = xp.cumsum([x.shape[axis] for x in arrays])
        try:
            return xp.concatenate(arrays, axis=axis)
        except ValueError:
            raise ShapeError(f"concatenate: shapes {[x.shape for x in arrays]} differ outside axis {axis}") from None

    def backward(self, g):
        return tuple(xp.split(g, self.bounds[:-1], axis=self.axis))


def concatenate(tensors, axis=0):
    """Join tensors along an existing axis."""
    return Concatenate.apply(*tensors, axis=axis)


cat = concatenate


class Stack(Function):
    saves_inputs = False

    def forward(self, *arrays, axis):
        self.axis = axis
        try:
            return xp.stack(arrays, axis=axis)
        except ValueError:
            raise ShapeError(f"stack: all shapes must be equal; got {[x.shape for x in arrays]}") from None

    def backward(self, g):
        moved = xp.moveaxis(g, self.axis, 0)
        return tuple(moved[i] for i in range(moved.shape[0]))


def stack(tensors, axis=0):
    """Join tensors of equal shape along a new axis."""
    return Stack.apply(*tensors, axis=axis)


def split(a, split_size_or_sections, axis=0):
    """Split into pieces along ``axis``: an int gives pieces of that size (the last may be
    smaller), a list gives the size of each piece (PyTorch's ``split``)."""
    n = xp.shape(getattr(a, "_data", a))[axis]
    if isinstance(split_size_or_sections, numbers.Integral):
        sizes = [split_size_or_sections] * (n // split_size_or_sections)
        if n % split_size_or_sections:
            sizes.append(n % split_size_or_sections)
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n:
            raise ShapeError(f"split: sizes {sizes} add up to {sum(sizes)}, but axis {axis} has {n}")
    pieces, start = [], 0
    lead = (slice(None),) * (axis % len(xp.shape(getattr(a, "_data", a))))
    for s in sizes:
        pieces.append(getitem(a, lead + (slice(start, start + s),)))
        start += s
    return pieces


class Pad(Function):
    saves_inputs = False

    def forward(self, a, widths, value):
        self.crop = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, a.shape))
        return xp.pad(a, widths, constant_values=value)

    def backward(self, g):
        return g[self.crop]


def pad(a, pad, value=0.0):
    """Constant padding, PyTorch's ``F.pad`` convention: ``pad`` lists (before, after) pairs
    starting from the last axis, e.g. (1, 1, 2, 2) pads the last axis by 1 and the one before by 2."""
    shape = xp.shape(getattr(a, "_data", a))
    if len(pad) % 2 or len(pad) // 2 > len(shape):
        raise ShapeError(f"pad: expected an even number of values, at most 2 per axis ({2 * len(shape)}); got {pad}")
    if any(p < 0 for p in pad):
        raise ArgumentError(f"pad: negative padding is not supported; got {pad}")
    widths = [(0, 0)] * len(shape)
    for i in range(len(pad) // 2):
        widths[len(shape) - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    return Pad.apply(a, tuple(widths), value)
