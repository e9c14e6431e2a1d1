"""Draw the computational graph of a small ResNet (one training step's loss) with gw.viz.graph.

    python examples/resnet_graph.py [--out docs/resnet_graph.svg]

Writes SVG (or PNG by the suffix) through Graphviz's `dot` when it is installed, and prints the
DOT text's size either way.
"""
import argparse

import numpy as np

import gradwise as gw
import gradwise.functional as F
from gradwise import models


def main(out):
    model = models.resnet((1, 28, 28), 10, widths=(8, 16), generator=0)
    x = gw.tensor(np.random.default_rng(0).standard_normal((2, 1, 28, 28), dtype=np.float32))
    loss = F.cross_entropy(model(x), gw.tensor([3, 7]))
    dot = gw.viz.graph(loss, params=model, path=out)
    print(f"{len(dot.splitlines())} lines of DOT; picture: {out}")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="docs/resnet_graph.svg")
    main(p.parse_args().out)
