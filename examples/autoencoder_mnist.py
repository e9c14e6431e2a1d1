"""Autoencoders on MNIST: a dense one with a 2-D code (plotted), a convolutional one, and a
denoising one (noisy inputs, clean targets). Reports the test reconstruction error of each.

    python examples/autoencoder_mnist.py [--data-dir ../shared/data/mnist] [--epochs 5] [--out runs/autoencoders]
"""
import argparse
import time
from pathlib import Path

import numpy as np

import gradwise as gw
from gradwise import models, nn, optim
from gradwise.data import DataLoader, MNIST


def train_autoencoder(model, data, epochs, batch_size=128, lr=1e-3, seed=0):
    """Reconstruct the input: BCE with logits against the clean image (pixels in [0, 1])."""
    opt = optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()
    model.train()
    for epoch in range(epochs):
        total, n = 0.0, 0
        for x, _ in DataLoader(data, batch_size, shuffle=True, seed=seed + epoch):
            loss = loss_fn(model(x), x)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total, n = total + loss.item() * len(x), n + len(x)
        print(f"  epoch {epoch + 1}: loss {total / n:.4f}")
    return model


def reconstruction_mse(model, data, noise=0.0, seed=1):
    x = data.get_batch(np.arange(len(data)))[0]
    if noise:
        x_in = x + np.random.default_rng(seed).normal(0, noise, x.shape).astype(np.float32)
    else:
        x_in = x
    model.eval()
    with gw.no_grad():
        out = model.decode(model.encode(gw.tensor(x_in)))
    return float(((1 / (1 + np.exp(-out.numpy())) - x) ** 2).mean())


def plot_codes(model, data, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    x, y = data.get_batch(np.arange(len(data)))
    model.eval()
    with gw.no_grad():
        code = model.encode(gw.tensor(x)).numpy()
    fig, ax = plt.subplots(figsize=(7, 6))
    points = ax.scatter(code[:, 0], code[:, 1], c=y, cmap="tab10", s=2)
    fig.colorbar(points, ax=ax, label="digit")
    ax.set_title("2-D codes of the MNIST test set (dense autoencoder)")
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)


def main(data_dir, epochs=5, out="runs/autoencoders", seed=0):
    train, test = MNIST(data_dir, train=True), MNIST(data_dir, train=False)
    Path(out).mkdir(parents=True, exist_ok=True)
    results = {}
    started = time.perf_counter()
    for name, model, noise in [
            ("dense, 2-D code", models.DenseAutoencoder(code_size=2, generator=seed), 0.0),
            ("convolutional", models.ConvAutoencoder(generator=seed), 0.0),
            ("denoising convolutional", models.ConvAutoencoder(noise=0.3, generator=seed), 0.3)]:
        print(f"{name}:")
        train_autoencoder(model, train, epochs, seed=seed)
        results[name] = reconstruction_mse(model, test, noise)
        print(f"  test reconstruction MSE {results[name]:.4f}" + (f" from inputs with noise std {noise}" if noise
                                                                    else ""))
        if name.startswith("dense"):
            try:
                plot_codes(model, test, Path(out) / "codes.png")
                print(f"  2-D code plot: {Path(out) / 'codes.png'}")
            except ImportError:
                print("  (code plot needs matplotlib: pip install 'gradwise[plots]')")
    print(f"done in {time.perf_counter() - started:.0f} s")
    return results


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", default="../shared/data/mnist")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--out", default="runs/autoencoders")
    args = p.parse_args()
    main(args.data_dir, args.epochs, args.out)
