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
from ..errors import FileFormatError, MissingFileError, ResumeError
from ..serialization import atomic_write, load_arrays, metadata, save_arrays

FORMAT = "gradwise-checkpoint/1"


def save_checkpoint(path, arrays, info):
    """Write ``arrays`` (name -> ndarray) and ``info`` (JSON-safe dict) to ``path`` atomically."""
    save_arrays(arrays, path, metadata={"gradwise": json.dumps({"format": FORMAT, **info})})


def load_checkpoint(path):
    """Read a checkpoint; returns (arrays, info). A damaged file gives an error naming the
    newest intact checkpoint beside it."""
    path = Path(path)
    if path.is_dir():
        path = latest_checkpoint(path)
    try:
        arrays = load_arrays(path)
        meta = metadata(path)
        if "gradwise" not in meta:
            raise FileFormatError(path, "no 'gradwise' entry in the header: a safetensors file, but not a gradwise "
                                        "training checkpoint (load weights with gw.load instead)")
        info = json.loads(meta["gradwise"])
        _check_info(path, info)
    except (ValueError, OSError) as e:          # FileFormatError and json.JSONDecodeError are ValueErrors
        others = [p for p in _candidates(path.parent) if p != path and _intact(p)]
        hint = f" The previous checkpoint {others[-1]} is intact: resume from it." if others else ""
        raise FileFormatError(path, f"checkpoint {path} cannot be used: {e}.{hint}") from None
    return arrays, info


# what Trainer.load_checkpoint reads from the header, and the JSON type each entry must have
_INFO = {"epoch": int, "batch_in_epoch": int, "global_step": int, "seed": int, "optimizer": dict, "rng": dict,
         "running": dict, "metrics": list, "callbacks": list, "history": list}


def _check_info(path, info):
    if not isinstance(info, dict):
        raise FileFormatError(path, f"the header entry 'gradwise' is a JSON {type(info).__name__}, not an object")
    if info.get("format") != FORMAT:
        raise FileFormatError(path, f"not a gradwise training checkpoint (format {info.get('format')!r}, "
                                    f"expected {FORMAT!r})")
    for key, kind in _INFO.items():
        value = info.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise FileFormatError(path, f"the header entry {key!r} is {value!r}; expected a JSON "
                                        f"{'integer' if kind is int else 'object' if kind is dict else 'array'}"
                                        f" (the header was edited or damaged)")
    if min(info["epoch"], info["batch_in_epoch"], info["global_step"]) < 0:
        raise FileFormatError(path, "negative epoch, batch or step in the header (edited or damaged)")
    opt = info["optimizer"]
    if not isinstance(opt.get("param_groups"), list) or not isinstance(opt.get("scalars"), dict):
        raise FileFormatError(path, "the optimizer entry of the header lacks param_groups or scalars")


def write_config(run_dir, config):
    """Record a run's configuration as run_dir/trainer.json (atomically), for people and for resume."""
    Path(run_dir).mkdir(parents=True, exist_ok=True)
    atomic_write(Path(run_dir) / "trainer.json", (json.dumps(config, indent=1, default=str) + "\n").encode())


# entries of Trainer.config() that must agree for a resume to continue the run exactly
_MUST_MATCH = ("loss", "optimizer", "batch_size", "shuffle", "dataset_size", "metrics", "clip_grad_norm")


def check_config(path, saved, current):
    """Raise ResumeError listing every way ``current`` (this Trainer and fit call) differs from the
    run that wrote the checkpoint at ``path``. Checkpoints written before configs were recorded pass."""
    if saved is None:
        return
    diffs = [f"{k}: checkpoint {saved.get(k)!r}, now {current.get(k)!r}" for k in _MUST_MATCH
             if k in saved and saved.get(k) != current.get(k)]
    if diffs:
        raise ResumeError(f"cannot resume from {path}: this run differs from the one that wrote it, so it would "
                          f"not continue it exactly (" + "; ".join(diffs) + "). Resume with the original "
                          f"settings, or start a new run.")


def _candidates(folder):
    key = lambda p: tuple(int(n) for n in re.findall(r"\d+", p.name)) or (-1,)  # noqa: E731
    return sorted(Path(folder).glob("checkpoint-e*-s*.safetensors"), key=key)


def _intact(path):
    try:
        load_arrays(path)
        return "gradwise" in metadata(path)
    except Exception:
        return False


def latest_checkpoint(folder):
    """The newest checkpoint-e*-s*.safetensors in ``folder``."""
    found = _candidates(folder)
    if not found:
        raise MissingFileError(f"no checkpoint-e*-s*.safetensors in {folder}")
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
