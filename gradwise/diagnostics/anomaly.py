"""detect_anomaly(): find the first operation whose forward output or backward gradient is not
finite, and say which layer it was in, what went in, and the likely cause."""
import numpy as np

from .. import autograd
from ..nn.module import Module

_CAUSES = {
    "Exp": "exp overflowed (its input exceeded ~88 in float32): the values feeding it grew too large",
    "Log": "log of zero or of a negative number: clamp its input (or use a fused, stable loss)",
    "Div": "division by zero (or 0/0): add a small epsilon to the denominator",
    "Sqrt": "square root of a negative number (or its gradient at 0)",
    "Pow": "a power overflowed or hit 0 to a negative power",
}


class AnomalyError(RuntimeError):
    """A forward output or backward gradient became NaN or infinite.

    Attributes: ``phase`` ("forward" or "backward"), ``op``, ``module`` (name or ""),
    ``inputs`` (statistics of each input), ``cause`` (likely cause, in words).
    """
    def __init__(self, phase, op, module, inputs, cause):
        self.phase, self.op, self.module, self.inputs, self.cause = phase, op, module, inputs, cause
        where = f" inside {module}" if module else ""
        stats = "; ".join(f"input {i}: {s}" for i, s in enumerate(inputs))
        super().__init__(f"{phase}: {op}{where} produced non-finite values. Likely cause: {cause}. ({stats})")


def stats(a):
    """A short description of an array: shape, range, and how many values are not finite."""
    a = np.asarray(a)
    if not np.issubdtype(a.dtype, np.floating):
        return f"{a.dtype} {a.shape}"
    finite = np.isfinite(a)
    bad = int(a.size - finite.sum())
    vals = a[finite]
    rng = f"min {vals.min():.3g}, max {vals.max():.3g}, mean {vals.mean():.3g}" if vals.size else "no finite values"
    return f"{a.shape} {rng}" + (f", {bad} non-finite" if bad else "")


def _finite(a):
    return not (isinstance(a, np.ndarray) and np.issubdtype(a.dtype, np.floating)) or bool(np.isfinite(a).all())


def _cause(op, arrays, phase):
    if not all(_finite(a) for a in arrays):
        return "an input was already non-finite (it came from outside the model, or from a weight that an " \
               "update made non-finite: the learning rate is too high)"
    if op in _CAUSES:
        return _CAUSES[op]
    big = max((float(np.abs(a).max()) for a in arrays if isinstance(a, np.ndarray) and a.size
               and np.issubdtype(a.dtype, np.floating)), default=0.0)
    if big > 1e18:
        return f"values overflowed (inputs reach {big:.3g}): weights or activations grew without bound; " \
               f"the learning rate is too high, or clip gradients"
    return "an overflow in this operation" if phase == "forward" else "an overflow while back-propagating"


class _Active:
    on = False
    names = {}
    stack = []


class detect_anomaly:
    """Context manager: raise ``AnomalyError`` at the first forward output or backward gradient
    that is NaN or infinite, naming the operation, the layer it ran in and the likely cause.

    Args:
        model: optional; lets the error name the layer (its module path in the model).

    Example:
        >>> with gw.detect_anomaly(model):
        ...     loss = loss_fn(model(x), y); loss.backward()
    """
    def __init__(self, model=None):
        self.names = {id(m): (n or type(m).__name__) for n, m in model.named_modules()} if model else {}

    def __enter__(self):
        self._prev = (_Active.on, _Active.names, list(_Active.stack))
        _Active.on, _Active.names, _Active.stack = True, self.names, []
        autograd._Hooks.forward, autograd._Hooks.backward = _check_forward, _check_backward
        Module._call_hook = _track_module
        return self

    def __exit__(self, *exc):
        _Active.on, _Active.names, _Active.stack = self._prev
        if not _Active.on:
            autograd._Hooks.forward = autograd._Hooks.backward = None
            Module._call_hook = None
        return False


def _module_name():
    for m in reversed(_Active.stack):
        name = _Active.names.get(id(m))
        if name is not None:
            return f"{name} ({type(m).__name__})"
    return f"{type(_Active.stack[-1]).__name__}" if _Active.stack else ""


def _track_module(module, enter):
    if enter:
        _Active.stack.append(module)
    elif _Active.stack:
        _Active.stack.pop()


def _check_forward(fn, arrays, out):
    outs = out if isinstance(out, (tuple, list)) else (out,)
    if all(_finite(o) for o in outs):
        return
    op, module = fn.name(), _module_name()
    arrays = [a for a in arrays if isinstance(a, np.ndarray)]
    param = _bad_parameter(arrays)
    cause = (f"the layer's '{param}' parameter is already non-finite: an optimizer update made it so (the learning "
             f"rate is too high, or a gradient exploded)") if param else _cause(op, arrays, "forward")
    raise AnomalyError("forward", op, module, [stats(a) for a in arrays], cause)


def _bad_parameter(arrays):
    """The name of a non-finite parameter of the innermost running module among ``arrays``."""
    if not _Active.stack:
        return None
    for name, p in _Active.stack[-1]._parameters.items():
        if p is not None and not _finite(p._data) and any(a is p._data or a.base is p._data for a in arrays):
            return name
    return None


def _check_backward(fn, grad, in_grads):
    if all(g is None or _finite(g) for g in in_grads):
        return
    op = fn.name()
    grads = [grad] if isinstance(grad, np.ndarray) else [g for g in grad if g is not None]
    raise AnomalyError("backward", op, getattr(fn, "_module", ""), [stats(g) for g in grads],
                       "the incoming gradient was already non-finite" if not all(_finite(g) for g in grads)
                       else _cause(op, grads, "backward"))
