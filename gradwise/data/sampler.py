"""Samplers: the order in which a DataLoader visits a dataset (PyTorch's classes).

The built-in samplers compute a whole epoch's order in one NumPy call (``order(rng)``). A
DataLoader hands them the epoch's generator, so the order is a function of (seed, epoch) and a
resumed run rebuilds it; a sampler given its own ``generator`` draws from that instead, as in
PyTorch. Iterated on their own, they draw a fresh seed from their generator (or gradwise's
default one, which ``gw.manual_seed`` seeds) for every pass.
"""
import numbers

import numpy as np

from ..random import rng as as_rng


def fresh_rng(generator=None):
    """A new np.random.Generator seeded by one draw from ``generator`` (default: gradwise's)."""
    return np.random.default_rng(int(as_rng(generator).integers(0, 2 ** 63)))


def _positive_int(value, what, who):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{who}: {what} should be a positive integer value, but got {what}={value!r}")
    return int(value)


class Sampler:
    """Base class: subclasses define ``__iter__`` (indices) and usually ``__len__``.

    gradwise's own samplers define ``order(rng)`` instead, which returns the indices of a pass
    as one array; ``__iter__`` then comes from it.
    """
    random = False          # whether order() draws from a generator

    def __init__(self, data_source=None):
        pass

    def order(self, rng=None):
        """The indices of one pass as an int64 array (``rng``: the pass's np.random.Generator)."""
        return np.fromiter(iter(self), dtype=np.int64)

    def __iter__(self):
        if type(self).order is Sampler.order:
            raise NotImplementedError(f"{type(self).__name__} must define __iter__")
        return iter(self.order().tolist())


def uses_order(sampler):
    """True when a sampler's indices come from ``order(rng)`` (not from an overridden ``__iter__``)."""
    return type(sampler).__iter__ is Sampler.__iter__ and type(sampler).order is not Sampler.order


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""
    def __init__(self, data_source):
        self.data_source = data_source

    def order(self, rng=None):
        return np.arange(len(self.data_source))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random permutation, or ``num_samples`` draws with ``replacement``.

    Without replacement and with ``num_samples`` above the dataset's size, whole permutations
    follow one another (as in PyTorch).
    """
    random = True

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement should be a boolean value, but got replacement={replacement!r}")
        self.data_source, self.replacement, self._num_samples = data_source, replacement, num_samples
        self.generator = generator
        _positive_int(self.num_samples, "num_samples", "RandomSampler")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def order(self, rng=None):
        r = _source(self.generator, rng)
        n, k = len(self.data_source), self.num_samples
        if self.replacement:
            return r.integers(0, n, k)
        return np.concatenate([r.permutation(n) for _ in range(-(-k // n))])[:k]

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order."""
    random = True

    def __init__(self, indices, generator=None):
        self.indices, self.generator = indices, generator

    def order(self, rng=None):
        return np.asarray(self.indices, dtype=np.int64)[_source(self.generator, rng).permutation(len(self.indices))]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probabilities proportional to ``weights``.

    Example:
        >>> sampler = WeightedRandomSampler(1.0 / class_counts[labels], num_samples=len(labels))
    """
    random = True

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        self.num_samples = _positive_int(num_samples, "num_samples", "WeightedRandomSampler")
        if not isinstance(replacement, bool):
            raise ValueError(f"WeightedRandomSampler: replacement should be a boolean value, got {replacement!r}")
        w = np.asarray(getattr(weights, "_data", weights), dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(f"WeightedRandomSampler: weights should be a 1-d sequence; got shape {w.shape}")
        if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
            raise ValueError("WeightedRandomSampler: weights must be finite, non-negative and not all zero")
        if not replacement and self.num_samples > np.count_nonzero(w):
            raise ValueError(f"WeightedRandomSampler: cannot draw {self.num_samples} samples without replacement "
                             f"from {np.count_nonzero(w)} non-zero weights")
        self.weights, self.replacement, self.generator = w, replacement, generator

    def order(self, rng=None):
        r = _source(self.generator, rng)
        return r.choice(len(self.weights), self.num_samples, replace=self.replacement, p=self.weights / self.weights.sum())

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Groups a sampler's indices into lists of ``batch_size``.

    Example:
        >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
        [[0, 1], [2, 3], [4]]
    """
    def __init__(self, sampler, batch_size, drop_last):
        self.batch_size = _positive_int(batch_size, "batch_size", "BatchSampler")
        if not isinstance(drop_last, bool):
            raise ValueError(f"BatchSampler: drop_last should be a boolean value, but got drop_last={drop_last!r}")
        self.sampler, self.drop_last = sampler, drop_last

    def batches(self, rng=None):
        """The index arrays of one pass."""
        if uses_order(self.sampler):
            order = self.sampler.order(rng)
        else:
            order = np.fromiter(iter(self.sampler), dtype=np.int64)
        stop = len(order) - len(order) % self.batch_size if self.drop_last else len(order)
        return [order[i:i + self.batch_size] for i in range(0, stop, self.batch_size)]

    def __iter__(self):
        return (b.tolist() for b in self.batches())

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


def _source(generator, rng):
    """A sampler's own generator wins; else the DataLoader's epoch generator; else a fresh draw."""
    if generator is not None:
        return as_rng(generator)
    return rng if rng is not None else fresh_rng()
