"""Keras's habit: loss='categorical_crossentropy' with one-hot float targets, and metrics that
read one-hot targets as the index of their 1."""
import numpy as np

import gradwise as gw
from gradwise import nn
from gradwise.training import metrics as M


def test_fit_with_one_hot_targets_learns():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 150)
    x = (rng.normal(size=(150, 2)) * 0.3 + np.array([[0, 2], [2, -1], [-2, -1]])[labels]).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[labels]
    model = nn.Sequential(nn.Linear(2, 16, generator=0), nn.ReLU(), nn.Linear(16, 3, generator=1))
    trainer = gw.Trainer(model, loss="categorical_crossentropy", optimizer="adam", lr=0.05,
                         metrics=["accuracy", "precision", "top_2_accuracy"])
    gw.manual_seed(0)
    history = trainer.fit((x, y), epochs=8, batch_size=32, verbose=0)
    assert history["accuracy"][-1] > 0.9
    result = trainer.evaluate((x, y), verbose=0)
    assert result["accuracy"] > 0.9 and result["top_2_accuracy"] >= result["accuracy"]


def test_metrics_take_one_hot_or_index_targets_alike():
    out = np.array([[2.0, 0.1, 0.3], [0.1, 0.2, 3.0], [1.0, 2.0, 0.0], [0.5, 0.1, 0.0]])
    idx = np.array([0, 2, 0, 1])
    onehot = np.eye(3, dtype=np.float32)[idx]
    for name in ("accuracy", "precision", "recall", "f1"):
        a, b = M.get(name), M.get(name)
        a.update(out, idx)
        b.update(out, onehot)
        assert a.result() == b.result(), name
    acc = M.get("accuracy")
    acc.update(out, onehot)
    assert acc.result() == 0.5
