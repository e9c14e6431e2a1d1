"""Map-style datasets, and ways to split them."""
import numpy as np

from ..creation import _rng
from ..errors import DataError


class Dataset:
    """A map-style dataset: ``len(ds)`` samples, ``ds[i]`` one sample (a tuple of arrays).

    Datasets that can fetch many samples in one call define ``get_batch(indices)``; the
    DataLoader then makes one call per batch instead of one per sample.
    """
    def __len__(self):
        raise NotImplementedError

    def __getitem__(self, index):
        raise NotImplementedError


class ArrayDataset(Dataset):
    """Samples are rows of NumPy arrays (inputs, targets, ...) of equal length; no copies.

    Args:
        *arrays: arrays whose first axis indexes the samples.
        transform: optional function applied to each batch of the first array (e.g. scaling
            uint8 images to float32 per batch instead of storing a float copy of the whole set).

    Example:
        >>> ds = ArrayDataset(x_train, y_train)
    """
    def __init__(self, *arrays, transform=None):
        if not arrays:
            raise DataError("ArrayDataset needs at least one array")
        arrays = tuple(np.asarray(getattr(a, "_data", a)) for a in arrays)
        lengths = [len(a) for a in arrays]
        if len(set(lengths)) != 1:
            raise DataError(f"ArrayDataset: all arrays need the same number of samples; got lengths {lengths}")
        if lengths[0] == 0:
            raise DataError("ArrayDataset: the arrays are empty (0 samples)")
        for i, a in enumerate(arrays):
            if np.issubdtype(a.dtype, np.floating) and not np.isfinite(a).all():
                bad = int((~np.isfinite(a)).sum())
                raise DataError(f"ArrayDataset: array {i} holds {bad} NaN or infinite values; clean the data first")
        self.arrays, self.transform = arrays, transform

    def __len__(self):
        return len(self.arrays[0])

    def __getitem__(self, index):
        return tuple(a[0] for a in self.get_batch(np.asarray([index])))

    def get_batch(self, indices):
        batch = [a[indices] for a in self.arrays]
        if self.transform is not None:
            batch[0] = self.transform(batch[0])
        return tuple(batch)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``."""
    def __init__(self, dataset, indices):
        self.dataset, self.indices = dataset, np.asarray(indices, dtype=np.int64)

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, index):
        return self.dataset[int(self.indices[index])]

    def get_batch(self, indices):
        return fetch(self.dataset, self.indices[indices])


def fetch(dataset, indices):
    """A batch of samples as a tuple of stacked arrays: one call when the dataset allows it."""
    if hasattr(dataset, "get_batch"):
        return dataset.get_batch(indices)
    samples = [dataset[int(i)] for i in indices]
    if not isinstance(samples[0], tuple):
        return (np.stack(samples),)
    return tuple(np.stack(col) for col in zip(*samples))


def random_split(dataset, lengths, seed=0):
    """Split into non-overlapping Subsets of the given lengths (or fractions summing to 1)."""
    n = len(dataset)
    if all(isinstance(x, float) for x in lengths):
        if abs(sum(lengths) - 1) > 1e-6:
            raise DataError(f"random_split: fractions must add up to 1; got {lengths}")
        counts = [int(np.floor(f * n)) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if sum(lengths) != n:
        raise DataError(f"random_split: lengths {list(lengths)} add up to {sum(lengths)}, but the dataset has {n}")
    order = _rng(seed).permutation(n)
    bounds = np.cumsum([0] + list(lengths))
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
    rng = _rng(seed)
    train, test = [], []
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        k = int(round(len(idx) * test_fraction))
        test.append(idx[:k])
        train.append(idx[k:])
    train, test = rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))
    return Subset(dataset, train), Subset(dataset, test)
