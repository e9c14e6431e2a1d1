"""The examples keep working: each runs briefly and learns something."""
import importlib.util
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_spiral_mlp_learns(capsys):
    accuracy = load("spiral_mlp").main(epochs=30)
    assert accuracy > 0.6            # chance is 1/3
    assert "12 iterations per epoch" in capsys.readouterr().out


def test_resnet_graph_example_writes_the_graph(tmp_path, capsys):
    load("resnet_graph").main(str(tmp_path / "g.dot"))
    dot = (tmp_path / "g.dot").read_text()
    assert dot.count("Add") >= 2 and "3.0.block.0.weight" in dot and "CrossEntropy" in dot
    assert "lines of DOT" in capsys.readouterr().out
