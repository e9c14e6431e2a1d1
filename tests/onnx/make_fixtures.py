"""Writes the PyTorch-exported ONNX fixtures: run with a Python that has torch 2.13 and onnx
(``python tests/onnx/make_fixtures.py``). Each fixture is NAME.onnx plus NAME.npz holding the
input ``x`` and PyTorch's output ``y``."""
import os

import numpy as np
import torch
from torch import nn

HERE = os.path.join(os.path.dirname(__file__), "fixtures")


class LSTMClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(28, 32, num_layers=2, batch_first=True, bidirectional=True)
        self.head = nn.Linear(64, 10)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


def lenet5():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def write(name, model, x):
    model.eval()
    with torch.no_grad():
        y = model(x)
    torch.onnx.export(model, (x,), os.path.join(HERE, name + ".onnx"), input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}}, opset_version=17, dynamo=False)
    np.savez(os.path.join(HERE, name + ".npz"), x=x.numpy(), y=y.numpy())


if __name__ == "__main__":
    torch.manual_seed(0)
    write("torch_lenet5", lenet5(), torch.randn(3, 1, 28, 28))
    write("torch_lstm", LSTMClassifier(), torch.randn(3, 7, 28))
    print(torch.__version__)
