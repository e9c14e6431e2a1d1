"""Ops along an axis or over positions: cumsum, cumprod, prod, flip, roll, repeat, tril/triu."""
from ..autograd import Function
from ..backend import xp
from .index import _axis
from ..errors import ArgumentError


class Cumsum(Function):
    saves_inputs = False

    def forward(self, a, dim):
        self.dim = _axis(dim, a.ndim, "cumsum")
        return xp.cumsum(a, axis=self.dim, dtype=a.dtype if a.dtype.kind == "f" else None)

    def backward(self, g):      # each input feeds every later sum: a reversed cumulative sum
        d = self.dim
        return xp.flip(xp.cumsum(xp.flip(g, d), axis=d), d), None


def cumsum(a, dim):
    """Running sums along ``dim``."""
    return Cumsum.apply(a, dim)


def _exclusive_products(a, axis):
    """For every position, the product of all other entries along ``axis`` (exact with zeros)."""
    ones = xp.ones_like(xp.take(a, [0], axis=axis))
    left = xp.cumprod(xp.concatenate([ones, xp.take(a, range(a.shape[axis] - 1), axis=axis)], axis), axis=axis)
    rev = xp.flip(a, axis)
    right = xp.flip(xp.cumprod(xp.concatenate([ones, xp.take(rev, range(a.shape[axis] - 1), axis=axis)], axis),
                               axis=axis), axis)
    return left * right


class Prod(Function):
    def forward(self, a, dim, keepdim):
        self.save_for_backward(a)
        self.flat = dim is None
        self.dim = 0 if dim is None else _axis(dim, a.ndim, "prod")
        self.keepdim = keepdim
        return xp.prod(a, axis=None if dim is None else self.dim, keepdims=keepdim and dim is not None)

    def backward(self, g):
        a = self.saved[0]
        if self.flat:
            return g * _exclusive_products(a.reshape(-1), 0).reshape(a.shape), None, None
        if not self.keepdim:
            g = xp.expand_dims(g, self.dim)
        return g * _exclusive_products(a, self.dim), None, None


def prod(a, dim=None, keepdim=False):
    """Product of all entries, or along ``dim``."""
    return Prod.apply(a, dim, keepdim)


class Cumprod(Function):
    def forward(self, a, dim):
        self.dim = _axis(dim, a.ndim, "cumprod")
        out = xp.cumprod(a, axis=self.dim)
        self.save_for_backward(a, out)
        return out

    def backward(self, g):
        a, out = self.saved
        d = self.dim
        # d out_j / d a_i = out_j / a_i for j >= i; where a_i = 0 that quotient is rebuilt from the
        # products of the other entries, so zeros give PyTorch's exact gradient, not NaN
        safe = xp.where(a == 0, 1, a)
        total = xp.flip(xp.cumsum(xp.flip(g * out, d), axis=d), d) / safe
        if (a == 0).any():
            total = _cumprod_grad_at_zeros(a, g, d, total)
        return total, None


def _cumprod_grad_at_zeros(a, g, d, total):
    moved_a, moved_g, moved_t = (xp.moveaxis(v, d, -1) for v in (a, g, total))
    n = moved_a.shape[-1]
    rows = xp.argwhere((moved_a == 0).any(axis=-1))
    for r in map(tuple, rows):
        x, gr = moved_a[r], moved_g[r]
        for i in xp.flatnonzero(x == 0):
            prefix = xp.prod(x[:i])
            acc, run = 0.0, prefix
            for j in range(i, n):
                if j > i:
                    run = run * x[j]
                acc += gr[j] * run
            moved_t[r + (i,)] = acc
    return xp.moveaxis(moved_t, -1, d)


def cumprod(a, dim):
    """Running products along ``dim``."""
    return Cumprod.apply(a, dim)


class Flip(Function):
    saves_inputs = False

    def forward(self, a, dims):
        self.dims = tuple(_axis(d, a.ndim, "flip") for d in dims)
        return xp.flip(a, self.dims).copy()

    def backward(self, g):
        return xp.flip(g, self.dims), None


def flip(a, dims):
    """Reverse the order of entries along ``dims``."""
    return Flip.apply(a, (dims,) if isinstance(dims, int) else tuple(dims))


class Roll(Function):
    saves_inputs = False

    def forward(self, a, shifts, dims):
        self.shifts, self.dims = shifts, dims
        return xp.roll(a, shifts, dims)

    def backward(self, g):
        back = -self.shifts if isinstance(self.shifts, int) else tuple(-s for s in self.shifts)
        return xp.roll(g, back, self.dims), None, None


def roll(a, shifts, dims=None):
    """Shift entries cyclically (flattened when ``dims`` is None)."""
    return Roll.apply(a, shifts, dims)


class Repeat(Function):
    saves_inputs = False

    def forward(self, a, reps):
        if len(reps) < a.ndim:
            raise ArgumentError(f"repeat: give at least one repeat count per dimension ({a.ndim}); got {reps}")
        self.in_shape = a.shape
        self.shape = (1,) * (len(reps) - a.ndim) + a.shape
        self.reps = reps
        return xp.tile(a.reshape(self.shape), reps)

    def backward(self, g):
        split = []
        for r, n in zip(self.reps, self.shape):
            split += [r, n]
        summed = g.reshape(split).sum(axis=tuple(range(0, len(split), 2)))
        return summed.reshape(self.in_shape), None


def repeat(a, *reps):
    """Tile ``a``: ``repeat(x, 2, 1)`` stacks two copies along dim 0 (PyTorch's ``repeat``)."""
    reps = tuple(reps[0]) if len(reps) == 1 and isinstance(reps[0], (tuple, list)) else reps
    return Repeat.apply(a, tuple(int(r) for r in reps))


class Triangle(Function):
    saves_inputs = False

    def forward(self, a, k, upper):
        self.k, self.upper = k, upper
        return xp.triu(a, k) if upper else xp.tril(a, k)

    def backward(self, g):
        return (xp.triu(g, self.k) if self.upper else xp.tril(g, self.k)), None, None


def tril(a, diagonal=0):
    """The lower triangle (entries at and below ``diagonal``); the rest 0."""
    return Triangle.apply(a, diagonal, False)


def triu(a, diagonal=0):
    """The upper triangle (entries at and above ``diagonal``); the rest 0."""
    return Triangle.apply(a, diagonal, True)
