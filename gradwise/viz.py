"""Pictures of what a network learned (conv filters and activation maps as PNG grids) and of
the computational graph (``graph``: Graphviz DOT text, SVG / PNG through Graphviz).

The PNG grids need matplotlib (``pip install 'gradwise[plots]'``), imported only when they are called.
"""
import math

import numpy as np

from .autograd import no_grad
from .tensor import Tensor
from .errors import ArgumentError


def _grid(images, path, title, cmap="gray"):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("gradwise.viz needs matplotlib: pip install 'gradwise[plots]'") from None
    n = len(images)
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(1.6 * cols, 1.6 * rows + 0.4), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, (label, img) in zip(axes.flat, images):
        ax.imshow(img, cmap=cmap)
        ax.set_title(label, fontsize=7)
    fig.suptitle(title)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return path


def plot_filters(conv, path, channel=0):
    """Save the filters of a Conv2d layer (input channel ``channel`` of each) as a PNG grid."""
    w = conv.weight._data
    if w.ndim != 4:
        raise ArgumentError(f"plot_filters needs a Conv2d layer (4-D weight); got weight shape {w.shape}")
    return _grid([(f"filter {i}", w[i, channel]) for i in range(w.shape[0])], path,
                 f"{type(conv).__name__} {tuple(w.shape)}: filters (input channel {channel})", cmap="RdBu_r")


def plot_activations(model, layer, image, path):
    """Run one image (C, H, W) through ``model`` and save the activation maps of ``layer`` (a
    submodule) as a PNG grid."""
    seen = {}
    handle = layer.register_forward_hook(lambda m, inp, out: seen.setdefault("out", out._data))
    was = model.training
    model.eval()
    try:
        with no_grad():
            model(Tensor(np.asarray(image, dtype=np.float32)[None]))
    finally:
        handle.remove()
        model.train(was)
    maps = seen["out"][0]
    if maps.ndim != 3:
        raise ArgumentError(f"plot_activations needs a layer with (C, H, W) outputs; got {maps.shape}")
    return _grid([(f"map {i}", m) for i, m in enumerate(maps)], path,
                 f"activation maps of {type(layer).__name__}", cmap="viridis")


# ----- the computational graph ---------------------------------------------------------------
_COLOURS = {"op": "#fff2cc", "param": "#cfe2f3", "leaf": "#d9ead3", "output": "#f4cccc"}


def graph(output, params=None, path=None):
    """The recorded graph of ``output`` (ops, the shapes between them, parameters by name) as
    Graphviz DOT text; with ``path`` ending in .svg or .png it is also drawn by Graphviz's
    ``dot`` (which must be installed), with .dot or .gv the text is written.

    Only what needs a gradient is recorded, so every drawn node needs one: ops (yellow),
    parameters (blue, by name) and other leaf tensors with ``requires_grad`` (green); inputs
    that need no gradient (data, constants) are not part of the graph. Edges carry the shapes.
    Draw before ``backward()``, which frees the graph (or call it with ``retain_graph=True``).

    Args:
        output: a Tensor computed with gradients recorded, or a list of them.
        params: a Module or a dict name -> tensor, to name the leaves (parameters).
        path: optional file to write.
    Returns: the DOT text.

    Example:
        >>> loss = F.cross_entropy(model(x), y)
        >>> print(gw.viz.graph(loss, params=model))
    """
    lines = ["digraph gradwise {", '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];',
             '  edge [fontname="Helvetica", fontsize=9];']
    for node in graph_nodes(output, params):
        label = node["label"].replace("\n", "\\n")
        if node["kind"] == "select":
            style = 'shape=plain, style=""'
        else:
            style = f'fillcolor="{_COLOURS[node["kind"]]}"' + (", shape=ellipse" if node["kind"] in ("param", "leaf")
                                                              else "")
        lines.append(f'  {node["key"]} [label="{label}", {style}];')
        for src, shape in node["inputs"]:
            lines.append(f'  {src} -> {node["key"]} [label="{_shape(shape) if shape is not None else ""}"];')
    lines.append("}")
    dot = "\n".join(lines) + "\n"
    if path is not None:
        _write_graph(dot, str(path))
    return dot


def graph_nodes(output, params=None):
    """The recorded graph of ``output`` as a list of nodes, inputs first: dicts with ``key``,
    ``op`` (the op's name, "Parameter", "Leaf" or "Output"), ``label``, ``kind`` (op, param,
    leaf, select, output) and ``inputs`` [(key, shape)]. ``graph`` draws it; the TensorBoard
    callback writes it as a GraphDef."""
    outputs = list(output) if isinstance(output, (list, tuple)) else [output]
    names = {}
    if params is not None:
        items = params.named_parameters() if hasattr(params, "named_parameters") else params.items()
        names = {id(t): n for n, t in items}
    for t in outputs:
        if t._node is None:
            raise ValueError("viz.graph: the tensor has no recorded graph (computed under no_grad(), or from "
                             "tensors that do not require grad)")
    order = _topological(t._node for t in outputs)
    keys = {id(n): f"n{i}" for i, n in enumerate(order)}
    nodes = []
    for node in order:
        shapes = node.in_shapes or ()
        inputs = [(keys[id(n)], shapes[i] if i < len(shapes) else None) for i, n in enumerate(node.next)
                  if n is not None]
        nodes.append(dict(key=keys[id(node)], inputs=inputs, **_describe(node, names)))
    for k, t in enumerate(outputs):
        nodes.append(dict(key=f"out{k}", op="Output", kind="output", label=f"output {k}\n{_shape(t.shape)}",
                          inputs=[(keys[id(t._node)], tuple(t.shape))]))
    return nodes


def _topological(roots):
    """Every node reachable from ``roots``, each once, inputs before the ops that use them
    (an iterative depth-first post-order: graphs of any depth)."""
    done, order = set(), []
    stack = [(n, False) for n in roots]
    while stack:
        node, expanded = stack.pop()
        if id(node) in done:
            continue
        if expanded:
            done.add(id(node))
            order.append(node)
            continue
        if node.next is None:
            raise RuntimeError("viz.graph: the graph was freed by backward(); draw it before backward() or call "
                               "backward(retain_graph=True)")
        stack.append((node, True))
        stack.extend((n, False) for n in reversed(node.next) if n is not None and id(n) not in done)
    return order


def _describe(node, names):
    kind = type(node).__name__
    if kind == "AccumulateGrad":
        t = node._ref()
        name = names.get(id(t)) if t is not None else None
        shape = _shape(t.shape) if t is not None else "?"
        return dict(op="Parameter" if name else "Leaf", kind="param" if name else "leaf",
                    label=f"{name or 'leaf tensor'}\n{shape}\nrequires grad")
    if kind == "_Select":
        return dict(op="Select", kind="select", label=f"output {node.index}")
    return dict(op=node.name(), kind="op", label=node.name())


def _shape(shape):
    return "(" + ", ".join(str(int(n)) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def _write_graph(dot, path):
    import shutil
    import subprocess
    fmt = path.rsplit(".", 1)[-1].lower()
    if fmt in ("dot", "gv"):
        with open(path, "w") as fh:
            fh.write(dot)
        return
    if fmt not in ("svg", "png", "pdf"):
        raise ValueError(f"viz.graph: path must end in .dot, .gv, .svg, .png or .pdf; got {path!r}")
    exe = shutil.which("dot")
    if exe is None:
        raise RuntimeError(f"viz.graph: drawing {fmt.upper()} needs Graphviz's `dot` program (apt install graphviz, "
                           f"brew install graphviz); save as .dot instead to get the text")
    subprocess.run([exe, f"-T{fmt}", "-o", path], input=dot.encode(), check=True)
