"""Pictures of what a network learned: conv filters and activation maps as PNG grids.

Needs matplotlib (``pip install 'gradwise[plots]'``), imported only when these are called.
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
