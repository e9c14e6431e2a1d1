"""Row segments: the two ops that move states between the nodes of a tree level and their children.

Children are stored contiguously, parent by parent: ``counts[j]`` rows belong to parent ``j``
(zero for a leaf). ``segment_sum`` adds each parent's rows up; ``repeat_rows`` copies each parent's
row once per child. Each is the other's backward.

# NOTE: primitives for speed. Composed from index_select/scatter_add they would go through
# ``np.add.at``; here the forward is one ``np.add.reduceat`` and the backward one ``np.repeat``.
"""
from ..autograd import Function
from ..backend import xp
from ..errors import ShapeError


def _counts(counts, rows, op):
    counts = xp.asarray(counts)
    if counts.ndim != 1 or counts.dtype.kind not in "iu" or (counts.size and counts.min() < 0):
        raise ShapeError(f"{op}: counts must be a 1-D array of non-negative integers; got {counts!r}")
    if int(counts.sum()) != rows:
        raise ShapeError(f"{op}: counts add up to {int(counts.sum())} rows; the input has {rows}")
    return counts


def _segment_sum(x, counts):
    out = xp.zeros((len(counts),) + x.shape[1:], dtype=x.dtype)
    full = counts > 0
    if x.shape[0]:
        starts = xp.cumsum(counts) - counts
        out[full] = xp.add.reduceat(x, starts[full], axis=0)
    return out


class SegmentSum(Function):
    saves_inputs = False

    def forward(self, x, counts):
        self.counts = _counts(counts, x.shape[0], "segment_sum")
        return _segment_sum(x, self.counts)

    def backward(self, g):
        return xp.repeat(g, self.counts, axis=0), None


def segment_sum(x, counts):
    """Sums of consecutive row segments: row j of the result adds up the ``counts[j]`` rows of
    ``x`` that follow the previous segments (zero rows where ``counts[j]`` is 0).

    Args:
        x: (sum(counts), ...) rows, grouped segment by segment.
        counts: (n,) non-negative integers.
    Returns: (n, ...).

    Example:
        >>> segment_sum(gw.ones(5, 2), [2, 0, 3])     # rows [2, 2], [0, 0], [3, 3]
    """
    return SegmentSum.apply(x, counts)


class RepeatRows(Function):
    saves_inputs = False

    def forward(self, x, counts):
        counts = xp.asarray(counts)
        if counts.ndim != 1 or len(counts) != x.shape[0]:
            raise ShapeError(f"repeat_rows: needs one count per input row ({x.shape[0]}); got shape {counts.shape}")
        self.counts = _counts(counts, int(counts.sum()), "repeat_rows")
        return xp.repeat(x, self.counts, axis=0)

    def backward(self, g):
        return _segment_sum(g, self.counts), None


def repeat_rows(x, counts):
    """Row j of ``x`` repeated ``counts[j]`` times, in order (a parent's row once per child).

    Args:
        x: (n, ...); counts: (n,) non-negative integers.
    Returns: (sum(counts), ...).
    """
    return RepeatRows.apply(x, counts)


class Pieces(Function):
    saves_inputs = False

    def forward(self, x, sizes, axis):
        self.axis, self.shape, self.sizes, self.dtype = axis % x.ndim, x.shape, sizes, x.dtype
        if sum(sizes) != x.shape[self.axis]:
            raise ShapeError(f"pieces: sizes {list(sizes)} add up to {sum(sizes)}; "
                             f"axis {axis} has {x.shape[self.axis]}")
        return tuple(xp.split(x, xp.cumsum(sizes)[:-1], axis=self.axis))

    def backward(self, grads):
        parts = [g if g is not None else xp.zeros(self._shape(k), dtype=self.dtype) for k, g in enumerate(grads)]
        return xp.concatenate(parts, axis=self.axis), None, None

    def _shape(self, k):
        shape = list(self.shape)
        shape[self.axis] = self.sizes[k]
        return tuple(shape)


def pieces(x, sizes, axis=0):
    """``x`` cut into consecutive pieces of ``sizes`` along ``axis``, as one op.

    # NOTE: ``split`` makes each piece a view by indexing, and each view's backward fills an
    # array of the whole input's size; for the many levels of a tree that is O(levels x nodes).
    # One multi-output op concatenates the pieces' gradients once.
    """
    return Pieces.apply(x, tuple(int(s) for s in sizes), axis)


class PermuteRows(Function):
    saves_inputs = False

    def forward(self, x, order):
        order = xp.asarray(order)
        if order.shape != (x.shape[0],) or not (xp.sort(order) == xp.arange(x.shape[0])).all():
            raise ShapeError(f"permute_rows: order must be a permutation of 0..{x.shape[0] - 1}; got {order!r}")
        self.inverse = xp.empty_like(order)
        self.inverse[order] = xp.arange(len(order))
        return x[order]

    def backward(self, g):
        return g[self.inverse], None


def permute_rows(x, order):
    """``x[order]`` for a permutation ``order``: its backward is a gather too (no scatter-add)."""
    return PermuteRows.apply(x, order)
