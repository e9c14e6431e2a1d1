"""Map-style and iterable datasets (PyTorch's ``torch.utils.data`` classes), and batch fetching."""
import bisect

import numpy as np

from ..tensor import Tensor
from ..errors import DataError


class Dataset:
    """A map-style dataset: ``len(ds)`` samples, ``ds[i]`` one sample.

    Datasets that can fetch many samples in one call define ``get_batch(indices)`` (a tuple of
    stacked arrays); the DataLoader then makes one call per batch instead of one per sample.
    ``ds1 + ds2`` is their ConcatDataset, as in PyTorch.
    """
    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A stream of samples: subclasses define ``__iter__`` (no indexing, no sampler, no shuffle)."""
    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __len__(self):
        raise TypeError(f"{type(self).__name__} is an IterableDataset without __len__: its length is unknown")

    def __getitem__(self, index):
        raise TypeError(f"{type(self).__name__} is an IterableDataset: iterate over it instead of indexing it")


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


class TensorDataset(Dataset):
    """Samples are rows of tensors of equal length: ``ds[i] == (t0[i], t1[i], ...)``.

    Example:
        >>> ds = TensorDataset(gw.randn(100, 3), gw.arange(100))
    """
    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        tensors = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in tensors)
        sizes = [t.shape[0] if t.ndim else None for t in tensors]
        if None in sizes or len(set(sizes)) != 1:
            raise ValueError(f"TensorDataset: size mismatch between tensors; their first dimensions are {sizes}")
        self.tensors = tensors

    def __len__(self):
        return self.tensors[0].shape[0]

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def get_batch(self, indices):
        return tuple(t._data[indices] for t in self.tensors)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``."""
    def __init__(self, dataset, indices):
        self.dataset, self.indices = dataset, np.asarray(indices, dtype=np.int64)

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, index):
        if isinstance(index, list):
            return [self[i] for i in index]
        return self.dataset[int(self.indices[index])]

    def get_batch(self, indices):
        return fetch(self.dataset, self.indices[indices])


class ConcatDataset(Dataset):
    """The samples of several datasets one after the other.

    Example:
        >>> both = ConcatDataset([train, extra])        # or train + extra
    """
    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset (use ChainDataset-style iteration)")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        if index < 0:
            if -index > len(self):
                raise IndexError(f"ConcatDataset: index {index} is out of range for {len(self)} samples")
            index += len(self)
        part = bisect.bisect_right(self.cumulative_sizes, index)
        if part == len(self.datasets):
            raise IndexError(f"ConcatDataset: index {index} is out of range for {len(self)} samples")
        return self.datasets[part][index - (self.cumulative_sizes[part - 1] if part else 0)]

    def get_batch(self, indices):
        indices = np.asarray(indices)
        starts = np.asarray([0] + self.cumulative_sizes[:-1])
        parts = np.searchsorted(self.cumulative_sizes, indices, side="right")
        pieces = {p: fetch(self.datasets[p], indices[parts == p] - starts[p]) for p in np.unique(parts)}
        first = next(iter(pieces.values()))
        out = [np.empty((len(indices),) + col.shape[1:], col.dtype) for col in first]
        for p, cols in pieces.items():
            for o, col in zip(out, cols):
                o[parts == p] = col
        return tuple(out)


def fetch(dataset, indices):
    """A batch of samples as a tuple of stacked arrays: one call when the dataset allows it."""
    if hasattr(dataset, "get_batch"):
        return dataset.get_batch(indices)
    samples = [dataset[int(i)] for i in indices]
    if not isinstance(samples[0], (tuple, list)):
        return (_stack(samples),)
    return tuple(_stack(col) for col in zip(*samples))


def _stack(values):
    return np.stack([v._data if isinstance(v, Tensor) else np.asarray(v) for v in values])
