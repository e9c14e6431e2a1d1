"""Action and observation spaces with gymnasium's attributes (``n``, ``low``, ``high``, ``shape``,
``dtype``, ``sample()``, ``contains()``, ``seed()``), so gradwise agents read gymnasium's spaces
and gymnasium code reads these."""
import numbers

import numpy as np

from ..errors import GradwiseError


class SpaceError(GradwiseError, ValueError):
    """An action or observation that does not belong to its space."""


class Space:
    def __init__(self, shape, dtype, seed=None):
        self.shape, self.dtype = tuple(shape), np.dtype(dtype)
        self.np_random = np.random.default_rng(seed)

    def seed(self, seed=None):
        self.np_random = np.random.default_rng(seed)
        return [seed]

    def __contains__(self, x):
        return self.contains(x)


class Discrete(Space):
    """The integers ``start, ..., start + n - 1`` (actions of a maze, cells of a grid)."""

    def __init__(self, n, start=0, seed=None):
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise SpaceError(f"Discrete(n) needs a positive integer n; got {n!r}")
        self.n, self.start = int(n), int(start)
        super().__init__((), np.int64, seed)

    def sample(self):
        return np.int64(self.start + self.np_random.integers(self.n))

    def contains(self, x):
        if isinstance(x, np.ndarray) and x.shape == ():
            x = x.item()
        if isinstance(x, bool) or not isinstance(x, (numbers.Integral, np.integer)):
            return False
        return self.start <= int(x) < self.start + self.n

    def __repr__(self):
        return f"Discrete({self.n})" if self.start == 0 else f"Discrete({self.n}, start={self.start})"

    def __eq__(self, other):
        return isinstance(other, Discrete) and (self.n, self.start) == (other.n, other.start)


class Box(Space):
    """A box in R^n: arrays of ``shape`` with ``low <= x <= high`` elementwise (infinite bounds allowed)."""

    def __init__(self, low, high, shape=None, dtype=np.float32, seed=None):
        shape = tuple(shape) if shape is not None else np.broadcast_shapes(np.shape(low), np.shape(high))
        self.low = np.broadcast_to(np.asarray(low, dtype), shape).copy()
        self.high = np.broadcast_to(np.asarray(high, dtype), shape).copy()
        if np.any(self.low > self.high):
            raise SpaceError(f"Box: low must be <= high; got low={self.low}, high={self.high}")
        super().__init__(shape, dtype, seed)

    def sample(self):
        """Uniform where both bounds are finite, normal where both are infinite, shifted
        exponential where one is (gymnasium's rule)."""
        lo, hi = self.low.astype(np.float64), self.high.astype(np.float64)
        out = self.np_random.normal(size=self.shape)
        both = np.isfinite(lo) & np.isfinite(hi)
        out[both] = self.np_random.uniform(lo[both], hi[both])
        only_lo, only_hi = np.isfinite(lo) & ~np.isfinite(hi), ~np.isfinite(lo) & np.isfinite(hi)
        out[only_lo] = lo[only_lo] + self.np_random.exponential(size=only_lo.sum())
        out[only_hi] = hi[only_hi] - self.np_random.exponential(size=only_hi.sum())
        return out.astype(self.dtype)

    def contains(self, x):
        x = np.asarray(x)
        return x.shape == self.shape and np.can_cast(x.dtype, self.dtype, "same_kind") and \
            bool(np.all((x >= self.low) & (x <= self.high)))

    def __repr__(self):
        return f"Box({self.low.min()}, {self.high.max()}, {self.shape}, {self.dtype})"


def space_size(space, what):
    """``n`` of a Discrete space (own or gymnasium's); a clear error for any other space."""
    n = getattr(space, "n", None)
    if n is None:
        raise SpaceError(f"{what} needs a Discrete space; got {space!r}")
    return int(n)


def check_action(space, action, env_name):
    """Raise a SpaceError naming the environment and its action space if ``action`` is outside it."""
    if not space.contains(action):
        raise SpaceError(f"{env_name}.step got action {action!r} ({type(action).__name__}); expected an element of "
                         f"{space!r}" + (f", an integer in 0..{space.n - 1}" if hasattr(space, "n") else ""))
