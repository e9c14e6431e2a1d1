"""Containers: Sequential, ModuleList, ModuleDict."""
from collections import OrderedDict

from . import module as _module
from .layers.activation import ReLU
from .layers.linear import Linear
from .module import Module
from ..autograd import _Hooks
from ..errors import ArgumentTypeError
from ..ops.gemm import FUSION


def _relu_follows(m, after):
    """A plain Linear, then a plain (not in-place) ReLU, and nothing that could see or change the
    Linear's output between them: no module or global hook, no anomaly check or graph tracer
    (the fused pair's Linear output array holds the ReLU's values: ops/gemm.py, FUSION)."""
    return (type(m) is Linear and type(after) is ReLU and not after.inplace and not m._forward_hooks
            and not after.__dict__.get("_forward_pre_hooks") and not _module._GLOBAL_PRE
            and not _module._GLOBAL_POST and Module._call_hook is None and _Hooks.forward is None
            and _Hooks.trace is None)


class Sequential(Module):
    """Modules applied one after another.

    Example:
        >>> model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    """
    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, m in modules[0].items():
                setattr(self, name, m)
        else:
            for i, m in enumerate(modules):
                if not isinstance(m, Module):
                    raise ArgumentTypeError(f"Sequential takes Modules; argument {i} is {type(m).__name__}")
                setattr(self, str(i), m)

    def forward(self, x):
        modules = tuple(self._modules.values())
        i = 0
        while i < len(modules):
            m = modules[i]
            if i + 1 < len(modules) and _relu_follows(m, modules[i + 1]):
                FUSION.want_relu = True     # the product stores the ReLU too (ops/gemm.py, FUSION)
                try:
                    x = modules[i + 1](m(x))
                finally:                    # the hand-over lives for this pair only
                    FUSION.want_relu, FUSION.made = False, None
                i += 2
            else:
                x = m(x)
                i += 1
        return x

    def __getitem__(self, i):
        items = list(self._modules.values())
        return Sequential(*items[i]) if isinstance(i, slice) else items[i]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        setattr(self, str(len(self)), module)
        return self


class ModuleList(Module):
    """A list of modules whose parameters are registered (index them; no forward of its own)."""
    def __init__(self, modules=()):
        super().__init__()
        for m in modules:
            self.append(m)

    def append(self, module):
        setattr(self, str(len(self._modules)), module)
        return self

    def extend(self, modules):
        for m in modules:
            self.append(m)
        return self

    def __getitem__(self, i):
        items = list(self._modules.values())
        return ModuleList(items[i]) if isinstance(i, slice) else items[i]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())


class ModuleDict(Module):
    """A dict of modules whose parameters are registered."""
    def __init__(self, modules=None):
        super().__init__()
        for name, m in (modules or {}).items():
            self[name] = m

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        setattr(self, key, module)

    def __contains__(self, key):
        return key in self._modules

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()
