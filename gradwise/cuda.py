"""``gw.cuda``: PyTorch's CUDA queries. gradwise computes on the CPU, so there are no CUDA devices;
the seeding functions are accepted (and seed nothing extra) so that scripts run unchanged."""


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def manual_seed(seed):
    """Accepted for compatibility: gradwise has no CUDA generator (gw.manual_seed seeds everything)."""


def manual_seed_all(seed):
    """Accepted for compatibility (see manual_seed)."""


def synchronize(device=None):
    """Nothing to wait for on the CPU."""


def empty_cache():
    """Nothing to free on the CPU."""


def is_bf16_supported() -> bool:
    return False
