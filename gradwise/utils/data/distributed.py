"""``torch.utils.data.distributed`` under its PyTorch name (see ``gradwise.distributed.sampler``)."""
from ...distributed.sampler import DistributedSampler

__all__ = ["DistributedSampler"]
