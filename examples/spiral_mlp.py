"""Train a small MLP on three interleaved spirals with plain gradwise tensors.

The whole training loop is written out: forward pass, fused cross-entropy, backward(), and a
gradient-descent update inside no_grad(). It finishes in a few seconds on 2 cores.

    python examples/spiral_mlp.py
"""
import time

import numpy as np

import gradwise as gw
import gradwise.functional as F


def spirals(n_per_class=300, classes=3, noise=0.2, seed=0):
    """Points on ``classes`` interleaved spiral arms; no straight line separates them."""
    rng = np.random.default_rng(seed)
    x, y = [], []
    for c in range(classes):
        r = np.linspace(0.05, 1, n_per_class)
        theta = np.linspace(c * 4, (c + 1) * 4, n_per_class) + rng.normal(0, noise, n_per_class)
        x.append(np.stack([r * np.sin(theta), r * np.cos(theta)], axis=1))
        y.append(np.full(n_per_class, c))
    return np.concatenate(x).astype(np.float32), np.concatenate(y)


def he_init(fan_in, fan_out, rng):
    """He (Kaiming) initialisation, suited to ReLU layers."""
    w = rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)
    return gw.tensor(w.astype(np.float32), requires_grad=True), gw.zeros(fan_out, requires_grad=True)


def main(epochs=300, batch_size=64, lr=0.3, seed=0):
    rng = np.random.default_rng(seed)
    x, y = spirals(seed=seed)
    order = rng.permutation(len(x))
    train, test = order[:720], order[720:]
    params = [he_init(2, 64, rng), he_init(64, 64, rng), he_init(64, 3, rng)]

    def forward(inputs):
        h = gw.tensor(inputs)
        for i, (w, b) in enumerate(params):
            h = h @ w + b
            if i < len(params) - 1:
                h = F.relu(h)
        return h

    start = time.perf_counter()
    iterations = int(np.ceil(len(train) / batch_size))
    print(f"{len(train)} training points, batch {batch_size}: {iterations} iterations per epoch")
    for epoch in range(1, epochs + 1):
        perm = rng.permutation(train)
        total = 0.0
        for k in range(0, len(perm), batch_size):
            idx = perm[k:k + batch_size]
            loss = F.cross_entropy(forward(x[idx]), y[idx])
            loss.backward()
            with gw.no_grad():
                for w, b in params:
                    w -= lr * w.grad
                    b -= lr * b.grad
                    w.grad = b.grad = None
            total += loss.item() * len(idx)
        if epoch % 50 == 0 or epoch == 1:
            print(f"epoch {epoch:3d}  loss {total / len(train):.4f}")
    with gw.no_grad():
        accuracy = (forward(x[test]).argmax(dim=1).numpy() == y[test]).mean()
    print(f"test accuracy {accuracy:.3f} on {len(test)} held-out points "
          f"({time.perf_counter() - start:.1f} s)")
    return accuracy


if __name__ == "__main__":
    main()
