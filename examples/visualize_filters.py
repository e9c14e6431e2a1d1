"""What LeNet-5 learned: its first-layer filters and the activation maps of one digit, as PNGs.

    python examples/visualize_filters.py [--weights runs/mnist-lenet5/lenet5.safetensors] [--out runs/filters]

Without saved weights (from examples/mnist_lenet5.py) it trains LeNet-5 for one epoch first.
"""
import argparse
from pathlib import Path

import gradwise as gw
from gradwise import models
from gradwise.data import MNIST
from gradwise.viz import plot_activations, plot_filters


def main(data_dir, weights, out):
    model = models.lenet5(generator=0)
    test = MNIST(data_dir, train=False)
    if weights and Path(weights).exists():
        model.load_state_dict(gw.load(weights))
    else:
        print("no saved weights: training LeNet-5 for one epoch first")
        gw.Trainer(model, "cross_entropy", "adam", metrics=["accuracy"]).fit(MNIST(data_dir), epochs=1, batch_size=64)
    Path(out).mkdir(parents=True, exist_ok=True)
    image = test.get_batch([0])[0][0]
    print(plot_filters(model[0], Path(out) / "conv1_filters.png"))
    print(plot_activations(model, model[1], image, Path(out) / "conv1_activations.png"))
    print(plot_activations(model, model[4], image, Path(out) / "conv2_activations.png"))


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", default="../shared/data/mnist")
    p.add_argument("--weights", default="runs/mnist-lenet5/lenet5.safetensors")
    p.add_argument("--out", default="runs/filters")
    args = p.parse_args()
    main(args.data_dir, args.weights, args.out)
