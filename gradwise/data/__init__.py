"""Data: datasets, samplers, splits and the DataLoader (``gradwise.utils.data`` is PyTorch's path to them).

Example:
    >>> from gradwise.data import ArrayDataset, DataLoader, Digits
"""
from .collate import default_collate, default_convert
from .dataset import ArrayDataset, ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset
from .datasets import CharText, Digits, FashionMNIST, MNIST, read_idx
from .loader import DataLoader, get_worker_info
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
                      WeightedRandomSampler)
from .splits import random_split, stratified_split

__all__ = ["ArrayDataset", "BatchSampler", "CharText", "ConcatDataset", "DataLoader", "Dataset", "Digits",
           "FashionMNIST", "IterableDataset", "MNIST", "RandomSampler", "Sampler", "SequentialSampler", "Subset",
           "SubsetRandomSampler", "TensorDataset", "WeightedRandomSampler", "default_collate", "default_convert",
           "get_worker_info", "random_split", "read_idx", "stratified_split"]
