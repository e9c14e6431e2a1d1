"""Splitting a dataset: random_split (PyTorch's) and stratified_split (class proportions kept)."""
import math
import numbers

import numpy as np

from ..random import rng
from ..errors import DataError
from .dataset import Subset


def random_split(dataset, lengths, generator=None, seed=None):
    """Split into non-overlapping Subsets of the given lengths, or of fractions that add up to 1
    (the remainder of the flooring goes one by one to the first subsets, as in PyTorch).

    Args:
        generator: the source of the permutation (a gw.Generator, np.random.Generator or int
            seed); by default gradwise's default generator, so ``gw.manual_seed`` fixes it.
        seed: gradwise's shorthand for ``generator=seed``.

    Example:
        >>> train, val = random_split(ds, [0.8, 0.2], generator=gw.Generator().manual_seed(42))
    """
    n = len(dataset)
    lengths = list(lengths)
    if lengths and all(isinstance(x, float) for x in lengths):
        if not math.isclose(sum(lengths), 1) or sum(lengths) > 1 or min(lengths) < 0:
            raise DataError(f"random_split: fractions must be in [0, 1] and add up to 1; got {lengths}")
        counts = [int(math.floor(f * n)) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if not all(isinstance(x, numbers.Integral) and x >= 0 for x in lengths):
        raise DataError(f"random_split: lengths must be non-negative ints or fractions; got {lengths}")
    if sum(lengths) != n:
        raise DataError(f"random_split: lengths {lengths} add up to {sum(lengths)}, but the dataset has {n}")
    order = rng(seed if generator is None else generator).permutation(n)
    bounds = np.cumsum([0] + lengths)
    return [Subset(dataset, order[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]


def stratified_split(dataset, labels, test_fraction=0.2, seed=0):
    """Split into (train, test) Subsets with each class in the same proportion in both.

    Args:
        labels: the class of each sample (array of length len(dataset)).
    """
    labels = np.asarray(labels)
    if len(labels) != len(dataset):
        raise DataError(f"stratified_split: {len(labels)} labels for {len(dataset)} samples")
    if not 0 < test_fraction < 1:
        raise DataError(f"stratified_split: test_fraction must be in (0, 1); got {test_fraction}")
    r = rng(seed)
    train, test = [], []
    for c in np.unique(labels):
        idx = r.permutation(np.flatnonzero(labels == c))
        k = int(round(len(idx) * test_fraction))
        test.append(idx[:k])
        train.append(idx[k:])
    train, test = r.permutation(np.concatenate(train)), r.permutation(np.concatenate(test))
    return Subset(dataset, train), Subset(dataset, test)
