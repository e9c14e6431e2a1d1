"""Data: datasets, samplers, splits and the DataLoader (``gradwise.utils.data`` is PyTorch's path to them).

Example:
    >>> from gradwise.data import ArrayDataset, DataLoader, Digits
"""
from .collate import default_collate, default_convert
from .dataset import ArrayDataset, ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset
from .datasets import CharText, Digits, FashionMNIST, ListOps, MNIST, listops_splits, read_idx
from .loader import DataLoader, get_worker_info
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
                      WeightedRandomSampler)
from .splits import random_split, stratified_split
from .trees import Tree, TreeBatch

__all__ = ["ArrayDataset", "BatchSampler", "CharText", "ConcatDataset", "DataLoader", "Dataset", "Digits",
           "FashionMNIST", "IterableDataset", "ListOps", "MNIST", "RandomSampler", "Sampler", "SequentialSampler", "Subset",
           "SubsetRandomSampler", "TensorDataset", "Tree", "TreeBatch", "WeightedRandomSampler", "default_collate", "default_convert",
           "get_worker_info", "listops_splits", "random_split", "read_idx", "stratified_split"]
