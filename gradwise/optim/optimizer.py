"""Optimizer base: parameter groups, per-parameter state, state_dict, zero_grad."""
import numbers

import numpy as np

from ..tensor import Tensor


def check(name, value, low=0.0, strict=False, high=None, optimizer=""):
    """Validate a hyperparameter: ``lr must be > 0, got -1``."""
    if not isinstance(value, numbers.Real):
        raise TypeError(f"{optimizer}: {name} must be a number, got {value!r}")
    bad = value <= low if strict else value < low
    if bad or (high is not None and value >= high):
        rng = f"> {low}" if strict else f">= {low}"
        rng += f" and < {high}" if high is not None else ""
        raise ValueError(f"{optimizer}: {name} must be {rng}, got {value}")
    return value


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
            raise ValueError(f"{type(self).__name__} got an empty parameter list; pass model.parameters()")
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
                raise TypeError(f"{type(self).__name__} can only optimize tensors that require grad; got "
                                f"{type(p).__name__}")
            if id(p) in seen:
                raise ValueError(f"{type(self).__name__}: a parameter appears in more than one group")
            seen.add(id(p))
        for k, v in self.defaults.items():
            group.setdefault(k, v)
        self._validate(group)
        self.param_groups.append(group)

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

    def step(self):
        raise NotImplementedError

    def _params_with_grad(self, group, l2=True):
        """(data, gradient, state) of each parameter that has a gradient. The gradient is negated
        for ``maximize`` and, with ``l2``, has ``weight_decay * p`` added (the L2 penalty)."""
        for p in group["params"]:
            grad = p._grad
            if grad is None:
                continue
            g = grad._data
            if g.shape != p._data.shape:
                raise ValueError(f"{type(self).__name__}: a gradient of shape {g.shape} belongs to a "
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
            raise ValueError(f"{type(self).__name__}.load_state_dict: the saved groups have "
                             f"{[len(g['params']) for g in groups]} parameters, this optimizer "
                             f"{[len(g['params']) for g in self.param_groups]}")
        by_index = {}
        for g, own in zip(groups, self.param_groups):
            own.update({k: (tuple(v) if isinstance(v, list) else v) for k, v in g.items() if k != "params"})
            by_index.update(zip(g["params"], own["params"]))
        self.state = {}
        for i, s in state_dict["state"].items():
            p = by_index[int(i)]
            self.state[id(p)] = {k: (_on(p, v) if hasattr(v, "shape") and v.ndim else v) for k, v in s.items()}

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in g.items() if k != "params"]
        return "\n".join(lines + [")"])
