"""Optimizer base: parameter groups, per-parameter state, state_dict, zero_grad, step hooks."""
import functools
import numbers
from collections import OrderedDict

import numpy as np

from ..arguments import real
from ..autograd import enable_grad
from ..errors import ArgumentError, ArgumentTypeError, ShapeError
from ..tensor import Tensor


def check(name, value, low=0.0, strict=False, high=None, optimizer=""):
    """Validate a hyperparameter: ``SGD: lr must be a finite number >= 0; got -1.0`` (NaN and
    infinity are refused too). Returns the value unchanged."""
    real(optimizer, name, value, low=low, high=high, low_open=strict, high_open=True)
    return value


_GLOBAL_PRE, _GLOBAL_POST = OrderedDict(), OrderedDict()


class _Handle:
    def __init__(self, hooks, key):
        self._hooks, self._key = hooks, key

    def remove(self):
        self._hooks.pop(self._key, None)


def _add(hooks, hook):
    key = object()
    hooks[key] = hook
    return _Handle(hooks, key)


def register_optimizer_step_pre_hook(hook):
    """Call ``hook(optimizer, args, kwargs)`` before the step of every optimizer (PyTorch's global hook)."""
    return _add(_GLOBAL_PRE, hook)


def register_optimizer_step_post_hook(hook):
    """Call ``hook(optimizer, args, kwargs)`` after the step of every optimizer."""
    return _add(_GLOBAL_POST, hook)


def _hooked(step):
    """``step`` running the global and the optimizer's own pre- and post-hooks around it."""
    @functools.wraps(step)
    def wrapper(self, *args, **kwargs):
        pre, post = self.__dict__.get("_step_pre_hooks"), self.__dict__.get("_step_post_hooks")
        if not (pre or post or _GLOBAL_PRE or _GLOBAL_POST):
            return step(self, *args, **kwargs)
        for hook in list(_GLOBAL_PRE.values()) + list((pre or {}).values()):
            hook(self, args, kwargs)
        out = step(self, *args, **kwargs)
        for hook in list((post or {}).values()) + list(_GLOBAL_POST.values()):
            hook(self, args, kwargs)
        return out
    wrapper._hooked = True
    return wrapper


def _on(p, v):
    """A copy of saved state ``v`` with ``p``'s dtype, on ``p``'s device."""
    from ..backend import device_type, to_device
    v = to_device(v, "cpu") if device_type(v) != "cpu" else v
    return to_device(np.array(v, dtype=p.dtype), device_type(p._data))


class Optimizer:
    """Base class: holds ``param_groups`` (dicts with "params" and hyperparameters) and ``state``.

    Args:
        params: an iterable of tensors, or of dicts ``{"params": [...], "lr": ...}`` for
            groups with their own hyperparameters.
        defaults: hyperparameters of groups that do not set them.
    """
    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self.state = {}
        self.param_groups = []
        params = list(params)
        if not params:
            raise ArgumentError(f"{type(self).__name__} got an empty parameter list; pass model.parameters()")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group):
        group = dict(group)
        params = group["params"]
        group["params"] = [params] if isinstance(params, Tensor) else list(params)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for p in group["params"]:
            if not isinstance(p, Tensor) or not p.requires_grad:
                raise ArgumentTypeError(f"{type(self).__name__} can only optimize tensors that require grad; got "
                                f"{type(p).__name__}")
            if id(p) in seen:
                raise ArgumentError(f"{type(self).__name__}: a parameter appears in more than one group")
            seen.add(id(p))
        for k, v in self.defaults.items():
            group.setdefault(k, v)
        self._validate(group)
        self.param_groups.append(group)

    def __init_subclass__(cls, **kwargs):
        # every concrete step() runs the step hooks (PyTorch wraps step the same way)
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "_hooked", False):
            cls.step = _hooked(step)

    def register_step_pre_hook(self, hook):
        """Call ``hook(optimizer, args, kwargs)`` before each ``step()``; returns a handle with .remove()."""
        return _add(self.__dict__.setdefault("_step_pre_hooks", OrderedDict()), hook)

    def register_step_post_hook(self, hook):
        """Call ``hook(optimizer, args, kwargs)`` after each ``step()``; returns a handle with .remove()."""
        return _add(self.__dict__.setdefault("_step_post_hooks", OrderedDict()), hook)

    def _validate(self, group):
        """Check a group's hyperparameters (subclasses)."""

    def zero_grad(self, set_to_none=True):
        """Drop (or zero) every gradient before the next backward."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p._grad = None
                elif p._grad is not None:
                    p._grad._data.fill(0)
                    p._grad._vbox[0] += 1

    @_hooked
    def step(self, closure=None):
        """Update every parameter that has a gradient; returns the closure's loss (else None).

        ``closure`` (optional, as in PyTorch): a function that clears the gradients, recomputes
        the loss, calls ``backward()`` and returns the loss; it runs first, with gradients on.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        self._update()
        return loss

    def _update(self):
        """The update rule, one plain loop over parameters (subclasses)."""
        raise NotImplementedError(f"{type(self).__name__} must define _update() (or step())")

    def _params_with_grad(self, group, l2=True):
        """(data, gradient, state) of each parameter that has a gradient. The gradient is negated
        for ``maximize`` and, with ``l2``, has ``weight_decay * p`` added (the L2 penalty)."""
        for p in group["params"]:
            grad = p._grad
            if grad is None:
                continue
            g = grad._data
            if g.shape != p._data.shape:
                raise ArgumentError(f"{type(self).__name__}: a gradient of shape {g.shape} belongs to a "
                                 f"parameter of shape {p._data.shape}")
            p._vbox[0] += 1      # the update changes p in place: graphs that saved it must not reuse it
            if group.get("maximize"):
                g = -g
            if l2 and group.get("weight_decay"):
                g = g + group["weight_decay"] * p._data
            yield p._data, g, self.state.setdefault(id(p), {})

    # ----- state -------------------------------------------------------------------------
    def state_dict(self):
        """PyTorch's layout: {"state": {index: {name: array or number}}, "param_groups": [...]}
        with parameters referred to by their index across groups."""
        index, groups = 0, []
        state = {}
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                if id(p) in self.state:
                    state[index] = {k: (v.copy() if isinstance(v, np.ndarray) else v)
                                    for k, v in self.state[id(p)].items()}
                ids.append(index)
                index += 1
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": ids})
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups) or any(
                len(g["params"]) != len(own["params"]) for g, own in zip(groups, self.param_groups)):
            raise ArgumentError(f"{type(self).__name__}.load_state_dict: the saved groups have "
                             f"{[len(g['params']) for g in groups]} parameters, this optimizer "
                             f"{[len(g['params']) for g in self.param_groups]}")
        by_index, restored = {}, []
        for g, own in zip(groups, self.param_groups):
            new = {**own, **{k: (tuple(v) if isinstance(v, list) else v) for k, v in g.items() if k != "params"}}
            self._validate(new)             # a damaged or edited file must not set lr="fast" or NaN
            restored.append(new)
            by_index.update(zip(g["params"], own["params"]))
        state = {}
        for i, s in state_dict["state"].items():
            p = by_index[int(i)]
            for k, v in s.items():
                v = getattr(v, "_data", v)                  # gw.load gives Tensors
                if hasattr(v, "shape") and v.shape not in ((), tuple(p.shape)):
                    raise ShapeError(f"{type(self).__name__}.load_state_dict: state {k!r} of parameter {i} has "
                                     f"shape {v.shape}; the parameter has {tuple(p.shape)}")
            state[id(p)] = {k: (_on(p, getattr(v, "_data", v)) if isinstance(v, (np.ndarray, Tensor)) or
                                (hasattr(v, "shape") and v.ndim) else v) for k, v in s.items()}
        for own, new in zip(self.param_groups, restored):
            own.update(new)
        self.state = state

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in g.items() if k != "params"]
        return "\n".join(lines + [")"])
