"""Data: datasets, splits and the DataLoader.

Example:
    >>> from gradwise._data import ArrayDataset, DataLoader, Digits
"""
from .dataset import ArrayDataset, Dataset, Subset, random_split, stratified_split
from .datasets import CharText, Digits, FashionMNIST, MNIST, read_idx
from .loader import DataLoader

__all__ = ["ArrayDataset", "CharText", "DataLoader", "Dataset", "Digits", "FashionMNIST", "MNIST", "Subset",
           "random_split", "read_idx", "stratified_split"]
