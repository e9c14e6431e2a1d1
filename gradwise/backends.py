"""``gw.backends``: PyTorch's backend switches. gradwise runs on NumPy; the flags a script sets
(``torch.backends.cudnn.benchmark = True``) are accepted and have no effect.

Each switch is a real module (registered as ``gradwise.backends.cudnn`` ...), so that
``import torch.backends.cudnn as cudnn`` works under ``gradwise run`` as it does in PyTorch."""
import sys
import types


def _module(name, **attrs):
    module = types.ModuleType(f"{__name__}.{name}", f"PyTorch's torch.backends.{name} switches (no effect).")
    module.__dict__.update(attrs)
    sys.modules[module.__name__] = module
    return module


cudnn = _module("cudnn", enabled=False, benchmark=False, deterministic=True, allow_tf32=False,
                is_available=lambda: False, version=lambda: None)
mps = _module("mps", is_available=lambda: False, is_built=lambda: False)
cuda = _module("cuda", is_built=lambda: False,
               matmul=types.SimpleNamespace(allow_tf32=False, allow_fp16_reduced_precision_reduction=False))
mkldnn = _module("mkldnn", is_available=lambda: False, enabled=False)
openmp = _module("openmp", is_available=lambda: False)
