"""gradwise.viz.graph: the recorded graph as DOT text (and SVG/PNG through Graphviz)."""
import re
import shutil

import pytest

import gradwise as gw
import gradwise.functional as F
from gradwise import models, nn


def _residual_loss():
    model = models.resnet((1, 8, 8), 3, widths=(4,), generator=0)
    x = gw.randn(2, 1, 8, 8, generator=1)
    return model, F.cross_entropy(model(x), [0, 2])


def test_dot_names_parameters_ops_and_shapes():
    model, loss = _residual_loss()
    dot = gw.viz.graph(loss, params=model)
    assert dot.startswith("digraph gradwise {") and dot.rstrip().endswith("}")
    for name, p in model.named_parameters():         # every parameter, by name, with its shape
        shape = "(" + ", ".join(map(str, p.shape)) + ("," if p.ndim == 1 else "") + ")"
        assert f'label="{name}\\n{shape}\\nrequires grad"' in dot
    assert 'label="Conv2d"' in dot and 'label="CrossEntropy"' in dot and 'label="output 0\\n()"' in dot
    # the residual addition joins two paths: one Add node with two incoming edges
    adds = re.findall(r'(n\d+) \[label="Add"', dot)
    assert adds and any(len(re.findall(rf"-> {a} ", dot)) == 2 for a in adds)
    assert '[label="(2, 4, 8, 8)"]' in dot                 # edges carry shapes


def test_leaf_inputs_that_need_grad_are_drawn_and_others_are_not():
    x = gw.randn(3, 2, requires_grad=True)
    w = gw.randn(2, 2)
    dot = gw.viz.graph((x @ w).tanh().sum())
    assert 'label="leaf tensor\\n(3, 2)\\nrequires grad"' in dot
    assert dot.count("requires grad") == 1                 # w needs no gradient: not in the graph


def test_graph_errors_are_clear():
    with pytest.raises(ValueError, match="no recorded graph"):
        gw.viz.graph(gw.randn(2) * 2)
    model, loss = _residual_loss()
    loss.backward()
    with pytest.raises(RuntimeError, match="freed by backward"):
        gw.viz.graph(loss)


def test_dot_file_and_rendering(tmp_path):
    loss = (gw.randn(2, 2, requires_grad=True) * 3).sum()
    gw.viz.graph(loss, path=tmp_path / "g.dot")
    assert (tmp_path / "g.dot").read_text().startswith("digraph")
    if shutil.which("dot") is None:
        with pytest.raises(RuntimeError, match="Graphviz"):
            gw.viz.graph(loss, path=tmp_path / "g.svg")
    else:
        gw.viz.graph(loss, path=tmp_path / "g.svg")
        assert "<svg" in (tmp_path / "g.svg").read_text()


def test_deep_graph_is_walked_without_recursion():
    x = gw.randn(4, requires_grad=True)
    y = x
    for _ in range(3000):
        y = y * 1.0001
    assert gw.viz.graph(y.sum()).count('label="Mul"') == 3000


def test_tensorboard_callback_writes_the_graph(tmp_path):
    pytest.importorskip("tensorboardX", reason="the TensorBoard callback needs `pip install tensorboardX`")
    ea = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator",
                             reason="reading events back needs `pip install tensorboard`")
    import numpy as np
    model = nn.Sequential(nn.Linear(4, 8, generator=0), nn.ReLU(), nn.Linear(8, 3, generator=1))
    x = np.random.default_rng(0).standard_normal((20, 4)).astype(np.float32)
    y = np.arange(20) % 3
    gw.Trainer(model, "cross_entropy", "sgd", callbacks=[gw.training.TensorBoard(tmp_path)]).fit(
        (x, y), epochs=1, batch_size=10, verbose=False)
    acc = ea.EventAccumulator(str(tmp_path))
    acc.Reload()
    assert acc.Tags()["graph"]
    nodes = {n.name: n for n in acc.Graph().node}
    assert {"0/weight", "0/bias", "2/weight", "2/bias"} <= set(nodes)
    linear0 = next(n for name, n in nodes.items() if name.startswith("0/Linear"))
    assert set(linear0.input) >= {"0/weight", "0/bias"}
    dims = [d.size for d in linear0.attr["_output_shapes"].list.shape[0].dim]
    assert dims == [10, 8]
    assert any(name.startswith("1/ReLU") for name in nodes)
