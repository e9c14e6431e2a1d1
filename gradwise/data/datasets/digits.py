"""The bundled UCI 8x8 handwritten digits (1,797 images; see DIGITS.md for source and licence)."""
from pathlib import Path

import numpy as np

from ..dataset import ArrayDataset

_FILE = Path(__file__).with_name("digits.npz")


def load_digits():
    """(images uint8 (1797, 8, 8) with values 0..16, labels uint8 (1797,))."""
    with np.load(_FILE, allow_pickle=False) as f:
        return f["images"], f["labels"]


class Digits(ArrayDataset):
    """The bundled digits, offline and dependency-free: images (N, 1, 8, 8) float32 in [0, 1]
    and labels int64. Split them with ``stratified_split(ds, ds.labels)``.

    Args:
        flatten: give images as (N, 64) vectors instead (for an MLP).
    """
    classes = list(range(10))

    def __init__(self, flatten=False):
        images, labels = load_digits()
        x = images.astype(np.float32) / 16.0
        self.labels = labels.astype(np.int64)
        super().__init__(x.reshape(len(x), -1) if flatten else x[:, None], self.labels)
