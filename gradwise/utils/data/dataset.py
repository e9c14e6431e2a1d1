"""``torch.utils.data.dataset``: the dataset classes under their PyTorch module path."""
from ...data.dataset import ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset
from ...data.splits import random_split

__all__ = ["ConcatDataset", "Dataset", "IterableDataset", "Subset", "TensorDataset", "random_split"]
