"""The perceptron and XOR: the perceptron rule learns AND, cannot learn XOR (and says so), and a
multilayer perceptron trained by backpropagation solves XOR.

    python examples/perceptron_xor.py
"""
import numpy as np

import gradwise as gw
from gradwise import models, nn, optim

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
AND, XOR = np.array([0, 0, 0, 1]), np.array([0, 1, 1, 0])


def main():
    for name, y in (("AND", AND), ("XOR", XOR)):
        result = models.Perceptron(2, generator=0).fit(X, y, epochs=50)
        print(f"perceptron on {name}: {result.message}")
    mlp = nn.Sequential(nn.Linear(2, 8, generator=0), nn.Tanh(), nn.Linear(8, 1, generator=1))
    opt = optim.Adam(mlp.parameters(), lr=0.05)
    loss_fn = nn.BCEWithLogitsLoss()
    x, y = gw.tensor(X), gw.tensor(XOR.astype(np.float32)[:, None])
    for _ in range(300):
        loss = loss_fn(mlp(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with gw.no_grad():
        predictions = (mlp(x).numpy()[:, 0] > 0).astype(int)
    print(f"MLP 2-8-1 (tanh) after 300 Adam steps: XOR predictions {predictions.tolist()}, loss {loss.item():.4f}")
    return predictions


if __name__ == "__main__":
    main()
