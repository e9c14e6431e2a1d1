"""``gradwise.onnx.load``: an ONNX file as a gradwise Module that runs (and trains) its graph."""
import numpy as np

from ..errors import GradwiseError, UnsupportedError
from ..nn.module import Module, Parameter
from ..tensor import Tensor
from . import load_rnn  # noqa: F401  (registers the recurrent ops)
from .builder import require_onnx
from .load_ops import OPS, _t, attributes


def load(f):
    """Build a Module from an ONNX model (a path, a file object or a ``ModelProto``).

    The module interprets the graph node by node with gradwise's ops. Float initializers become
    Parameters under their ONNX names (``features.0.weight`` is parameter ``weight`` of submodule
    ``features.0``, so ``state_dict`` keys are the exporter's names), and the module can be
    fine-tuned. Scalars, batch-norm running statistics and the constants written by gradwise's
    exporter (``const_*``) stay fixed.

    Example:
        >>> model = gw.onnx.load("lenet.onnx")
        >>> logits = model(gw.randn(4, 1, 28, 28))
    """
    onnx = require_onnx()
    proto = f if isinstance(f, onnx.ModelProto) else onnx.load(f)
    return OnnxModule(proto)


class OnnxModule(Module):
    """The graph of an ONNX model run by gradwise: ``forward(*inputs)`` gives its outputs (one
    tensor, or a tuple when the graph has several)."""

    def __init__(self, proto):
        super().__init__()
        from onnx import numpy_helper
        graph = proto.graph
        opsets = {o.domain: o.version for o in proto.opset_import}
        self.opset = opsets.get("", opsets.get("ai.onnx", 13))
        self._nodes = [(n.op_type, list(n.input), list(n.output), attributes(n), n.name) for n in graph.node]
        for op, _, _, _, name in self._nodes:
            if op not in OPS:
                raise UnsupportedError(f"onnx.load: node {name or op} uses the ONNX op {op}, which gradwise cannot run; "
                                       f"supported: {', '.join(sorted(OPS))}")
        fixed = {i for op, ins, *_ in self._nodes if op == "BatchNormalization" for i in ins[3:5]}
        self._constants, self._values = {}, {}
        for init in graph.initializer:
            array = numpy_helper.to_array(init).copy()
            trainable = (array.dtype.kind == "f" and array.ndim > 0 and init.name not in fixed
                         and not init.name.startswith(("const_", "ints_")))
            if trainable:
                self._values[init.name] = self._register(init.name, array)
            else:
                self._constants[init.name] = array
        known = set(self._constants) | set(self._values)
        self.input_names = [i.name for i in graph.input if i.name not in known]
        self.output_names = [o.name for o in graph.output]

    def _register(self, name, array):
        """A Parameter at the dotted path ``name``, with holder submodules on the way."""
        *path, leaf = name.split(".") if "." in name.strip(".") else [name]
        owner = self
        for part in path:
            sub = owner._modules.get(part)
            if sub is None:
                sub = Module()
                owner.add_module(part, sub)
            owner = sub
        p = Parameter(array)
        owner.register_parameter(leaf, p)
        return p

    def forward(self, *inputs):
        if len(inputs) != len(self.input_names):
            raise GradwiseError(f"onnx model takes {len(self.input_names)} inputs ({', '.join(self.input_names)}); "
                                f"got {len(inputs)}")
        env = dict(self._constants)
        env.update(self._values)
        env[""] = None
        for name, x in zip(self.input_names, inputs):
            env[name] = x if isinstance(x, Tensor) else Tensor(np.asarray(x))
        for op, ins, outs, attrs, name in self._nodes:
            try:
                result = OPS[op](self, [env[i] for i in ins], attrs)
            except GradwiseError:
                raise
            except Exception as e:
                raise GradwiseError(f"onnx model: node {name or op} ({op}) failed: {type(e).__name__}: {e}") from e
            result = result if isinstance(result, (tuple, list)) else (result,)
            env.update(zip(outs, result))
        results = tuple(_t(env[o]) for o in self.output_names)
        return results[0] if len(results) == 1 else results

    def extra_repr(self):
        return f"{len(self._nodes)} nodes, inputs {self.input_names}, outputs {self.output_names}"
