"""A multilayer perceptron (784-512-256-10, ReLU, dropout) on MNIST with the Trainer.

    python examples/mnist_mlp.py [--data-dir ../shared/data/mnist] [--epochs 12]
"""
import argparse
import time

import gradwise as gw
from gradwise import models, optim
from gradwise.data import MNIST
from gradwise.training import LearningRateScheduler


def main(data_dir, epochs=12, batch_size=128, lr=1e-3, seed=0):
    train, test = MNIST(data_dir, train=True), MNIST(data_dir, train=False)
    model = models.mlp((1, 28, 28), 10, hidden=(512, 256), dropout=0.2, generator=seed)
    opt = optim.Adam(model.parameters(), lr=lr)
    trainer = gw.Trainer(model, loss="cross_entropy", optimizer=opt, metrics=["accuracy"], seed=seed,
                         callbacks=[LearningRateScheduler(optim.CosineAnnealingLR(opt, T_max=epochs))])
    started = time.perf_counter()
    trainer.fit(train, epochs=epochs, batch_size=batch_size, validation_data=test)
    accuracy = trainer.evaluate(test, verbose=False)["accuracy"]
    print(f"MLP on MNIST: test accuracy {accuracy:.4f} after {epochs} epochs, {time.perf_counter() - started:.0f} s")
    return accuracy


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", default="../shared/data/mnist")
    p.add_argument("--epochs", type=int, default=12)
    args = p.parse_args()
    main(args.data_dir, args.epochs)
