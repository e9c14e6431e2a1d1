"""Training checkpoints: one safetensors file (arrays) with a JSON header (everything else).

A checkpoint holds the model's state, the optimizer's arrays and hyperparameters, every
stateful callback (schedules, early stopping), the state of every random generator in the
model, and the position in the data (epoch, batch, the half-finished epoch's sums). Resuming
from it continues exactly where the run stopped. Files are written atomically, so a crash
leaves the previous checkpoint intact.
"""
import json
import re
from pathlib import Path

import numpy as np

from ..backend import device_type, to_device
from ..serialization import load, metadata, save

FORMAT = "gradwise-checkpoint/1"


def save_checkpoint(path, arrays, info):
    """Write ``arrays`` (name -> ndarray) and ``info`` (JSON-safe dict) to ``path`` atomically."""
    save(arrays, path, metadata={"gradwise": json.dumps({"format": FORMAT, **info})})


def load_checkpoint(path):
    """Read a checkpoint; returns (arrays, info). A damaged file gives an error naming the
    newest intact checkpoint beside it."""
    path = Path(path)
    if path.is_dir():
        path = latest_checkpoint(path)
    try:
        arrays = load(path)
        info = json.loads(metadata(path)["gradwise"])
    except (ValueError, KeyError, OSError, json.JSONDecodeError) as e:
        others = [p for p in _candidates(path.parent) if p != path and _intact(p)]
        hint = f" The previous checkpoint {others[-1]} is intact: resume from it." if others else ""
        raise ValueError(f"checkpoint {path} cannot be used: {e}.{hint}") from None
    if info.get("format") != FORMAT:
        raise ValueError(f"{path} is not a gradwise training checkpoint (format {info.get('format')!r})")
    return arrays, info


def _candidates(folder):
    key = lambda p: tuple(int(n) for n in re.findall(r"\d+", p.name)) or (-1,)  # noqa: E731
    return sorted(Path(folder).glob("checkpoint-e*-s*.safetensors"), key=key)


def _intact(path):
    try:
        load(path)
        return "gradwise" in metadata(path)
    except Exception:
        return False


def latest_checkpoint(folder):
    """The newest checkpoint-e*-s*.safetensors in ``folder``."""
    found = _candidates(folder)
    if not found:
        raise FileNotFoundError(f"no checkpoint-e*-s*.safetensors in {folder}")
    return found[-1]


def rng_states(model):
    """The state of every np.random.Generator held by the model's modules (dropout masks ...)."""
    from ..random import default_generator
    states = {_DEFAULT: default_generator().get_state()}      # what layers without their own generator use
    for name, module in model.named_modules():
        for attr, value in vars(module).items():
            if isinstance(value, np.random.Generator):
                states[f"{name}:{attr}"] = value.bit_generator.state
    return states


_DEFAULT = "gradwise.random:default"


def set_rng_states(model, states):
    from ..random import default_generator
    modules = dict(model.named_modules())
    for key, state in states.items():
        if key == _DEFAULT:
            default_generator().set_state(state)
            continue
        name, attr = key.rsplit(":", 1)
        getattr(modules[name], attr).bit_generator.state = state


def optimizer_arrays(optimizer):
    """Split an optimizer state_dict into arrays (for safetensors) and JSON-safe rest."""
    sd = optimizer.state_dict()
    arrays, scalars = {}, {}
    for i, state in sd["state"].items():
        for k, v in state.items():
            if isinstance(v, np.ndarray) or device_type(v) != "cpu":     # a device model's state comes home
                arrays[f"optimizer.{i}.{k}"] = to_device(v, "cpu")
            else:
                scalars.setdefault(str(i), {})[k] = v
    groups = [{k: (list(v) if isinstance(v, tuple) else v) for k, v in g.items()} for g in sd["param_groups"]]
    return arrays, {"param_groups": groups, "scalars": scalars}


def restore_optimizer(optimizer, arrays, info):
    state = {}
    for key, v in arrays.items():
        if key.startswith("optimizer."):
            _, i, name = key.split(".", 2)
            state.setdefault(int(i), {})[name] = v
    for i, scalars in info["scalars"].items():
        state.setdefault(int(i), {}).update(scalars)
    optimizer.load_state_dict({"state": state, "param_groups": info["param_groups"]})
