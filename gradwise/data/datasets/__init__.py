"""Datasets: the bundled digits, MNIST and Fashion-MNIST from IDX files, character-level text."""
from .digits import Digits
from .idx import FashionMNIST, MNIST, read_idx
from .listops import ListOps, listops_splits
from .text import CharText

__all__ = ["CharText", "Digits", "FashionMNIST", "ListOps", "MNIST", "listops_splits", "read_idx"]
