"""``gw.cuda``: PyTorch's CUDA queries. "cuda" tensors are CuPy arrays, available only when CuPy
and a GPU are there; the seeding functions are accepted (and seed nothing extra) so that scripts
run unchanged."""


def is_available() -> bool:
    """True when CuPy is installed and sees a GPU (then ``.to("cuda")`` computes with CuPy)."""
    from .backend import lookup
    return lookup("cuda") is not None


def device_count() -> int:
    if not is_available():
        return 0
    import cupy
    return int(cupy.cuda.runtime.getDeviceCount())


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
