"""DistributedSampler: shards that cover every sample once per epoch, a pure function of (seed, epoch)."""
import numpy as np
import pytest

from gradwise.data import DataLoader
from gradwise.distributed import DistributedSampler


@pytest.mark.parametrize("n,world", [(100, 2), (101, 4), (7, 3), (64, 1)])
def test_shards_cover_each_sample_once_per_epoch(n, world):
    samplers = [DistributedSampler(range(n), num_replicas=world, rank=r, seed=5) for r in range(world)]
    for epoch in range(3):
        for s in samplers:
            s.set_epoch(epoch)
        shards = [list(s) for s in samplers]
        assert all(len(sh) == len(samplers[0]) == -(-n // world) for sh in shards)
        joined = np.concatenate(shards)
        counts = np.bincount(joined, minlength=n)
        assert counts.min() == 1 and counts.max() <= 2          # every sample, once ...
        assert (counts == 2).sum() == (-n) % world              # ... but the few repeated as padding


def test_order_changes_with_the_epoch_and_is_a_pure_function_of_seed_and_epoch():
    a, b = DistributedSampler(range(50), 2, 0, seed=1), DistributedSampler(range(50), 2, 0, seed=1)
    a.set_epoch(3)
    assert list(a) == b.indices(3).tolist() and list(a) != b.indices(4).tolist()
    assert list(a) != DistributedSampler(range(50), 2, 0, seed=2).indices(3).tolist()


def test_ranks_batch_b_together_are_the_single_process_batch_b():
    n, big, world = 48, 12, 3
    order = DataLoader(range(n), big, shuffle=True, seed=7).order(2)
    shards = [DistributedSampler(range(n), world, r, seed=7).indices(2) for r in range(world)]
    for b in range(n // big):
        together = np.concatenate([sh[b * big // world:(b + 1) * big // world] for sh in shards])
        assert sorted(together) == sorted(order[b * big:(b + 1) * big])


def test_drop_last_and_no_shuffle_and_bad_arguments():
    s = DistributedSampler(range(10), 3, 2, shuffle=False, drop_last=True)
    assert list(s) == [2, 5, 8] and len(s) == 3
    with pytest.raises(ValueError, match="rank must be in"):
        DistributedSampler(range(10), 2, 2)
    with pytest.raises(ValueError, match="empty"):
        DistributedSampler([], 2, 0)
