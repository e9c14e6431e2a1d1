"""PyTorch's ``torch.utils`` path: ``gradwise.utils.data`` is gradwise's data package."""
from . import data

__all__ = ["data"]
