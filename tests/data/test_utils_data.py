"""gradwise.utils.data: PyTorch's torch.utils.data names, arguments and results."""
import collections

import numpy as np
import pytest

import gradwise as gw
from gradwise.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset, IterableDataset, RandomSampler,
                                 SequentialSampler, Subset, SubsetRandomSampler, TensorDataset,
                                 WeightedRandomSampler, default_collate, random_split)


def _ds(n=10):
    return TensorDataset(gw.arange(n, dtype=gw.float32)[:, None], gw.arange(n))


def test_one_implementation_under_both_paths():
    import gradwise.data
    assert gw.utils.data.DataLoader is gradwise.data.DataLoader
    assert gw.utils.data.TensorDataset is gradwise.data.TensorDataset


def test_default_collate_follows_pytorch_dtypes():
    # values checked against torch 2.13: int->int64, float->float64, bool->bool, np scalars keep theirs
    assert default_collate([1, 2]).dtype == gw.int64
    assert default_collate([1.0, 2.0]).dtype == gw.float64
    assert default_collate([True, False]).dtype == gw.bool
    assert default_collate([np.float32(1)] * 2).dtype == gw.float32
    assert default_collate([np.zeros(2)] * 3).shape == (3, 2) and default_collate([np.zeros(2)] * 3).dtype == gw.float64
    pair = default_collate([(np.zeros(2, np.float32), 1), (np.ones(2, np.float32), 0)])
    assert isinstance(pair, list) and pair[1].tolist() == [1, 0] and pair[0].shape == (2, 2)
    d = default_collate([{"a": 1, "b": "x"}, {"a": 2, "b": "y"}])
    assert d["a"].tolist() == [1, 2] and d["b"] == ["x", "y"]
    Point = collections.namedtuple("Point", "x y")
    p = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(p, Point) and p.x.tolist() == [1, 3]
    assert default_collate([gw.ones(2), gw.zeros(2)]).shape == (2, 2)
    with pytest.raises(RuntimeError, match=r"same shape; got \(2,\) and \(3,\)"):
        default_collate([np.zeros(2), np.zeros(3)])


def test_loader_yields_lists_of_tensors_and_counts_batches():
    loader = DataLoader(_ds(10), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and [len(x) for x, _ in batches] == [4, 4, 2]
    assert isinstance(batches[0], list) and isinstance(batches[0][0], gw.Tensor)
    assert batches[0][1].dtype == gw.int64 and batches[2][1].tolist() == [8, 9]
    assert len(DataLoader(_ds(10), batch_size=4, drop_last=True)) == 2
    single = list(DataLoader(_ds(3), batch_size=None))
    assert len(single) == 3 and single[1][1].item() == 1 and single[1][0].shape == (1,)


def test_shuffle_follows_manual_seed_and_generator():
    ds = _ds(20)

    def epoch(**kw):
        return [y.tolist() for _, y in DataLoader(ds, 5, shuffle=True, **kw)]
    gw.manual_seed(1)
    a, b = epoch(), epoch()
    gw.manual_seed(1)
    assert epoch() == a and epoch() == b and a != b
    assert sorted(sum(a, [])) == list(range(20))
    g = epoch(generator=gw.Generator().manual_seed(7))
    assert g == epoch(generator=gw.Generator().manual_seed(7)) and g != epoch(generator=gw.Generator().manual_seed(8))
    loader = DataLoader(ds, 5, shuffle=True, seed=3)        # gradwise's fixed seed: order = f(seed, epoch)
    first, second = [y.tolist() for _, y in loader], [y.tolist() for _, y in loader]
    assert first != second and [y.tolist() for _, y in loader.batches(1, start=2)] == second[2:]


def test_samplers():
    ds = _ds(10)
    assert list(SequentialSampler(ds)) == list(range(10))
    r = list(RandomSampler(ds, generator=gw.Generator().manual_seed(0)))
    assert sorted(r) == list(range(10))
    long = list(RandomSampler(ds, num_samples=25, generator=gw.Generator().manual_seed(0)))
    assert len(long) == 25 and sorted(long[:10]) == list(range(10))
    with_rep = list(RandomSampler(ds, replacement=True, num_samples=50, generator=gw.Generator().manual_seed(0)))
    assert len(with_rep) == 50 and len(set(with_rep)) < 10 + 1
    assert sorted(SubsetRandomSampler([3, 5, 7])) == [3, 5, 7]
    w = list(WeightedRandomSampler([0.0, 0.0, 1.0, 3.0], num_samples=400, generator=gw.Generator().manual_seed(0)))
    counts = np.bincount(w, minlength=4)
    assert counts[:2].tolist() == [0, 0] and 2.2 < counts[3] / counts[2] < 4.2
    assert list(BatchSampler(SequentialSampler(range(5)), 2, drop_last=False)) == [[0, 1], [2, 3], [4]]
    assert len(BatchSampler(SequentialSampler(range(5)), 2, drop_last=True)) == 2
    via_sampler = [y.tolist() for _, y in DataLoader(ds, 3, sampler=SubsetRandomSampler([1, 2, 3, 4]))]
    assert sorted(sum(via_sampler, [])) == [1, 2, 3, 4]
    via_batches = [y.tolist() for _, y in DataLoader(ds, batch_sampler=[[0, 9], [4]])]
    assert via_batches == [[0, 9], [4]]


def test_custom_sampler_and_collate():
    class Evens(gw.utils.data.Sampler):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(0, self.n, 2))

        def __len__(self):
            return self.n // 2
    got = [y.tolist() for _, y in DataLoader(_ds(10), batch_size=2, sampler=Evens(10))]
    assert got == [[0, 2], [4, 6], [8]]
    sums = list(DataLoader(_ds(4), batch_size=2, collate_fn=lambda s: sum(int(y) for _, y in s)))
    assert sums == [1, 5]


def test_datasets_concat_subset_iterable():
    a, b = _ds(3), TensorDataset(gw.full((2, 1), 7.0), gw.tensor([7, 8]))
    both = ConcatDataset([a, b])
    assert len(both) == 5 and both[4][1].item() == 8 and both[-1][1].item() == 8 and len(a + b) == 5
    x, y = next(iter(DataLoader(both, batch_size=5, sampler=[4, 0, 3, 1, 2])))
    assert y.tolist() == [8, 0, 7, 1, 2] and x[:, 0].tolist() == [7.0, 0.0, 7.0, 1.0, 2.0]
    with pytest.raises(IndexError):
        both[5]
    sub = Subset(a, [2, 0])
    assert sub[0][1].item() == 2 and len(sub) == 2

    class Stream(IterableDataset):
        def __iter__(self):
            return iter(range(7))
    assert [t.tolist() for t in DataLoader(Stream(), batch_size=3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [t.tolist() for t in DataLoader(Stream(), batch_size=3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]
    with pytest.raises(TypeError):
        len(DataLoader(Stream(), batch_size=3))


def test_random_split_lengths_fractions_generator():
    ds = _ds(10)
    a, b, c = random_split(ds, [0.5, 0.3, 0.2], generator=gw.Generator().manual_seed(42))
    assert (len(a), len(b), len(c)) == (5, 3, 2)
    assert sorted(np.concatenate([a.indices, b.indices, c.indices]).tolist()) == list(range(10))
    again = random_split(ds, [0.5, 0.3, 0.2], generator=gw.Generator().manual_seed(42))
    assert again[0].indices.tolist() == a.indices.tolist()
    assert [len(s) for s in random_split(_ds(11), [0.5, 0.5])] == [6, 5]
    gw.manual_seed(0)
    x = random_split(ds, [7, 3])[0].indices.tolist()
    gw.manual_seed(0)
    assert random_split(ds, [7, 3])[0].indices.tolist() == x
    with pytest.raises(ValueError, match="add up to"):
        random_split(ds, [0.5, 0.6])


@pytest.mark.parametrize("kwargs, message", [
    (dict(batch_size=0), "batch_size must be a positive int"),
    (dict(shuffle=True, sampler=[0, 1]), "sampler option is mutually exclusive with shuffle"),
    (dict(batch_sampler=[[0]], batch_size=2), "batch_sampler option is mutually exclusive"),
    (dict(batch_size=None, drop_last=True), "mutually exclusive with drop_last"),
    (dict(num_workers=-1), "num_workers option should be non-negative"),
    (dict(prefetch_factor=2), "prefetch_factor option could only be specified"),
    (dict(persistent_workers=True), "persistent_workers option needs num_workers > 0"),
])
def test_bad_arguments_are_clear(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DataLoader(_ds(4), **kwargs)


def test_worker_arguments_are_accepted():
    loader = DataLoader(_ds(6), batch_size=3, num_workers=2, pin_memory=True, prefetch_factor=2,
                        persistent_workers=True, worker_init_fn=lambda i: None, timeout=5)
    assert [y.tolist() for _, y in loader] == [[0, 1, 2], [3, 4, 5]]
    assert gw.utils.data.get_worker_info() is None


def test_plain_dataset_needs_len_and_getitem():
    with pytest.raises(TypeError, match="must have __len__ and __getitem__"):
        DataLoader(object())

    class Broken(Dataset):
        pass
    with pytest.raises(NotImplementedError, match="Broken must define __len__"):
        DataLoader(Broken())


def test_pytorch_submodule_paths():
    from gradwise.run import target_of
    from gradwise.utils.data.dataloader import default_collate as dc
    from gradwise.utils.data.dataset import Dataset as D
    from gradwise.utils.data.sampler import Sampler as S
    assert (dc, D, S) == (default_collate, Dataset, gw.utils.data.Sampler)
    assert target_of("torch.utils.data.dataloader") == "gradwise.utils.data.dataloader"


def test_restoring_the_default_generator_repeats_the_next_epoch():
    loader = DataLoader(_ds(12), batch_size=4, shuffle=True)
    gw.manual_seed(5)
    list(loader)
    state = gw.get_rng_state()          # what a checkpoint keeps
    second = [y.tolist() for _, y in loader]
    gw.set_rng_state(state)
    assert [y.tolist() for _, y in loader] == second
