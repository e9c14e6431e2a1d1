"""torchvision's role: ``datasets`` (MNIST, FashionMNIST, FakeData), ``transforms`` and ``utils``
(make_grid, save_image). ``import torchvision`` gives this package under ``gradwise run``.
"""
from . import datasets, transforms, utils

__version__ = "0.1.0"
__all__ = ["datasets", "transforms", "utils"]
