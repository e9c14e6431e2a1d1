"""autowatch(): diagnose every model and optimizer a script creates (``gradwise run script.py``).

Global module forward hooks remember the outermost modules the script calls; the first
``step()`` of an optimizer that is not watched yet attaches a Doctor to it and to the module
whose parameters it updates. At exit each doctor's findings are printed, with the script's line
for the events that have one.
"""
import atexit
import weakref

from ..nn import module as _module
from ..optim import optimizer as _optimizer
from .doctor import Doctor

_STATE = {"handles": [], "doctors": [], "depth": 0, "roots": [], "seen": weakref.WeakSet()}


def _enter(module, args):
    if _STATE["depth"] == 0:
        roots = _STATE["roots"]
        ref = weakref.ref(module)
        if ref not in roots:
            roots.insert(0, ref)
            del roots[8:]
    _STATE["depth"] += 1


def _leave(module, args, out):
    _STATE["depth"] = max(_STATE["depth"] - 1, 0)


def _first_step(optimizer, args, kwargs):
    if optimizer in _STATE["seen"]:
        return
    _STATE["seen"].add(optimizer)
    params = {id(p) for g in optimizer.param_groups for p in g["params"]}
    for ref in _STATE["roots"]:
        model = ref()
        if model is not None and any(id(p) in params for p in model.parameters()):
            doctor = Doctor(model, optimizer, lines=True)
            doctor._forwarded = False           # it starts with the next forward pass
            _STATE["doctors"].append(doctor)
            return


def autowatch(verbose=True):
    """Watch every model/optimizer pair the program trains from now on; print findings at exit.
    Returns the list that collects the doctors."""
    if not _STATE["handles"]:
        _STATE["handles"] = [_module.register_module_forward_pre_hook(_enter),
                             _module.register_module_forward_hook(_leave),
                             _optimizer.register_optimizer_step_pre_hook(_first_step)]
        if verbose:
            atexit.register(print_findings)
    return _STATE["doctors"]


def stop_autowatch():
    """Remove the global hooks and detach the doctors (their findings stay)."""
    for h in _STATE["handles"]:
        h.remove()
    _STATE["handles"] = []
    for d in _STATE["doctors"]:
        d.detach()


def print_findings():
    for d in _STATE["doctors"]:
        print(f"\ngradwise doctor: {type(d.model).__name__} trained by {type(d.optimizer).__name__}, "
              f"{d.rec.step} steps watched")
        print(d.report())
