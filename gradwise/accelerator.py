"""``gw.accelerator``: PyTorch 2.6's device-agnostic queries, as recent pytorch/examples use them
(``torch.accelerator.is_available()``, ``current_accelerator()``). gradwise has none."""


def is_available() -> bool:
    return False


def current_accelerator(check_available=False):
    """None: gradwise computes on the CPU."""
    return None


def device_count() -> int:
    return 0


def synchronize(device=None):
    """Nothing to wait for on the CPU."""
