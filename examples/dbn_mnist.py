"""A deep belief network on MNIST: RBMs pretrained greedily, layer by layer, on all 60,000 images
(no labels), then fine-tuned as a sigmoid MLP by backpropagation on a small labelled subset, and
compared with the same MLP from random initialisation.

    python examples/dbn_mnist.py [--data-dir ../shared/data/mnist] [--labels 2000]
"""
import argparse
import time

import numpy as np

import gradwise as gw
from gradwise import models, nn
from gradwise.data import MNIST, Subset


def finetune(model, train, test, epochs, seed):
    trainer = gw.Trainer(model, "cross_entropy", "adam", lr=1e-3, metrics=["accuracy"], seed=seed)
    trainer.fit(train, epochs=epochs, batch_size=32, verbose=False, diagnostics=False)
    return trainer.evaluate(test, verbose=False)["accuracy"]


def main(data_dir, labels=2000, pretrain_epochs=3, finetune_epochs=10, seed=0):
    train, test = MNIST(data_dir, train=True), MNIST(data_dir, train=False)
    images = train.images.reshape(len(train), -1).astype(np.float32) / 255.0
    started = time.perf_counter()
    print("greedy layer-wise pretraining (contrastive divergence, CD-1) on 60,000 unlabelled images:")
    rbms = models.pretrain_dbn(images, [784, 256, 128], epochs=pretrain_epochs, generator=seed)
    small = Subset(train, np.random.default_rng(seed).permutation(len(train))[:labels])
    pretrained = finetune(models.dbn_classifier(rbms, 10, generator=seed), small, test, finetune_epochs, seed)
    random_init = nn.Sequential(nn.Flatten(), nn.Linear(784, 256, generator=seed), nn.Sigmoid(),
                                nn.Linear(256, 128, generator=seed + 1), nn.Sigmoid(),
                                nn.Linear(128, 10, generator=seed + 2))
    baseline = finetune(random_init, small, test, finetune_epochs, seed)
    print(f"fine-tuned on {labels} labelled images for {finetune_epochs} epochs: test accuracy "
          f"DBN-pretrained {pretrained:.4f}, random init {baseline:.4f} ({time.perf_counter() - started:.0f} s)")
    return pretrained, baseline


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", default="../shared/data/mnist")
    p.add_argument("--labels", type=int, default=2000)
    args = p.parse_args()
    main(args.data_dir, args.labels)
