"""DataLoader: batches from a dataset, in an order that a resumed run can rebuild exactly."""
import math

import numpy as np

from ..arguments import positive_int
from ..errors import DataError
from ..tensor import Tensor
from .checks import check_fields
from .dataset import fetch


class DataLoader:
    """Iterate over a dataset in batches of Tensors.

    The batch size decides the flavour of gradient descent: ``batch_size=1`` is stochastic
    gradient descent (one update per sample), ``batch_size=len(dataset)`` is batch gradient
    descent (one update per epoch), anything between is mini-batch gradient descent. One
    epoch takes ``ceil(len(dataset) / batch_size)`` iterations (floor with ``drop_last``):
    10,000 samples at batch 200 are 50 iterations.

    The shuffled order of epoch e depends only on (seed, e), so training resumed from a
    checkpoint sees exactly the batches an uninterrupted run would.

    Args:
        dataset: a Dataset (or anything with __len__ and __getitem__).
        batch_size, shuffle, drop_last: as in PyTorch.
        seed: seed of the shuffling.
        collate_fn: optional function turning a list of samples into a batch; when given,
            samples are fetched one by one.

    Example:
        >>> for x, y in DataLoader(ArrayDataset(images, labels), batch_size=64, shuffle=True, seed=0):
        ...     ...
    """
    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, seed=0, collate_fn=None):
        batch_size = positive_int("DataLoader", "batch_size", batch_size)
        if len(dataset) == 0:
            raise DataError("DataLoader: the dataset is empty")
        self.dataset, self.batch_size, self.shuffle = dataset, batch_size, shuffle
        self.drop_last, self.seed, self.collate_fn = drop_last, seed, collate_fn
        self.epoch = 0

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def order(self, epoch):
        """The sample order of ``epoch``."""
        n = len(self.dataset)
        return np.random.default_rng([self.seed, epoch]).permutation(n) if self.shuffle else np.arange(n)

    def batches(self, epoch, start=0):
        """Batches of ``epoch`` from batch number ``start`` on (for resuming mid-epoch)."""
        order = self.order(epoch)
        for b in range(start, len(self)):
            idx = order[b * self.batch_size:(b + 1) * self.batch_size]
            if self.collate_fn is not None:
                batch = self.collate_fn([self.dataset[int(i)] for i in idx])
            else:
                batch = fetch(self.dataset, idx)
            check_fields("DataLoader", batch)
            yield tuple(Tensor(a) for a in batch) if isinstance(batch, tuple) else Tensor(batch)

    def __iter__(self):
        """One epoch; each new iteration moves to the next epoch's order."""
        epoch, self.epoch = self.epoch, self.epoch + 1
        return self.batches(epoch)
