"""A small ResNet (residual blocks with batch norm, F(x) + x) on Fashion-MNIST.

    python examples/fashion_resnet.py [--data-dir ../shared/data/fashion-mnist] [--epochs 8]

Adam with cosine decay, batch 128; the test set is evaluated after every epoch.
"""
import argparse
import time
from pathlib import Path

import gradwise as gw
from gradwise import models, optim
from gradwise.data import FashionMNIST
from gradwise.training import CSVLogger, LearningRateScheduler


def main(data_dir, epochs=8, batch_size=128, lr=3e-3, seed=0, out="runs/fashion-resnet"):
    train, test = FashionMNIST(data_dir, train=True), FashionMNIST(data_dir, train=False)
    model = models.resnet((1, 28, 28), 10, widths=(16, 32, 64), generator=seed)
    opt = optim.Adam(model.parameters(), lr=lr)
    trainer = gw.Trainer(model, loss="cross_entropy", optimizer=opt, metrics=["accuracy"], seed=seed, run_dir=out,
                         callbacks=[LearningRateScheduler(optim.CosineAnnealingLR(opt, T_max=epochs)),
                                    CSVLogger(Path(out) / "metrics.csv")])
    started = time.perf_counter()
    trainer.fit(train, epochs=epochs, batch_size=batch_size, validation_data=test)
    accuracy = trainer.evaluate(test, verbose=False)["accuracy"]
    print(f"small ResNet on Fashion-MNIST: test accuracy {accuracy:.4f} after {epochs} epochs, "
          f"{time.perf_counter() - started:.0f} s")
    gw.save(model.state_dict(), Path(out) / "resnet.safetensors")
    return accuracy


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", default="../shared/data/fashion-mnist")
    p.add_argument("--epochs", type=int, default=8)
    args = p.parse_args()
    main(args.data_dir, args.epochs)
