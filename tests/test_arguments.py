"""Numbers are checked where they enter: zero, negative, NaN and infinite values get an
ArgumentError naming who got them, the argument and the value (never ZeroDivisionError)."""
import math

import numpy as np
import pytest

import gradwise as gw
from gradwise import nn, optim
from gradwise.data import ArrayDataset, DataLoader
from gradwise.errors import ArgumentError, ArgumentTypeError, GradwiseError

NAN, INF = float("nan"), float("inf")


def _param():
    return [nn.Parameter(gw.zeros(2))]


BAD = [
    ("Conv2d", "stride", lambda: nn.Conv2d(1, 1, 3, stride=0)),
    ("Conv2d", "kernel_size", lambda: nn.Conv2d(1, 1, 0)),
    ("Conv2d", "padding", lambda: nn.Conv2d(1, 1, 3, padding=-1)),
    ("Conv2d", "dilation", lambda: nn.Conv2d(1, 1, 3, dilation=0)),
    ("Conv2d", "in_channels", lambda: nn.Conv2d(-1, 1, 3)),
    ("Conv1d", "kernel_size", lambda: nn.Conv1d(1, 1, 0)),
    ("ConvTranspose2d", "stride", lambda: nn.ConvTranspose2d(1, 1, 3, stride=(1, 0))),
    ("MaxPool2d", "kernel_size", lambda: nn.MaxPool2d(0)),
    ("MaxPool2d", "stride", lambda: nn.MaxPool2d(2, stride=0)),
    ("AvgPool2d", "kernel_size", lambda: nn.AvgPool2d(-2)),
    ("AdaptiveAvgPool2d", "output_size", lambda: nn.AdaptiveAvgPool2d(0)),
    ("Linear", "in_features", lambda: nn.Linear(-1, 3)),
    ("Embedding", "num_embeddings", lambda: nn.Embedding(-5, 3)),
    ("LSTM", "hidden_size", lambda: nn.LSTM(3, 0)),
    ("GRU", "num_layers", lambda: nn.GRU(3, 4, num_layers=0)),
    ("GRUCell", "hidden_size", lambda: nn.GRUCell(3, -4)),
    ("BatchNorm1d", "eps", lambda: nn.BatchNorm1d(3, eps=NAN)),
    ("BatchNorm2d", "momentum", lambda: nn.BatchNorm2d(3, momentum=2.0)),
    ("LayerNorm", "eps", lambda: nn.LayerNorm(3, eps=-1.0)),
    ("Dropout", "p", lambda: nn.Dropout(NAN)),
    ("SGD", "lr", lambda: optim.SGD(_param(), lr=NAN)),
    ("SGD", "lr", lambda: optim.SGD(_param(), lr=-0.1)),
    ("Adam", "lr", lambda: optim.Adam(_param(), lr=INF)),
    ("Adam", "eps", lambda: optim.Adam(_param(), eps=NAN)),
    ("AdamW", "weight_decay", lambda: optim.AdamW(_param(), weight_decay=-INF)),
    ("RMSprop", "alpha", lambda: optim.RMSprop(_param(), alpha=NAN)),
    ("Adagrad", "lr", lambda: optim.Adagrad(_param(), lr=NAN)),
    ("StepLR", "step_size", lambda: optim.StepLR(optim.SGD(_param(), lr=0.1), step_size=0)),
    ("DataLoader", "batch_size", lambda: DataLoader(ArrayDataset(np.zeros((4, 2))), batch_size=0)),
    ("DataLoader", "batch_size", lambda: DataLoader(ArrayDataset(np.zeros((4, 2))), batch_size=-3)),
    ("max_pool2d", "kernel_size", lambda: gw.functional.max_pool2d(gw.zeros(1, 1, 4, 4), 0)),
    ("avg_pool2d", "stride", lambda: gw.functional.avg_pool2d(gw.zeros(1, 1, 4, 4), 2, stride=0)),
    ("conv2d", "stride", lambda: gw.functional.conv2d(gw.zeros(1, 1, 5, 5), gw.zeros(1, 1, 3, 3), stride=0)),
    ("dropout", "p", lambda: gw.functional.dropout(gw.zeros(3), INF)),
    ("Trainer", "clip_grad_norm", lambda: gw.Trainer(nn.Linear(2, 2), "mse", clip_grad_norm=NAN)),
    ("Trainer", "seed", lambda: gw.Trainer(nn.Linear(2, 2), "mse", seed=-1)),
    ("fit", "epochs", lambda: gw.Trainer(nn.Linear(2, 2), "mse").fit((np.zeros((4, 2)), np.zeros((4, 2))), epochs=-1)),
]


@pytest.mark.parametrize("who, name, make", BAD, ids=[f"{w}-{n}-{i}" for i, (w, n, _) in enumerate(BAD)])
def test_bad_numbers_are_named_errors(who, name, make):
    with pytest.raises(ArgumentError) as info:
        make()
    msg = str(info.value)
    assert msg.startswith(f"{who}:") and name in msg and "got" in msg
    assert isinstance(info.value, ValueError) and isinstance(info.value, RuntimeError)    # PyTorch raises either


@pytest.mark.parametrize("make", [lambda: nn.Linear(2.5, 3), lambda: DataLoader([1, 2], batch_size=2.0),
                                  lambda: optim.SGD(_param(), lr="0.1"), lambda: nn.MaxPool2d((2, "a"))])
def test_wrong_kinds_are_type_errors(make):
    with pytest.raises(ArgumentTypeError) as info:
        make()
    assert isinstance(info.value, (TypeError, GradwiseError))


def test_good_values_still_work():
    assert nn.Conv2d(1, 2, 3, stride=(2, 1), padding=1).stride == (2, 1)
    assert nn.MaxPool2d(2)(gw.zeros(1, 1, 4, 4)).shape == (1, 1, 2, 2)
    assert nn.Linear(np.int64(3), 2).in_features == 3
    assert optim.SGD(_param(), lr=0).param_groups[0]["lr"] == 0           # lr 0 is allowed, as in PyTorch
    assert DataLoader(ArrayDataset(np.zeros((4, 2))), batch_size=np.int32(2)).batch_size == 2
    assert math.isclose(nn.Dropout(0.25).p, 0.25)
