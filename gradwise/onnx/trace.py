"""Tracing one forward pass: every ``Function`` applied, with its inputs, outputs and layer.

The autograd graph keeps, per node, only what backward needs (and no inputs that need no
gradient), so the tracer listens to ``Function.apply`` itself through one hook: each record
holds the node (the Function object, with the attributes its forward stored: stride, axes ...),
the positional input arrays, the keyword parameters, the output arrays and the path of the
layer that ran it (from ``Module.__call__``'s hook, as ``detect_anomaly`` does).
"""
from ..autograd import _Hooks, no_grad
from ..nn.module import Module
from ..tensor import Tensor


class Record:
    __slots__ = ("fn", "inputs", "params", "outputs", "layer")

    def __init__(self, fn, inputs, params, outputs, layer):
        self.fn, self.inputs, self.params, self.outputs, self.layer = fn, inputs, params, outputs, layer

    @property
    def op(self):
        return type(self.fn).__name__


def trace(model, inputs):
    """Run ``model(*inputs)`` once without recording gradients; returns (records, output).

    Every array stays referenced by the records, so ``id(array)`` identifies a value until the
    records are dropped."""
    records = []
    names = {id(m): n for n, m in model.named_modules()} if isinstance(model, Module) else {}
    stack = []

    def on_op(fn, arrays, params, result):
        outs = [t._data for t in result] if isinstance(result, tuple) else [result._data]
        records.append(Record(fn, list(arrays), dict(params), outs, _layer(stack)))

    def on_module(module, entering):
        if entering:
            stack.append((names.get(id(module)), type(module).__name__))
        else:
            stack.pop()

    saved = _Hooks.trace, Module._call_hook
    _Hooks.trace, Module._call_hook = on_op, on_module
    try:
        with no_grad():
            output = model(*inputs)
    finally:
        _Hooks.trace, Module._call_hook = saved
    return records, output


def _layer(stack):
    """The innermost named layer, as 'features.3 (Conv2d)', or None outside any module."""
    for name, kind in reversed(stack):
        if name:
            return f"{name} ({kind})"
    return f"the model ({stack[0][1]})" if stack else None


def flat_tensors(output):
    """The tensors of a model's output (a tensor, or nested tuples / lists / dicts of them), in order."""
    if isinstance(output, Tensor):
        return [output]
    if isinstance(output, dict):
        output = list(output.values())
    if isinstance(output, (tuple, list)):
        return [t for o in output for t in flat_tensors(o)]
    return []
