"""torchvision's datasets: MNIST, FashionMNIST (torchvision's arguments and folders) and FakeData.

Files are looked up in torchvision's layout, ``root/MNIST/raw/`` (the .gz files or their
unpacked copies), then in ``$GRADWISE_DATASETS/mnist/`` (or ``fashion-mnist/``), a folder of
the original .gz files such as the shared offline copy. ``download=True`` fetches what is
missing into ``root/<Name>/raw/`` and keeps a file only when its md5 matches torchvision's.

A sample is (image, int label). Without a transform the image is a (28, 28) uint8 ndarray
(standing in for torchvision's PIL image: ``ToTensor`` turns it into a (1, 28, 28) float
tensor in [0, 1]).
"""
import os
from pathlib import Path

import numpy as np

from ..data.dataset import Dataset
from ..data.datasets import idx
from ..tensor import Tensor


class MNIST(Dataset):
    """MNIST handwritten digits: 60,000 training and 10,000 test images.

    Args:
        root: the folder holding ``MNIST/raw/``.
        train: the training set (else the test set).
        transform: applied to each image; target_transform: to each label.
        download: fetch missing files (md5-checked).

    Example:
        >>> train = MNIST("data", train=True, download=True, transform=transforms.ToTensor())
    """
    source = idx.MNIST
    shared_name = "mnist"
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        self.root, self.train = os.fspath(os.path.expanduser(root)), train
        self.transform, self.target_transform = transform, target_transform
        img_name, img_md5, lbl_name, lbl_md5 = self.source.files["train" if train else "test"]
        images = idx.read_idx(self._find(img_name, img_md5, download))
        labels = idx.read_idx(self._find(lbl_name, lbl_md5, download)).astype(np.int64)
        if len(images) != len(labels):
            raise ValueError(f"{type(self).__name__}: {len(images)} images but {len(labels)} labels under {self.root}")
        self.data, self.targets = Tensor(images), Tensor(labels)

    @property
    def raw_folder(self):
        return os.path.join(self.root, type(self).__name__, "raw")

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    def _find(self, name, md5, download):
        raw = Path(self.raw_folder)
        candidates = [raw / name, raw / name[:-3]]
        shared = os.environ.get("GRADWISE_DATASETS")
        if shared:
            candidates.append(Path(shared) / self.shared_name / name)
        for path in candidates:
            if path.exists():
                return path
        if download:
            return idx.download(self.source.mirrors, raw, name, md5, type(self).__name__)
        raise RuntimeError(f"{type(self).__name__}: dataset not found: none of {[str(p) for p in candidates]} exists. "
                           f"Pass download=True, copy the original .gz files into {raw}, or point the "
                           f"GRADWISE_DATASETS variable at a folder holding {self.shared_name}/{name}")

    def __len__(self):
        return len(self.data._data)

    def __getitem__(self, index):
        img, target = self.data._data[index], int(self.targets._data[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __getattr__(self, name):
        # NOTE: a batch can be transformed in one call when the transform allows it (ToTensor,
        # Normalize, Compose of those): the DataLoader then fetches by batch, with the same result.
        if name == "get_batch" and self._batchable():
            return self._get_batch
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _batchable(self):
        t = self.__dict__.get("transform")
        return type(self).__getitem__ is MNIST.__getitem__ and self.__dict__.get("target_transform") is None and (
            t is None or getattr(t, "batchable", False))

    def _get_batch(self, indices):
        images = self.data._data[indices]
        if self.transform is not None:
            images = self.transform.batch(images)._data
        return images, self.targets._data[indices]

    def __repr__(self):
        return (f"Dataset {type(self).__name__}\n    Number of datapoints: {len(self)}\n    Root location: {self.root}\n"
                f"    Split: {'Train' if self.train else 'Test'}")


class FashionMNIST(MNIST):
    """Fashion-MNIST (Zalando Research): 10 clothing classes, the same format and arguments as MNIST."""
    source = idx.FashionMNIST
    shared_name = "fashion-mnist"
    classes = idx.FashionMNIST.classes


class FakeData(Dataset):
    """Random images with random labels, the same for the same index (seeded by index + random_offset).

    Images are uint8 (H, W, C) arrays (or (H, W) for one channel), standing in for PIL images.
    """
    def __init__(self, size=1000, image_size=(3, 224, 224), num_classes=10, transform=None, target_transform=None,
                 random_offset=0):
        if size < 0 or num_classes < 1:
            raise ValueError(f"FakeData: size must be >= 0 and num_classes >= 1; got {size}, {num_classes}")
        self.size, self.image_size, self.num_classes = int(size), tuple(image_size), int(num_classes)
        self.transform, self.target_transform, self.random_offset = transform, target_transform, random_offset

    def __len__(self):
        return self.size

    def __getitem__(self, index):
        if not -self.size <= index < self.size:
            raise IndexError(f"FakeData: index {index} out of range for {self.size} samples")
        r = np.random.default_rng(int(index) % self.size + self.random_offset)
        c, h, w = self.image_size
        img = r.integers(0, 256, (h, w, c), dtype=np.uint8)
        img = img[:, :, 0] if c == 1 else img
        target = int(r.integers(0, self.num_classes))
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target


__all__ = ["FakeData", "FashionMNIST", "MNIST"]
