"""Data: datasets, splits and the DataLoader.

Example:
    >>> from gradwise._data import ArrayDataset, DataLoader, Digits
"""
from .dataset import ArrayDataset, Dataset, Subset, random_split, stratified_split
from .datasets import CharText, Digits, FashionMNIST, ListOps, MNIST, listops_splits, read_idx
from .loader import DataLoader
from .trees import Tree, TreeBatch

__all__ = ["ArrayDataset", "CharText", "DataLoader", "Dataset", "Digits", "FashionMNIST", "ListOps", "MNIST", "Subset",
           "Tree", "TreeBatch", "listops_splits", "random_split", "read_idx", "stratified_split"]
