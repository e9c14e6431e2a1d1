"""DistributedSampler: each rank's share of every epoch's sample order."""
import math

import numpy as np


class DistributedSampler:
    """The indices of one rank's shard of a dataset, a new order every epoch (``set_epoch``).

    The epoch's order is the DataLoader's (a permutation drawn from ``(seed, epoch)``), padded
    by repeating its first indices up to a multiple of ``num_replicas`` (or cut down to one,
    with ``drop_last``); rank r takes positions r, r + N, r + 2N ... So every sample is seen
    once per epoch, the order is a pure function of seed and epoch (a resumed run rebuilds it),
    and at per-rank batch size B/N the ranks' batch b together are the single-process batch b
    of size B.

    Args:
        dataset: anything with ``len``.
        num_replicas, rank: default to the process group's world size and rank.
        shuffle: permute every epoch (else the natural order).
        seed: seed of the permutation; the same on every rank.
        drop_last: drop the tail that does not divide evenly instead of padding.

    Example:
        >>> sampler = DistributedSampler(train, shuffle=True, seed=0)
        >>> for epoch in range(epochs):
        ...     sampler.set_epoch(epoch)
        ...     for i in range(0, len(sampler), 32): batch = fetch(train, sampler.indices()[i:i + 32])
    """
    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        from .group import get_rank, get_world_size
        num_replicas = get_world_size() if num_replicas is None else num_replicas
        rank = get_rank() if rank is None else rank
        if not isinstance(num_replicas, int) or num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be a positive int; got {num_replicas!r}")
        if not isinstance(rank, int) or not 0 <= rank < num_replicas:
            raise ValueError(f"DistributedSampler: rank must be in [0, {num_replicas - 1}]; got {rank!r}")
        n = len(dataset)
        if n == 0:
            raise ValueError("DistributedSampler: the dataset is empty")
        if drop_last and n < num_replicas:
            raise ValueError(f"DistributedSampler: {n} samples cannot be split over {num_replicas} ranks with "
                             f"drop_last=True")
        self.dataset, self.num_replicas, self.rank = dataset, num_replicas, rank
        self.shuffle, self.seed, self.drop_last = shuffle, seed, drop_last
        self.epoch = 0
        self.num_samples = n // num_replicas if drop_last else math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def set_epoch(self, epoch):
        """Use epoch ``epoch``'s order from now on (call it before every epoch, as in PyTorch)."""
        self.epoch = int(epoch)

    def indices(self, epoch=None):
        """This rank's indices for ``epoch`` (default: the one set by ``set_epoch``), as an array."""
        epoch = self.epoch if epoch is None else epoch
        n = len(self.dataset)
        order = np.random.default_rng([self.seed, epoch]).permutation(n) if self.shuffle else np.arange(n)
        if self.total_size > n:
            order = np.resize(order, self.total_size)       # repeats from the start, as PyTorch pads
        return order[:self.total_size][self.rank::self.num_replicas]

    def __iter__(self):
        return iter(self.indices().tolist())

    def __len__(self):
        return self.num_samples
