"""``gradwise.onnx.export``: a model's forward pass, traced op by op, written as an ONNX file."""
import numpy as np

from ..errors import GradwiseError, UnsupportedError
from ..tensor import Tensor
from . import export_rnn, export_shape  # noqa: F401  (they register their converters)
from .builder import Builder, require_onnx
from .export_ops import CONVERTERS
from .trace import flat_tensors, trace

DEFAULT_OPSET = 17
# PyTorch arguments that change nothing here (constants are always folded, initializers are not inputs)
_PYTORCH_ONLY = {"training", "keep_initializers_as_inputs", "dynamo", "external_data", "optimize", "verify",
                 "report", "custom_opsets", "operator_export_type"}


def export(model, args, f, input_names=None, output_names=None, dynamic_axes=None, opset_version=None,
           verbose=False, do_constant_folding=True, export_params=True, **kwargs):
    """Export ``model`` to ONNX, as PyTorch's ``torch.onnx.export``.

    One forward pass on ``args`` (a tensor or a tuple of them) runs in eval mode; every op it
    applies becomes ONNX nodes, so any model built from gradwise ops exports (residual
    connections, concatenations, custom forward code). Parameters become initializers named
    by their ``state_dict`` names. Work done outside gradwise's ops (NumPy on ``.numpy()``,
    comparisons, Python control flow on values) is baked in as constants for this input.

    Args:
        model: an ``nn.Module`` (or any callable on tensors).
        args: the example input: a tensor, an array, or a tuple of them.
        f: the path to write (or a writable binary file object).
        input_names, output_names: the graph's names ("input_0" ..., "output_0" ... by default).
        dynamic_axes: {name: {axis: "batch"}} or {name: [axis]}: axes whose size may vary
            (the batch axis).
        opset_version: ONNX opset (13 to 21; default 17).
    Returns: the ``onnx.ModelProto``.

    Example:
        >>> gw.onnx.export(model, gw.randn(1, 1, 28, 28), "lenet.onnx", input_names=["image"],
        ...                dynamic_axes={"image": {0: "batch"}})
    """
    onnx = require_onnx()
    unknown = set(kwargs) - _PYTORCH_ONLY
    if unknown or not export_params:
        raise TypeError(f"onnx.export: unsupported arguments {sorted(unknown) or ['export_params=False']}")
    opset = DEFAULT_OPSET if opset_version is None else int(opset_version)
    if not 13 <= opset <= 21:
        raise ValueError(f"onnx.export: opset_version must be between 13 and 21; got {opset}")
    inputs = [a if isinstance(a, Tensor) else Tensor(np.asarray(a)) for a in (args if isinstance(args, (tuple, list))
                                                                              else (args,))]
    input_names = list(input_names or [f"input_{i}" for i in range(len(inputs))])
    dynamic = _dynamic_axes(dynamic_axes)
    was_training = getattr(model, "training", False)
    if hasattr(model, "eval"):
        model.eval()
    try:
        records, output = trace(model, inputs)
    finally:
        if was_training:
            model.train()
    outs = flat_tensors(output)
    if not outs:
        raise GradwiseError(f"onnx.export: the model returned {type(output).__name__}, not tensors")
    output_names = list(output_names or [f"output_{i}" for i in range(len(outs))])
    if len(output_names) != len(outs) or len(input_names) != len(inputs):
        raise ValueError(f"onnx.export: {len(input_names)} input names for {len(inputs)} inputs and "
                         f"{len(output_names)} output names for {len(outs)} outputs")
    first_dyn = sorted(dynamic.get(input_names[0], {}))
    batch = (first_dyn[0], inputs[0].shape[first_dyn[0]]) if first_dyn else None
    b = Builder(opset, batch)
    for t, name in zip(inputs, input_names):
        b.bind(t._data, name)
    if hasattr(model, "state_dict"):
        for name, t in model.state_dict(keep_vars=True).items():
            b.params.setdefault(id(t._data), (name, t._data))
    _convert(b, records)
    graph_outputs = []
    for t, name in zip(outs, output_names):
        b.layer = None
        b.nodes.append(b.helper.make_node("Identity", [b.v(t._data)], [name], name=b.fresh("output")))
        graph_outputs.append(_value_info(b, name, t._data, dynamic.get(name, _batch_axis(t._data, batch))))
    graph_inputs = [_value_info(b, n, t._data, dynamic.get(n, {})) for t, n in zip(inputs, input_names)]
    nodes, inits = _live(b.nodes, b.initializers, output_names)
    graph = b.helper.make_graph(nodes, type(model).__name__, graph_inputs, graph_outputs, inits)
    opsets = [b.helper.make_opsetid("", opset)]
    proto = b.helper.make_model(graph, opset_imports=opsets, producer_name="gradwise",
                                ir_version=b.helper.find_min_ir_version_for(opsets))
    onnx.checker.check_model(proto)
    onnx.save(proto, f)
    if verbose:
        print(b.helper.printable_graph(graph))
    return proto


def _convert(b, records):
    for r in records:
        if not any(b.known(a) for a in _arrays(r.inputs)):
            continue            # depends on no input or parameter: its outputs are constants
        convert = CONVERTERS.get(r.op)
        if convert is None:
            where = f" (in layer {r.layer})" if r.layer else ""
            raise UnsupportedError(f"onnx.export: the op {r.op}{where} has no ONNX counterpart in gradwise's "
                                   f"exporter; supported ops: {', '.join(sorted(CONVERTERS))}")
        b.layer = (r.layer or "").split(" ")[0] or None
        names = convert(b, r)
        names = names if isinstance(names, list) else [names]
        for arr, name in zip(r.outputs, names):
            b.bind(arr, name)


def _arrays(values):
    for v in values:
        if isinstance(v, (tuple, list)):
            yield from _arrays(v)
        elif isinstance(v, np.ndarray):
            yield v


def _dynamic_axes(spec):
    """{name: {axis: label}} from PyTorch's two spellings (a dict or a list of axes per name)."""
    out = {}
    for name, axes in (spec or {}).items():
        out[name] = dict(axes) if isinstance(axes, dict) else {int(a): f"{name}_dynamic_axis_{a}" for a in axes}
    return out


def _batch_axis(array, batch):
    """An output's batch axis, when the input has a dynamic one: its first axis of that size."""
    if batch is not None:
        for i, n in enumerate(array.shape):
            if n == batch[1]:
                return {i: "batch"}
    return {}


def _value_info(b, name, array, dynamic):
    shape = [dynamic.get(i, n) for i, n in enumerate(array.shape)]
    return b.helper.make_tensor_value_info(name, b.elem_type(array.dtype), shape)


def _live(nodes, initializers, outputs):
    """Only the nodes (and initializers) that the outputs depend on."""
    needed, keep = set(outputs), []
    for node in reversed(nodes):
        if any(o in needed for o in node.output):
            keep.append(node)
            needed.update(i for i in node.input if i)
    return keep[::-1], [t for t in initializers if t.name in needed]
