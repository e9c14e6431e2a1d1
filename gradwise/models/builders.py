"""Builders of feed-forward classifiers: MLP, a small CNN, LeNet-5."""
import math

import numpy as np

from .. import nn
from ..errors import ArgumentError


def _seeds(generator, n):
    rng = np.random.default_rng(generator)
    return [np.random.default_rng(s) for s in rng.integers(0, 2 ** 32, n)]


def logistic_regression(in_features, generator=None):
    """Logistic regression: one Linear unit whose output is the logit; train it with log loss
    (``nn.BCEWithLogitsLoss``, the sigmoid and the log loss fused) and read sigmoid(logit) as the
    probability of class 1."""
    return nn.Sequential(nn.Flatten(), nn.Linear(in_features, 1, generator=generator))


def mlp(input_shape=(1, 28, 28), num_classes=10, hidden=(256, 128), dropout=0.0, generator=None):
    """Multilayer perceptron: Flatten, then Linear + ReLU (+ Dropout) per hidden size, then Linear."""
    g = _seeds(generator, len(hidden) + 2)
    layers, width = [nn.Flatten()], math.prod(input_shape)
    for i, h in enumerate(hidden):
        layers += [nn.Linear(width, h, generator=g[i]), nn.ReLU()]
        if dropout:
            layers.append(nn.Dropout(dropout, generator=g[-1]))
        width = h
    layers.append(nn.Linear(width, num_classes, generator=g[-2]))
    return nn.Sequential(*layers)


def cnn(input_shape=(1, 8, 8), num_classes=10, width=32, dropout=0.25, generator=None):
    """A small CNN for small images (the bundled 8x8 digits): two 3x3 conv blocks with batch norm,
    max pooling, dropout and a dense head."""
    c, h, w = input_shape
    g = _seeds(generator, 5)
    return nn.Sequential(
        nn.Conv2d(c, width, 3, padding=1, bias=False, generator=g[0]), nn.BatchNorm2d(width), nn.ReLU(),
        nn.Conv2d(width, 2 * width, 3, padding=1, bias=False, generator=g[1]), nn.BatchNorm2d(2 * width), nn.ReLU(),
        nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(dropout, generator=g[4]),
        nn.Linear(2 * width * (h // 2) * (w // 2), 128, generator=g[2]), nn.ReLU(),
        nn.Linear(128, num_classes, generator=g[3]))


def lenet5(input_shape=(1, 28, 28), num_classes=10, generator=None):
    """LeNet-5 (LeCun et al., 1998) with ReLU and max pooling, for 28x28 images: conv 6@5x5 pad 2,
    pool, conv 16@5x5, pool, dense 120, 84, num_classes."""
    c, h, w = input_shape
    if (h, w) != (28, 28):
        raise ArgumentError(f"lenet5 is built for 28x28 images; got {h}x{w} (use cnn or mlp for other sizes)")
    g = _seeds(generator, 5)
    return nn.Sequential(
        nn.Conv2d(c, 6, 5, padding=2, generator=g[0]), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5, generator=g[1]), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120, generator=g[2]), nn.ReLU(), nn.Linear(120, 84, generator=g[3]), nn.ReLU(),
        nn.Linear(84, num_classes, generator=g[4]))


MODELS = {"mlp": mlp, "cnn": cnn, "lenet5": lenet5}


def get(name, input_shape, num_classes, generator=None):
    """A model by name: mlp, cnn, lenet5, resnet or vgg."""
    if name not in MODELS:
        raise ArgumentError(f"unknown model {name!r}; known: {', '.join(MODELS)}")
    return MODELS[name](input_shape, num_classes, generator=generator)
