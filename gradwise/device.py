"""Devices in PyTorch's shape: ``gw.device("cpu")``, ``tensor.device``, ``.to(device)``.

gradwise computes on the CPU (NumPy), on "cuda" through CuPy when CuPy and a GPU are there, and
on any device registered in ``gradwise.backend``. Asking for a device it cannot serve is a clear
error that says so, never a silent fallback.
"""
from .errors import ArgumentTypeError, DeviceError


class device:
    """A device name, ``device("cpu")``, ``device("cuda", 0)`` or ``device("cuda:0")``."""
    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        elif isinstance(type, int) and not isinstance(type, bool):
            type, index = "cuda", type
        elif not isinstance(type, str):
            raise ArgumentTypeError(f"device() expects a name such as 'cpu' or 'cuda:0'; got {type!r}")
        elif ":" in type:
            type, _, idx = type.partition(":")
            if not idx.isdigit():
                raise DeviceError(f"device: expected 'kind:index' such as 'cuda:0'; got {type}:{idx}")
            index = int(idx)
        type = type.strip().lower()
        if type not in _KNOWN:
            raise DeviceError(f"device: unknown device type {type!r}; expected one of {', '.join(_KNOWN)}")
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "index", index)

    def __setattr__(self, name, value):
        raise AttributeError("device is immutable")

    def check_available(self):
        """Raise a clear error unless gradwise can place tensors on this device."""
        from .backend import lookup
        if self.type != "cpu" and lookup(self.type) is None:
            hint = " (CUDA needs CuPy and a GPU: pip install cupy-cuda12x)" if self.type == "cuda" else ""
            raise DeviceError(f"gradwise cannot use device '{self}': it computes on the CPU with NumPy "
                              f"(gw.cuda.is_available() is False){hint}. Use device('cpu') or pick it with "
                              f"gw.accelerator.is_available().")
        return self

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and \
            (self.index == other.index or None in (self.index, other.index) and self.type == "cpu")

    def __hash__(self):
        return hash((self.type, self.index))

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        return f"device(type='{self.type}')" if self.index is None else \
            f"device(type='{self.type}', index={self.index})"


_KNOWN = ["cpu", "cuda", "mps", "xpu", "meta", "hip", "xla", "mtia", "npu", "privateuseone"]   # + registered

cpu = device("cpu")


def as_device(d):
    """A device from a name, an index or a device; None stays None."""
    return None if d is None else d if isinstance(d, device) else device(d)
