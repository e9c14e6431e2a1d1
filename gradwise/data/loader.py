"""DataLoader: batches from a dataset, in an order that a resumed run can rebuild exactly."""
import itertools
import math
import numbers

import numpy as np

from ..arguments import positive_int
from ..errors import ArgumentError, ArgumentTypeError, DataError
from ..tensor import Tensor
from .checks import check_fields
from .collate import default_collate, default_convert
from .dataset import IterableDataset, fetch
from .sampler import BatchSampler, RandomSampler, SequentialSampler, fresh_rng, uses_order


class DataLoader:
    """Iterate over a dataset in batches of Tensors, with PyTorch's arguments and results.

    The batch size decides the flavour of gradient descent: ``batch_size=1`` is stochastic
    gradient descent, ``batch_size=len(dataset)`` batch gradient descent, anything between
    mini-batch. One epoch takes ``ceil(len(dataset) / batch_size)`` iterations (floor with
    ``drop_last``): 10,000 samples at batch 200 are 50 iterations.

    The shuffled order of a pass is a function of (seed, epoch): ``seed`` when given, else a
    seed drawn from ``generator`` (or gradwise's default generator, which ``gw.manual_seed``
    seeds) when the iterator is created, as in PyTorch. ``batches(epoch, start)`` rebuilds any
    epoch from any batch on, which is how the Trainer resumes exactly.

    Args:
        dataset: a map-style Dataset (``__len__``, ``__getitem__``) or an IterableDataset.
        batch_size: samples per batch; None turns batching off (samples come one by one).
        shuffle, sampler, batch_sampler, drop_last, collate_fn, generator: as in PyTorch.
        num_workers, pin_memory, timeout, worker_init_fn, multiprocessing_context,
        prefetch_factor, persistent_workers, pin_memory_device, in_order: accepted and checked
            as PyTorch does; the loading itself stays in this process (no worker processes,
            so ``worker_init_fn`` is never called).
        seed: gradwise's addition: the shuffling seed, fixed for the loader's lifetime.

    Example:
        >>> for x, y in DataLoader(TensorDataset(images, labels), batch_size=64, shuffle=True):
        ...     ...
    """
    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device="", in_order=True, seed=None):
        _check_workers(num_workers, timeout, prefetch_factor, persistent_workers)
        self.iterable = isinstance(dataset, IterableDataset)
        if self.iterable:
            if shuffle not in (None, False) or sampler is not None or batch_sampler is not None:
                raise ArgumentError("DataLoader with IterableDataset: expected unspecified shuffle, sampler and "
                                 f"batch_sampler options, but got shuffle={shuffle!r}, sampler={sampler!r}, "
                                 f"batch_sampler={batch_sampler!r}")
        elif not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise ArgumentTypeError(f"DataLoader: dataset must have __len__ and __getitem__ (or be an IterableDataset); "
                            f"got {type(dataset).__name__}")
        elif len(dataset) == 0:
            raise DataError("DataLoader: the dataset is empty")
        if sampler is not None and shuffle:
            raise ArgumentError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ArgumentError("DataLoader: batch_sampler option is mutually exclusive with batch_size, shuffle, "
                                 "sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None:
            if drop_last:
                raise ArgumentError("DataLoader: batch_size=None option disables auto-batching and is mutually "
                                 "exclusive with drop_last")
        else:
            batch_size = positive_int("DataLoader", "batch_size", batch_size)
        if not self.iterable and sampler is None:
            sampler = RandomSampler(dataset) if shuffle else SequentialSampler(dataset)
        if not self.iterable and batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, bool(drop_last))
        self.dataset, self.batch_size, self.drop_last = dataset, batch_size, drop_last
        self.sampler, self.batch_sampler, self.generator = sampler, batch_sampler, generator
        self.shuffle = bool(shuffle)
        self.collate_fn = collate_fn if collate_fn is not None else (
            default_collate if batch_sampler is not None or (self.iterable and batch_size) else default_convert)
        self.num_workers, self.pin_memory, self.timeout = num_workers, pin_memory, timeout
        self.worker_init_fn, self.prefetch_factor = worker_init_fn, prefetch_factor
        self.persistent_workers, self.multiprocessing_context = persistent_workers, multiprocessing_context
        self.seed, self.epoch = seed, 0

    def __len__(self):
        if self.iterable:
            n = len(self.dataset)     # a TypeError for a stream without length, as in PyTorch
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)

    def __iter__(self):
        """One pass; each new pass moves to the next epoch's order."""
        epoch, self.epoch = self.epoch, self.epoch + 1
        return self.batches(epoch)

    def order_rng(self, epoch):
        """The np.random.Generator of ``epoch``'s order (None when the order is not random)."""
        sampler = self.batch_sampler.sampler if isinstance(self.batch_sampler, BatchSampler) else self.sampler
        if not getattr(sampler, "random", False):
            return None
        if self.seed is None:
            return fresh_rng(self.generator)
        return np.random.default_rng([self.seed, epoch])

    def order(self, epoch):
        """The sample indices of ``epoch``, in order (map-style datasets)."""
        if self.iterable:
            raise ArgumentTypeError("DataLoader.order: an IterableDataset has no index order")
        sampler = self.batch_sampler.sampler if isinstance(self.batch_sampler, BatchSampler) else self.sampler
        rng = self.order_rng(epoch)
        return sampler.order(rng) if uses_order(sampler) else np.fromiter(iter(sampler), dtype=np.int64)

    def batches(self, epoch, start=0):
        """Batches of ``epoch`` from batch number ``start`` on (for resuming mid-epoch)."""
        if self.iterable:
            return itertools.islice(self._stream(), start, None)
        rng = self.order_rng(epoch)
        if self.batch_sampler is None:
            indices = self.sampler.order(rng) if uses_order(self.sampler) else list(self.sampler)
            return (self.collate_fn(self.dataset[int(i)]) for i in itertools.islice(indices, start, None))
        if isinstance(self.batch_sampler, BatchSampler):
            index_batches = self.batch_sampler.batches(rng)[start:]
        else:
            index_batches = itertools.islice(iter(self.batch_sampler), start, None)
        return (self._fetch(np.asarray(idx, dtype=np.int64)) for idx in index_batches)

    def _fetch(self, indices):
        if self.collate_fn is default_collate and hasattr(self.dataset, "get_batch"):
            arrays = fetch(self.dataset, indices)                          # one call per batch, same result
            check_fields("DataLoader", tuple(arrays))
            return [Tensor(a) for a in arrays]
        return self.collate_fn([self.dataset[int(i)] for i in indices])

    def _stream(self):
        samples = iter(self.dataset)
        if self.batch_size is None:
            yield from (self.collate_fn(s) for s in samples)
            return
        while batch := list(itertools.islice(samples, self.batch_size)):
            if len(batch) < self.batch_size and self.drop_last:
                return
            yield self.collate_fn(batch)


def _check_workers(num_workers, timeout, prefetch_factor, persistent_workers):
    if not isinstance(num_workers, numbers.Integral) or num_workers < 0:
        raise ArgumentError(f"DataLoader: num_workers option should be non-negative; got {num_workers!r} (use "
                         "num_workers=0 to load in this process)")
    if timeout < 0:
        raise ArgumentError(f"DataLoader: timeout option should be non-negative; got {timeout!r}")
    if num_workers == 0 and prefetch_factor is not None:
        raise ArgumentError("DataLoader: prefetch_factor option could only be specified in multiprocessing; let "
                         "num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None")
    if persistent_workers and num_workers == 0:
        raise ArgumentError("DataLoader: persistent_workers option needs num_workers > 0")


def get_worker_info():
    """Information about the current loading worker: always None, since gradwise loads in the
    main process."""
    return None
