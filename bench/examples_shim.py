"""Run one PyTorch program for a bounded number of training steps and print what it did.

    python examples_shim.py gradwise|torch STEPS script.py [args ...]

The program itself is not edited. The shim counts a step at every ``backward()`` of a
one-element tensor (the training loss), times the steps, and stops the program after STEPS of
them with one JSON line: steps, median ms per step (after two warm-up steps) and the mean of the
last five losses. With ``gradwise`` the program runs under ``gradwise run`` (torch mapped to
gradwise); with ``torch`` it runs on PyTorch, and where torchvision is not installed a minimal
stand-in (MNIST from the IDX files, FakeData, the few transforms these programs use) takes its
place, so that both frameworks read the same data.
"""
import gzip
import json
import os
import runpy
import statistics
import sys
import time
import types

import numpy as np


class _Done(BaseException):
    """Raised after the last counted step; BaseException so that `except Exception` in a program
    does not swallow it."""


def _torchvision_stand_in(torch):
    """torchvision's datasets.MNIST / FakeData, transforms and utils.save_image, on NumPy and torch."""
    tv = types.ModuleType("torchvision")
    datasets, transforms, utils = (types.ModuleType(f"torchvision.{n}") for n in ("datasets", "transforms", "utils"))

    def idx(path):
        with gzip.open(path, "rb") as f:
            raw = f.read()
        ndim = raw[3]
        dims = np.frombuffer(raw, ">i4", ndim, 4)
        return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(dims)

    class MNIST(torch.utils.data.Dataset):
        folder = "MNIST"

        def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
            raw = os.path.join(root, self.folder, "raw")
            part = "train" if train else "t10k"
            self.images = idx(os.path.join(raw, f"{part}-images-idx3-ubyte.gz"))
            self.labels = idx(os.path.join(raw, f"{part}-labels-idx1-ubyte.gz")).astype(np.int64)
            self.transform, self.target_transform = transform, target_transform

        def __len__(self):
            return len(self.labels)

        def __getitem__(self, i):
            img, label = self.images[i], int(self.labels[i])
            if self.transform:
                img = self.transform(img)
            if self.target_transform:
                label = self.target_transform(label)
            return img, label

    class FakeData(torch.utils.data.Dataset):
        def __init__(self, size=1000, image_size=(3, 224, 224), num_classes=10, transform=None, random_offset=0):
            self.size, self.shape, self.classes, self.transform = size, image_size, num_classes, transform

        def __len__(self):
            return self.size

        def __getitem__(self, i):
            rng = np.random.default_rng(i)
            img = rng.integers(0, 256, self.shape[1:] + self.shape[:1], dtype=np.uint8)     # HWC
            return (self.transform(img) if self.transform else img), int(rng.integers(self.classes))

    class Compose:
        def __init__(self, ts):
            self.ts = ts

        def __call__(self, x):
            for t in self.ts:
                x = t(x)
            return x

    class ToTensor:
        def __call__(self, img):
            a = np.asarray(img, dtype=np.float32) / 255.0
            return torch.from_numpy((a[None] if a.ndim == 2 else a.transpose(2, 0, 1)).copy())

    class Normalize:
        def __init__(self, mean, std):
            self.mean, self.std = torch.tensor(mean).view(-1, 1, 1), torch.tensor(std).view(-1, 1, 1)

        def __call__(self, x):
            return (x - self.mean) / self.std

    datasets.MNIST, datasets.FakeData = MNIST, FakeData
    datasets.FashionMNIST = type("FashionMNIST", (MNIST,), {"folder": "FashionMNIST"})
    transforms.Compose, transforms.ToTensor, transforms.Normalize = Compose, ToTensor, Normalize
    utils.save_image = lambda *a, **k: None
    tv.datasets, tv.transforms, tv.utils = datasets, transforms, utils
    for m in (tv, datasets, transforms, utils):
        sys.modules[m.__name__] = m


def main():
    framework, steps, script, args = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
    if framework == "gradwise":
        from gradwise import run as gwrun
        gwrun.install()
    import torch
    if framework == "torch":
        try:
            import torchvision  # noqa: F401
        except ImportError:
            _torchvision_stand_in(torch)
    stamps, losses = [], []
    original = torch.Tensor.backward

    def backward(self, *a, **k):
        counted = self.numel() == 1 and self.requires_grad
        if counted:
            stamps.append(time.perf_counter())
            losses.append(float(self.detach().reshape(-1)[0]))
        result = original(self, *a, **k)
        if counted and len(stamps) > steps:
            raise _Done()
        return result

    torch.Tensor.backward = backward
    sys.argv = [script, *args]
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    status = "ok"
    try:
        runpy.run_path(script, run_name="__main__")
    except _Done:
        pass
    except SystemExit as e:
        status = "ok" if e.code in (None, 0) else f"exit {e.code}"
    gaps = [b - a for a, b in zip(stamps[2:], stamps[3:])]
    tail = losses[-5:]
    print("\n" + json.dumps({"framework": framework, "steps": len(stamps), "status": status,
                             "ms_per_step": statistics.median(gaps) * 1e3 if gaps else None,
                             "loss": sum(tail) / len(tail) if tail else None}))


if __name__ == "__main__":
    main()
