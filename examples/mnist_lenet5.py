"""LeNet-5 on MNIST with the Trainer: about 99.1% test accuracy in a few minutes on 2 cores.

    python examples/mnist_lenet5.py [--data-dir ../shared/data/mnist] [--epochs 8]

Adam with a cosine learning-rate decay, batch 64; the test set is evaluated after every epoch.
"""
import argparse
import time
from pathlib import Path

import gradwise as gw
from gradwise import models, optim
from gradwise.data import MNIST
from gradwise.training import CSVLogger, LearningRateScheduler


def main(data_dir, epochs=8, batch_size=64, lr=2e-3, seed=0, out="runs/mnist-lenet5"):
    train, test = MNIST(data_dir, train=True), MNIST(data_dir, train=False)
    model = models.lenet5(generator=seed)
    opt = optim.Adam(model.parameters(), lr=lr)
    trainer = gw.Trainer(model, loss="cross_entropy", optimizer=opt, metrics=["accuracy"], seed=seed, callbacks=[
        LearningRateScheduler(optim.CosineAnnealingLR(opt, T_max=epochs)), CSVLogger(Path(out) / "metrics.csv")])
    started = time.perf_counter()
    trainer.fit(train, epochs=epochs, batch_size=batch_size, validation_data=test)
    accuracy = trainer.evaluate(test, verbose=False)["accuracy"]
    print(f"LeNet-5 on MNIST: test accuracy {accuracy:.4f} after {epochs} epochs, "
          f"{time.perf_counter() - started:.0f} s")
    gw.save(model.state_dict(), Path(out) / "lenet5.safetensors")
    return accuracy


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", default="../shared/data/mnist")
    p.add_argument("--epochs", type=int, default=8)
    args = p.parse_args()
    main(args.data_dir, args.epochs)
