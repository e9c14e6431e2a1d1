"""The model's graph for TensorBoard's Graphs tab: the autograd graph of one training forward
pass, written as a TensorFlow GraphDef with tensorboardX's protobuf classes.

Ops are grouped under the layer that ran them (``features/0/Conv2d_3``) and parameters under
their state_dict names; each node carries its output shape (``_output_shapes``), which
TensorBoard shows on the edges.
"""
from ..autograd import _Hooks
from ..nn.module import Module
from ..viz import graph_nodes


class GraphCapture:
    """Records which layer runs each op during one forward pass of ``model``; ``finish(output)``
    removes the hooks and returns the GraphDef of ``output``'s graph."""

    def __init__(self, model):
        self.model, self.layers, self.stack = model, {}, []
        self.names = {id(m): n for n, m in model.named_modules()}
        self._saved = _Hooks.trace, Module._call_hook
        prev_trace, prev_call = self._saved

        def on_op(fn, arrays, params, result):
            path = "/".join(n for n in self.stack if n)
            if path:
                self.layers[id(fn)] = path
            if prev_trace is not None:
                prev_trace(fn, arrays, params, result)

        def on_module(module, entering):
            if entering:
                self.stack.append(self.names.get(id(module), "").replace(".", "/"))
            else:
                self.stack.pop()
            if prev_call is not None:
                prev_call(module, entering)

        _Hooks.trace, Module._call_hook = on_op, on_module

    def stop(self):
        if self._saved is not None:
            _Hooks.trace, Module._call_hook = self._saved
            self._saved = None

    def finish(self, output):
        self.stop()
        return graph_def(output, self.model, self.layers)


def graph_def(output, model, layers=None):
    """A GraphDef (tensorboardX.proto) of ``output``'s recorded graph; ``layers`` maps id(Function)
    to the layer path that ran it."""
    from tensorboardX.proto.attr_value_pb2 import AttrValue
    from tensorboardX.proto.graph_pb2 import GraphDef
    from tensorboardX.proto.node_def_pb2 import NodeDef
    from tensorboardX.proto.tensor_shape_pb2 import TensorShapeProto
    from tensorboardX.proto.versions_pb2 import VersionDef

    nodes = graph_nodes(output, model)
    fns = _functions(output)
    names, shapes = {}, {}
    for node in nodes:
        if node["kind"] == "param":
            names[node["key"]] = node["label"].split("\n")[0].replace(".", "/")
        else:
            fn = fns.get(node["key"])
            scope = (layers or {}).get(id(fn)) if fn is not None else None
            base = f"{node['op']}_{node['key'][1:]}" if node["kind"] != "output" else f"output_{node['key'][3:]}"
            names[node["key"]] = f"{scope}/{base}" if scope else base
        for src, shape in node["inputs"]:
            if shape is not None:
                shapes[src] = shape
    defs = []
    for node in nodes:
        shape = shapes.get(node["key"])
        attr = {}
        if shape is not None:
            dims = [TensorShapeProto.Dim(size=int(n)) for n in shape]
            attr["_output_shapes"] = AttrValue(list=AttrValue.ListValue(shape=[TensorShapeProto(dim=dims)]))
        defs.append(NodeDef(name=names[node["key"]], op=node["op"], input=[names[s] for s, _ in node["inputs"]],
                            attr=attr))
    return GraphDef(node=defs, versions=VersionDef(producer=22))


def _functions(output):
    """key -> graph node (Function), numbered as ``graph_nodes`` numbers them."""
    from ..viz import _topological
    outputs = list(output) if isinstance(output, (list, tuple)) else [output]
    return {f"n{i}": n for i, n in enumerate(_topological(t._node for t in outputs))}
