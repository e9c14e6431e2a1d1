"""Module and Parameter: layers own their state; parameters and submodules register by assignment."""
from collections import OrderedDict, namedtuple

import numpy as np

from ..autograd import no_grad
from ..errors import ArgumentTypeError, ShapeError
from ..tensor import Tensor


class Parameter(Tensor):
    """A tensor that a Module trains. Assigning one to a module attribute registers it.

    Example:
        >>> self.weight = nn.Parameter(gw.zeros(3, 4))
    """
    def __init__(self, data, requires_grad=True):
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


_GLOBAL_PRE, _GLOBAL_POST = OrderedDict(), OrderedDict()


def register_module_forward_pre_hook(hook):
    """Call ``hook(module, inputs)`` before the forward of every module (PyTorch's global hook)."""
    key = object()
    _GLOBAL_PRE[key] = hook
    return _HookHandle(_GLOBAL_PRE, key)


def register_module_forward_hook(hook):
    """Call ``hook(module, inputs, output)`` after the forward of every module."""
    key = object()
    _GLOBAL_POST[key] = hook
    return _HookHandle(_GLOBAL_POST, key)


class Module:
    """Base class of every layer and model.

    Subclasses call ``super().__init__()``, assign Parameters, submodules and buffers in
    ``__init__``, and write ``forward``. Calling the module runs ``forward`` and its hooks.
    """
    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "training", True)

    # ----- registration ------------------------------------------------------------------
    def __setattr__(self, name, value):
        registries = self.__dict__.get("_parameters")
        if registries is None and isinstance(value, (Parameter, Module)):
            raise AttributeError(f"cannot assign {type(value).__name__} '{name}' before Module.__init__() "
                                 f"ran; call super().__init__() first in {type(self).__name__}.__init__")
        if isinstance(value, Parameter):
            self._forget(name)
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._forget(name)
            self._modules[name] = value
        elif registries is not None and name in self._parameters:
            if value is not None:
                raise ArgumentTypeError(f"cannot assign {type(value).__name__} to parameter '{name}' of "
                                f"{type(self).__name__}; wrap it: nn.Parameter(value)")
            self._parameters[name] = None
        elif registries is not None and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                value = Tensor(value)
            self._buffers[name] = value
        elif registries is not None and name in self._modules and value is None:
            self._modules[name] = None
        object.__setattr__(self, name, value)

    def _forget(self, name):
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        self._non_persistent.discard(name)

    def __delattr__(self, name):
        if "_parameters" in self.__dict__:
            self._forget(name)
        object.__delattr__(self, name)

    def register_parameter(self, name, param):
        """Register ``param`` (a Parameter or None) under ``name``."""
        if param is not None and not isinstance(param, Parameter):
            raise ArgumentTypeError(f"register_parameter('{name}') expects an nn.Parameter or None; "
                            f"got {type(param).__name__}")
        self._forget(name)
        self._parameters[name] = param
        object.__setattr__(self, name, param)

    def register_buffer(self, name, value, persistent=True):
        """Register non-trainable state (running means, counters); saved in state_dict if persistent."""
        self._forget(name)
        value = None if value is None else value if isinstance(value, Tensor) else Tensor(value)
        self._buffers[name] = value
        if not persistent:
            self._non_persistent.add(name)
        object.__setattr__(self, name, value)

    def register_forward_hook(self, hook):
        """Call ``hook(module, inputs, output)`` after every forward; returns a handle with .remove()."""
        key = object()
        self._forward_hooks[key] = hook
        return _HookHandle(self._forward_hooks, key)

    def register_forward_pre_hook(self, hook):
        """Call ``hook(module, inputs)`` before every forward; returns a handle with .remove()."""
        key = object()
        self.__dict__.setdefault("_forward_pre_hooks", OrderedDict())[key] = hook
        return _HookHandle(self._forward_pre_hooks, key)

    # ----- running -----------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    _call_hook = None       # set by detect_anomaly to know which layer an op runs in

    def __call__(self, *args, **kwargs):
        if _GLOBAL_PRE or self.__dict__.get("_forward_pre_hooks"):
            for hook in list(_GLOBAL_PRE.values()) + list(self.__dict__.get("_forward_pre_hooks", {}).values()):
                hook(self, args)
        call_hook = Module._call_hook       # the hook told of the entry hears of the exit, even if removed meanwhile
        if call_hook is not None:
            call_hook(self, True)
            try:
                out = self.forward(*args, **kwargs)
            finally:
                call_hook(self, False)
        else:
            out = self.forward(*args, **kwargs)
        if self._forward_hooks or _GLOBAL_POST:
            for hook in list(self._forward_hooks.values()) + list(_GLOBAL_POST.values()):
                result = hook(self, args, out)
                if result is not None:
                    out = result
        return out

    def train(self, mode=True):
        """Training mode (dropout active, batch norm uses batch statistics) for this and all submodules."""
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self):
        """Evaluation mode: the same as ``train(False)``."""
        return self.train(False)

    def zero_grad(self, set_to_none=True):
        """Drop the gradients of every parameter (``set_to_none=False`` zeroes them instead)."""
        for p in self.parameters():
            if set_to_none or p._grad is None:
                p._grad = None
            else:
                p._grad._data.fill(0)

    def to(self, *args, dtype=None, device=None, non_blocking=False):
        """PyTorch's forms: ``to(dtype)``, ``to(device)``, ``to(device, dtype)``. Floating parameters
        and buffers are converted in place (the Parameter objects stay, so optimizers keep them);
        a device gradwise cannot serve is a clear error. Returns self."""
        from ..device import as_device
        from ..dtypes import as_dtype
        from ..tensor_convert import _is_device
        for a in args:
            if _is_device(a):
                device = a
            elif hasattr(a, "_data"):
                dtype = a._data.dtype
            else:
                dtype = a
        if device is not None:
            _move(self, as_device(device).check_available().type)
        if dtype is not None:
            dtype = as_dtype(dtype)
            if not np.issubdtype(dtype, np.floating):
                raise ArgumentTypeError(f"Module.to: only floating dtypes are allowed for a module's parameters; got {dtype}")
            for t in list(self.parameters()) + list(self.buffers()):
                if np.issubdtype(t.dtype, np.floating) and t.dtype != dtype:
                    t._data = t._data.astype(dtype)
                    t._vbox = [0]
                    t._grad = None if t._grad is None else type(t._grad)._make(t._grad._data.astype(dtype), None)
        return self

    def double(self):
        return self.to(np.float64)

    def float(self):
        return self.to(np.float32)

    def half(self):
        return self.to(np.float16)

    def type(self, dst_type):
        return self.to(dst_type)

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to("cuda" if device is None else device if not isinstance(device, int) else f"cuda:{device}")

    def share_memory(self):
        return self

    def add_module(self, name, module):
        """Register ``module`` (or None) as the submodule ``name``."""
        if module is not None and not isinstance(module, Module):
            raise ArgumentTypeError(f"add_module('{name}') expects a Module or None; got {type(module).__name__}")
        self._forget(name)
        self._modules[name] = module
        object.__setattr__(self, name, module)

    register_module = add_module

    def get_submodule(self, target):
        """The submodule at dotted path ``target`` ('' is this module)."""
        m = self
        for part in filter(None, target.split(".")):
            if part not in m._modules:
                raise AttributeError(f"{type(m).__name__} has no submodule '{part}' (looking up '{target}')")
            m = m._modules[part]
        return m

    def get_parameter(self, target):
        mod, _, name = target.rpartition(".")
        owner = self.get_submodule(mod)
        if name not in owner._parameters:
            raise AttributeError(f"{type(owner).__name__} has no parameter '{name}'")
        return owner._parameters[name]

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad = requires_grad
        return self

    def apply(self, fn):
        """Call ``fn(module)`` on every submodule and this one (children first), e.g. for custom init."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ----- traversal ---------------------------------------------------------------------
    def named_modules(self, prefix=""):
        seen = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [(f"{name}.{n}" if name else n, m) for n, m in module._modules.items() if m is not None]
            stack.extend(reversed(children))

    def modules(self):
        return (m for _, m in self.named_modules())

    def named_children(self):
        return ((n, m) for n, m in self._modules.items() if m is not None)

    def children(self):
        return (m for _, m in self.named_children())

    def named_parameters(self, prefix="", recurse=True):
        """(name, Parameter) pairs in registration order; a shared parameter is listed once."""
        seen = set()
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for mname, module in modules:
            for pname, p in module._parameters.items():
                if p is not None and id(p) not in seen:
                    seen.add(id(p))
                    yield (f"{mname}.{pname}" if mname else pname), p

    def parameters(self, recurse=True):
        return (p for _, p in self.named_parameters(recurse=recurse))

    def named_buffers(self, prefix=""):
        for mname, module in self.named_modules(prefix):
            for bname, b in module._buffers.items():
                if b is not None:
                    yield (f"{mname}.{bname}" if mname else bname), b

    def buffers(self):
        return (b for _, b in self.named_buffers())

    # ----- state -------------------------------------------------------------------------
    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """Parameters and persistent buffers as an ordered name -> Tensor dict (detached, sharing
        memory, as in PyTorch; ``keep_vars=True`` gives the Parameters themselves).

        The keys are PyTorch's (``0.weight``, ``fc.bias``, ``weight_ih_l0`` ...).
        """
        out = OrderedDict() if destination is None else destination
        for k, t in self._state_tensors():
            out[prefix + k] = t if keep_vars else t.detach()
        return out

    def _state_tensors(self):
        """(key, tensor) for every parameter and persistent buffer: what a state_dict holds."""
        for mname, module in self.named_modules():
            for name, t in list(module._parameters.items()) + [
                    (n, b) for n, b in module._buffers.items() if n not in module._non_persistent]:
                if t is not None:
                    yield (f"{mname}.{name}" if mname else name), t

    def load_state_dict(self, state_dict, strict=True):
        """Copy arrays from ``state_dict`` into this module's parameters and buffers (in place).

        With ``strict`` every key must match; the error lists missing keys, unexpected keys and
        shape mismatches together. Returns (missing_keys, unexpected_keys), a named tuple.
        """
        own = dict(self._state_tensors())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        mismatched = [f"{k}: checkpoint {np.shape(_array(state_dict[k]))}, model {tuple(own[k].shape)}"
                      for k in own if k in state_dict and np.shape(_array(state_dict[k])) != own[k].shape]
        problems = []
        if mismatched:
            problems.append("shape mismatches: " + "; ".join(mismatched))
        if strict and missing:
            problems.append("missing keys: " + ", ".join(missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(unexpected))
        if problems:
            raise ShapeError(f"load_state_dict into {type(self).__name__} failed: " + " | ".join(problems))
        with no_grad():
            for k, t in own.items():
                if k in state_dict:
                    np.copyto(t._data, _on_device(_array(state_dict[k]), t._data), casting="same_kind")
                    t._vbox[0] += 1
        return IncompatibleKeys(missing, unexpected)

    # ----- display -----------------------------------------------------------------------
    def extra_repr(self):
        """The arguments shown inside this module's repr (override in layers)."""
        return ""

    def __repr__(self):
        lines = [f"({name}): " + repr(m).replace("\n", "\n  ") for name, m in self.named_children()]
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not lines:
            return head + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"

    def summary(self, input_shape, batch_size=2, dtype=np.float32):
        """Print and return a Keras-style table: each layer's output shape and parameter count.

        Args:
            input_shape: the shape of one sample, without the batch dimension, e.g. (1, 28, 28).
        """
        from .summary import summarize
        text = summarize(self, input_shape, batch_size, dtype)
        print(text)
        return text


class IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict(strict=False)`` could not match (PyTorch's result and its repr)."""
    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()


def _on_device(value, like):
    """``value`` on the device of ``like`` (load_state_dict copies host files into device models)."""
    from ..backend import device_type, to_device
    return to_device(value, device_type(like)) if hasattr(value, "shape") and value.ndim else value


def _move(module, target):
    """Move every parameter and buffer (and gradient) to device ``target``, in place: the Parameter
    objects stay, so optimizers built before keep them."""
    from ..backend import to_device
    for t in list(module.parameters()) + list(module.buffers()):
        moved = to_device(t._data, target)
        if moved is not t._data:
            t._data, t._vbox = moved, [0]
            if t._grad is not None:
                t._grad = type(t._grad)._make(to_device(t._grad._data, target), None)


class _HookHandle:
    def __init__(self, hooks, key):
        self._hooks, self._key = hooks, key

    def remove(self):
        self._hooks.pop(self._key, None)


def _array(v):
    return v._data if isinstance(v, Tensor) else np.asarray(v)
