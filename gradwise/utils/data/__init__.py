"""``torch.utils.data`` under its PyTorch name: the same classes as ``gradwise.data`` (one
implementation), so ``from torch.utils.data import DataLoader, TensorDataset`` works unchanged."""
from ...data import (BatchSampler, ConcatDataset, DataLoader, Dataset, IterableDataset, RandomSampler, Sampler,
                     SequentialSampler, Subset, SubsetRandomSampler, TensorDataset, WeightedRandomSampler,
                     default_collate, default_convert, get_worker_info, random_split)

__all__ = ["BatchSampler", "ConcatDataset", "DataLoader", "Dataset", "IterableDataset", "RandomSampler", "Sampler",
           "SequentialSampler", "Subset", "SubsetRandomSampler", "TensorDataset", "WeightedRandomSampler",
           "default_collate", "default_convert", "get_worker_info", "random_split"]
