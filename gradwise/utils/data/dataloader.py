"""``torch.utils.data.dataloader``: the DataLoader and collation under their PyTorch module path."""
from ...data.collate import default_collate, default_convert
from ...data.loader import DataLoader, get_worker_info

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]
