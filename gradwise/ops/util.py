"""Helpers shared by the ops: undoing broadcasting and normalising axes."""
from ..backend import xp
from ..errors import ShapeError


def unbroadcast(grad, shape):
    """Sum ``grad`` over the axes that broadcasting added or stretched, giving ``shape``.

    This is the one place where broadcasting is undone for every op's backward.
    """
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1)
    if axes:
        grad = xp.sum(grad, axis=axes, keepdims=True)
    return grad.reshape(shape)


def shape_of(a):
    """Shape of an array or of a Python scalar (``()``)."""
    if isinstance(a, xp.ndarray):
        return a.shape
    return () if isinstance(a, (int, float)) else xp.shape(a)


def norm_axes(axis, ndim, op):
    """Axis argument as a sorted tuple of non-negative ints (None means all axes)."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise ShapeError(f"{op}: axis {a} is out of range for a tensor with {ndim} dimensions")
        out.append(a % ndim if ndim else 0)
    if len(set(out)) != len(out):
        raise ShapeError(f"{op}: repeated axis in {axis}")
    return tuple(sorted(out))


def pick_axis(axis, keepdims, dim, keepdim):
    """Accept PyTorch's ``dim``/``keepdim`` as well as NumPy's ``axis``/``keepdims``."""
    if dim is not None:
        axis = dim
    if keepdim is not None:
        keepdims = keepdim
    return axis, keepdims
