"""A neuron from scratch: logistic regression (a dense layer with a sigmoid, trained on log loss)
written only with gradwise tensors and a hand-written gradient-descent loop.

Task: tell the bundled digit 0 from the digit 1 (8x8 images as 64 features).

    python examples/neuron_from_scratch.py
"""
import numpy as np

import gradwise as gw
from gradwise.data import Digits


def main(epochs=100, lr=0.5, seed=0):
    x, y = Digits(flatten=True).arrays
    keep = y < 2
    x, y = x[keep], y[keep].astype(np.float32)
    order = np.random.default_rng(seed).permutation(len(x))
    train, test = order[:250], order[250:]
    w = gw.randn(64, generator=seed, requires_grad=True) * 0.01      # small random weights ...
    w = w.detach().requires_grad_()
    b = gw.zeros(1, requires_grad=True)                                # ... and a zero bias
    xs, ys = gw.tensor(x[train]), gw.tensor(y[train])
    for epoch in range(epochs):
        z = xs @ w + b                                   # the neuron's weighted sum
        p = 1 / (1 + (-z).exp())                         # sigmoid, written out
        eps = 1e-7
        loss = -(ys * (p + eps).log() + (1 - ys) * (1 - p + eps).log()).mean()   # log loss
        w.grad = b.grad = None
        loss.backward()
        with gw.no_grad():                               # gradient descent on the whole batch
            w -= lr * w.grad
            b -= lr * b.grad
        if epoch % 20 == 0:
            print(f"epoch {epoch:3d}  log loss {loss.item():.4f}")
    with gw.no_grad():
        p_test = 1 / (1 + (-(gw.tensor(x[test]) @ w + b)).exp())
    accuracy = float(((p_test.numpy() > 0.5) == (y[test] > 0.5)).mean())
    print(f"test accuracy {accuracy:.3f} on {len(test)} held-out images of 0 and 1")
    return accuracy


if __name__ == "__main__":
    main()
