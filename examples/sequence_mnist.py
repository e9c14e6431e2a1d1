"""Sequence classifiers on real data: each MNIST image read row by row (28 time steps of 28
pixels) by an RNN, an LSTM, a GRU and a 2-layer bidirectional GRU.

    python examples/sequence_mnist.py [--data-dir ../shared/data/mnist] [--epochs 2]
"""
import argparse
import time

import numpy as np

import gradwise as gw
from gradwise import models
from gradwise.data import ArrayDataset, MNIST


def as_rows(ds):
    """(N, 28, 28) float32 sequences in [0, 1] and the labels."""
    return ArrayDataset(ds.images, ds.labels, transform=lambda x: x.astype(np.float32) / 255.0)


def main(data_dir, epochs=2, seed=0):
    train, test = as_rows(MNIST(data_dir, train=True)), as_rows(MNIST(data_dir, train=False))
    results = {}
    for name, kind, layers, bidirectional in [("RNN (tanh)", "rnn", 1, False), ("LSTM", "lstm", 1, False),
                                              ("GRU", "gru", 1, False), ("GRU, 2 layers, bidirectional", "gru", 2,
                                                                          True)]:
        model = models.SequenceClassifier(28, 128, 10, kind=kind, num_layers=layers, bidirectional=bidirectional,
                                          generator=seed)
        trainer = gw.Trainer(model, "cross_entropy", "adam", lr=2e-3, metrics=["accuracy"], seed=seed,
                             clip_grad_norm=5.0)
        started = time.perf_counter()
        trainer.fit(train, epochs=epochs, batch_size=64, verbose=False)
        results[name] = trainer.evaluate(test, verbose=False)["accuracy"]
        print(f"{name:30} test accuracy {results[name]:.4f}  ({time.perf_counter() - started:.0f} s, {epochs} epochs)")
    return results


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", default="../shared/data/mnist")
    p.add_argument("--epochs", type=int, default=2)
    args = p.parse_args()
    main(args.data_dir, args.epochs)
