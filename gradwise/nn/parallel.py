"""``nn.parallel``: PyTorch's path to DistributedDataParallel (see ``gradwise.distributed``)."""
from ..distributed.ddp import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
