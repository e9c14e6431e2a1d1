"""Datasets: the bundled digits, MNIST and Fashion-MNIST from IDX files, character-level text."""
from .digits import Digits
from .idx import FashionMNIST, MNIST, read_idx
from .text import CharText

__all__ = ["CharText", "Digits", "FashionMNIST", "MNIST", "read_idx"]
