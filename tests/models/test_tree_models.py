"""The ListOps models: the tree classifier and the token-sequence LSTM learn a small set, and
examples/listops.py runs end to end."""
import numpy as np
import pytest

from gradwise import models, nn, optim
from gradwise.data.datasets.listops import VOCAB, ListOps
from tests.test_examples import load


def fit(model, forward, steps=25):
    opt = optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(steps):
        logits, labels = forward()
        loss = nn.CrossEntropyLoss()(logits, labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


@pytest.mark.parametrize("cell", ["lstm", "rnn"])
def test_tree_classifier_fits_a_small_set(cell):
    data = ListOps(32, seed=0, max_length=30)
    trees, node_ids, labels = data.tree_batch(range(32))
    model = models.TreeClassifier(len(VOCAB), 16, 32, 10, cell=cell, generator=0)
    losses = fit(model, lambda: (model(node_ids, trees), labels))
    assert losses[-1] < 0.5 * losses[0]
    assert model(node_ids, trees).shape == (32, 10)
    with pytest.raises(ValueError, match="cell must be one of lstm, rnn"):
        models.TreeClassifier(15, 8, 8, 10, cell="gru")


def test_token_lstm_fits_a_small_set():
    data = ListOps(16, seed=0, max_length=15)
    tokens, labels = data.sequence_batch(range(16))
    model = models.token_sequence_classifier(len(VOCAB), 8, 16, 10, generator=0)
    losses = fit(model, lambda: (model(tokens), labels))
    assert losses[-1] < 0.5 * losses[0]


def test_listops_example_runs(capsys):
    results = load("listops").main(["--train", "300", "--test", "100", "--epochs", "1", "--hidden", "16",
                                    "--embedding", "8", "--batch-size", "100"])
    out = capsys.readouterr().out
    assert set(results) == {"TreeLSTM", "LSTM"} and "TreeLSTM: test accuracy" in out
    assert all(0 <= acc <= 1 for acc, _ in results.values())
