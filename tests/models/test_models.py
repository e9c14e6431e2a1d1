"""Every ready model builds, trains a few steps on tiny data, and its loss falls; the
perceptron rule converges where it should and says so where it cannot."""
import numpy as np
import pytest

import gradwise as gw
from gradwise import models, nn, optim
from tests.test_examples import load

X2 = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)


def test_perceptron_converges_on_separable_data_and_not_on_xor():
    result = models.Perceptron(2, generator=0).fit(X2, [0, 0, 0, 1], epochs=50)
    assert result.converged and "converged after" in result.message
    p = models.Perceptron(2, generator=0)
    p.fit(X2, [0, 0, 0, 1])
    assert p.predict(X2).tolist() == [0, 0, 0, 1]
    xor = models.Perceptron(2, generator=0).fit(X2, [0, 1, 1, 0], epochs=50)
    assert not xor.converged and xor.epochs == 50 and "not linearly separable" in xor.message
    with pytest.raises(ValueError, match="labels must be 0 or 1"):
        models.Perceptron(2).fit(X2, [0, 1, 2, 0])


def train_steps(model, x, y, steps=8, lr=1e-2):
    opt = optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for _ in range(steps):
        loss = loss_fn(model(gw.tensor(x)), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


@pytest.mark.parametrize("name", ["mlp", "cnn", "lenet5", "resnet", "vgg"])
def test_image_models_learn_a_little(name):
    shape = (1, 8, 8) if name == "cnn" else (1, 28, 28)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16,) + shape).astype(np.float32)
    y = rng.integers(0, 10, 16)
    losses = train_steps(models.get(name, shape, 10, generator=0), x, y, steps=15)
    assert np.mean(losses[-3:]) < np.mean(losses[:3])         # averaged: dropout makes single steps noisy


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_sequence_classifiers_deep_and_bidirectional(kind):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(16, 6, 4)).astype(np.float32)
    y = (x[:, :, 0].sum(1) > 0).astype(np.int64)
    model = models.SequenceClassifier(4, 8, 2, kind=kind, num_layers=2, bidirectional=True, generator=0)
    losses = train_steps(model, x, y, steps=10, lr=3e-2)
    assert losses[-1] < losses[0]
    with pytest.raises(ValueError, match="kind must be one of rnn, lstm, gru"):
        models.SequenceClassifier(4, 8, 2, kind="transformer")


def test_resnet_blocks_are_residual():
    block = models.basic_block(8, 16, 2, lambda: 0)
    assert isinstance(block[0], nn.Residual) and isinstance(block[0].shortcut, nn.Sequential)
    assert block(gw.zeros(2, 8, 8, 8)).shape == (2, 16, 4, 4)


def test_examples_perceptron_xor_and_neuron_from_scratch(capsys):
    assert load("perceptron_xor").main().tolist() == [0, 1, 1, 0]
    out = capsys.readouterr().out
    assert "perceptron on AND: converged" in out and "perceptron on XOR: did not converge" in out
    assert load("neuron_from_scratch").main(epochs=40) > 0.95


@pytest.mark.parametrize("make", [lambda: models.DenseAutoencoder((1, 8, 8), hidden=(32,), code_size=2, generator=0),
                                  lambda: models.ConvAutoencoder(width=4, generator=0),
                                  lambda: models.ConvAutoencoder(width=4, noise=0.3, generator=0)],
                         ids=["dense", "conv", "denoising"])
def test_autoencoders_reconstruct_better_with_training(make):
    model = make()
    size = 8 if isinstance(model, models.DenseAutoencoder) else 28
    x = (np.random.default_rng(0).random((16, 1, size, size)) > 0.7).astype(np.float32)
    opt = optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.BCEWithLogitsLoss()
    losses = []
    for _ in range(15):
        loss = loss_fn(model(gw.tensor(x)), x)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert np.mean(losses[-3:]) < np.mean(losses[:3])
    assert model.encode(gw.tensor(x)).shape[0] == 16
    model.eval()
    assert np.array_equal(model.corrupt(gw.tensor(x)).numpy(), x)          # no corruption when evaluating


def test_denoising_corrupts_only_in_training():
    model = models.ConvAutoencoder(width=2, noise=0.5, generator=0)
    x = gw.zeros(2, 1, 28, 28)
    assert np.abs(model.corrupt(x).numpy()).mean() > 0.1
    model.eval()
    assert not model.corrupt(x).numpy().any()


def test_filter_and_activation_pictures(tmp_path):
    pytest.importorskip("matplotlib")
    from gradwise.viz import plot_activations, plot_filters
    model = models.lenet5(generator=0)
    assert plot_filters(model[0], tmp_path / "f.png").stat().st_size > 1000
    image = np.random.default_rng(0).random((1, 28, 28)).astype(np.float32)
    assert plot_activations(model, model[1], image, tmp_path / "a.png").stat().st_size > 1000
    with pytest.raises(ValueError, match="4-D weight"):
        plot_filters(model[7], tmp_path / "x.png")


def test_char_lm_learns_and_samples():
    text = "abcabcabcabcabcabcabcabc"
    codes = np.array(["abc".index(c) for c in text])
    model = models.CharLM(3, embedding_dim=4, hidden_size=8, generator=0)
    opt = optim.Adam(model.parameters(), lr=5e-2)
    x, y = codes[None, :-1], codes[None, 1:]
    losses, state = [], None
    for _ in range(30):
        logits, state = model(gw.tensor(x), state)
        loss = gw.functional.cross_entropy(logits.reshape(-1, 3), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        state = nn.detach_state(state)          # truncated BPTT: the carried state is cut off the graph
        losses.append(loss.item())
    assert losses[-1] < 0.3 * losses[0]
    out = model.sample([0], length=9, temperature=0.5, generator=0)
    assert "".join("abc"[c] for c in out) == "bcabcabca"
    with pytest.raises(ValueError, match="temperature must be > 0"):
        model.sample([0], temperature=0)


def test_seq2seq_teacher_forcing_and_greedy_decoding():
    rng = np.random.default_rng(0)
    model = models.Seq2Seq(4, 4, embedding_dim=8, hidden_size=16, generator=0)
    opt = optim.Adam(model.parameters(), lr=2e-2)
    losses = []
    for _ in range(60):
        src = rng.integers(0, 4, size=(32, 3))
        tgt = src[:, ::-1].copy()                     # learn to reverse
        loss = gw.functional.cross_entropy(model(src, tgt).reshape(-1, 4), tgt.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert np.mean(losses[-5:]) < 0.5 * np.mean(losses[:5])
    src = rng.integers(0, 4, size=(50, 3))
    decoded = model.greedy(src, 3)
    assert decoded.shape == (50, 3) and (decoded == src[:, ::-1]).all(axis=1).mean() > 0.5
    assert model.training                              # greedy restores the mode


@pytest.mark.parametrize("persistent", [False, True], ids=["CD-1", "PCD"])
def test_rbm_learns_by_contrastive_divergence(persistent):
    rng = np.random.default_rng(0)
    prototypes = (rng.random((3, 20)) > 0.5).astype(np.float32)       # three binary patterns plus noise
    data = prototypes[rng.integers(0, 3, 300)]
    data = np.abs(data - (rng.random(data.shape) < 0.05)).astype(np.float32)
    rbm = models.RBM(20, 8, generator=0)
    before_err, before_pl = rbm.reconstruction_error(data), rbm.pseudo_likelihood(data)
    history = rbm.fit(data, epochs=15, batch_size=20, lr=0.1, persistent=persistent, verbose=False)
    assert history[-1]["reconstruction_error"] < 0.5 * before_err
    assert history[-1]["pseudo_likelihood"] > before_pl
    assert rbm.hidden_probs(data).shape == (300, 8)


def test_dbn_stacks_rbms_into_a_classifier():
    data = (np.random.default_rng(1).random((64, 12)) > 0.5).astype(np.float32)
    rbms = models.pretrain_dbn(data, [12, 6, 4], epochs=2, generator=0, verbose=False)
    assert [r.W.shape for r in rbms] == [(12, 6), (6, 4)]
    clf = models.dbn_classifier(rbms, 3, generator=0)
    np.testing.assert_array_equal(clf[1].weight.numpy(), rbms[0].W.T)
    np.testing.assert_array_equal(clf[3].bias.numpy(), rbms[1].c)
    assert clf(gw.tensor(data)).shape == (64, 3)


def test_logistic_regression_is_a_single_logit():
    model = models.logistic_regression(4, generator=0)
    x = np.random.default_rng(0).normal(size=(32, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.float32)[:, None]
    opt = optim.SGD(model.parameters(), lr=0.5)
    for _ in range(50):
        loss = nn.BCEWithLogitsLoss()(model(gw.tensor(x)), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.3 and model(gw.tensor(x)).shape == (32, 1)
