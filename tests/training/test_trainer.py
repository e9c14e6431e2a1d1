import csv

import numpy as np
import pytest

import gradwise as gw
from gradwise import nn, optim
from gradwise.data import ArrayDataset
from gradwise.training import (CSVLogger, EarlyStopping, LearningRateScheduler, ModelCheckpoint, TensorBoard,
                               TerminateOnNaN, metrics)


def blobs(n=200, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = (rng.normal(size=(n, 4)) + np.eye(3, 4)[y] * 3).astype(np.float32)
    return x, y


def small_model(seed=0):
    return nn.Sequential(nn.Linear(4, 16, generator=seed), nn.ReLU(), nn.Linear(16, 3, generator=seed + 1))


def test_fit_learns_and_reports(capsys):
    x, y = blobs()
    trainer = gw.Trainer(small_model(), loss="cross_entropy", optimizer="adam", lr=0.05,
                         metrics=["accuracy", "f1", "top_2_accuracy"])
    history = trainer.fit((x, y), epochs=5, batch_size=20, validation_split=0.25)
    out = capsys.readouterr().out
    assert "Training on 150 samples, batch 20: 8 iterations per epoch (mini-batch gradient descent)" in out
    assert "epoch 5/5  loss " in out and "val_accuracy" in out      # one clean line per epoch (not a terminal)
    assert len(history) == 5 and history["loss"][-1] < history["loss"][0]
    assert set(history.history) == {"loss", "accuracy", "f1", "top_2_accuracy", "val_loss", "val_accuracy", "val_f1",
                                    "val_top_2_accuracy", "lr", "seconds"}
    assert history["val_accuracy"][-1] > 0.9
    assert trainer.evaluate((x, y), verbose=False)["accuracy"] > 0.9
    pred = trainer.predict(x)
    assert pred.shape == (200, 3) and pred.dtype == np.float32


def test_iterations_and_gradient_descent_kinds(capsys):
    x, y = np.zeros((10_000, 4), np.float32), np.zeros(10_000, np.int64)
    trainer = gw.Trainer(small_model(), "cross_entropy", optim.SGD(small_model().parameters(), lr=0.0))
    trainer.stop_training = True
    trainer.callbacks = [gw.training.Callback()]
    trainer.callbacks[0].on_batch_end = lambda b, logs: setattr(trainer, "stop_training", True)
    trainer.fit((x, y), epochs=1, batch_size=200)
    assert "50 iterations per epoch (mini-batch gradient descent)" in capsys.readouterr().out
    trainer.fit((x[:5], y[:5]), epochs=1, batch_size=1)
    assert "5 iterations per epoch (stochastic gradient descent)" in capsys.readouterr().out
    trainer.fit((x[:5], y[:5]), epochs=1, batch_size=5)
    assert "1 iterations per epoch (batch gradient descent)" in capsys.readouterr().out


def test_metrics_only_report():
    x, y = blobs()
    weights = []
    for names in ([], ["accuracy", "precision", "recall", "f1", "top_2_accuracy"]):
        model = small_model()
        gw.Trainer(model, "cross_entropy", optim.SGD(model.parameters(), lr=0.1), metrics=names).fit(
            (x, y), epochs=2, batch_size=32, verbose=False)
        weights.append(model.state_dict())
    for k in weights[0]:
        assert np.array_equal(weights[0][k], weights[1][k])


def test_strings_and_their_errors():
    m = small_model()
    with pytest.raises(ValueError, match="unknown loss 'crossentropy'; known: cross_entropy"):
        gw.Trainer(m, loss="crossentropy")
    with pytest.raises(ValueError, match="unknown optimizer 'adamm'"):
        gw.Trainer(m, loss="mse", optimizer="adamm")
    with pytest.raises(ValueError, match="unknown metric 'acuracy'; known: acc, accuracy"):
        gw.Trainer(m, loss="mse", metrics=["acuracy"])
    with pytest.raises(TypeError, match=r"got a single ndarray of shape \(3, 4\). Pass \(inputs, targets\)"):
        gw.Trainer(m, loss="mse").fit(np.zeros((3, 4)), verbose=False)


def test_metric_values():
    out = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    target = np.array([1, 0, 0, 1])
    for name, expected in [("accuracy", 0.5), ("precision", 0.5), ("recall", 0.5), ("f1", 0.5)]:
        m = metrics.get(name)
        m.update(out, target)
        assert m.result() == pytest.approx(expected)
    acc = metrics.get("accuracy")
    acc.update(np.array([0.9, 0.2, 0.6]), np.array([1, 0, 0]))           # one binary probability output
    assert acc.result() == pytest.approx(2 / 3)
    top = metrics.get("top_2_accuracy")
    top.update(np.array([[0.5, 0.3, 0.2], [0.1, 0.3, 0.6]]), np.array([1, 0]))
    assert top.result() == 0.5
    mae = metrics.get("mae")
    mae.update(np.array([1.0, 2.0]), np.array([0.0, 4.0]))
    assert mae.result() == 1.5
    three = metrics.get("precision")
    three.update(np.eye(3)[[0, 1, 2, 2]], np.array([0, 1, 1, 2]))      # macro average over 3 classes
    assert three.result() == pytest.approx((1 + 1 + 0.5) / 3)


def test_early_stopping_restores_best_weights(capsys):
    x, y = blobs()
    model = small_model()
    es = EarlyStopping(monitor="val_loss", patience=1, restore_best_weights=True)
    trainer = gw.Trainer(model, "cross_entropy", optim.SGD(model.parameters(), lr=3.0), callbacks=[es])
    history = trainer.fit((x, y), epochs=30, batch_size=200, validation_split=0.5, verbose=False)
    assert len(history) < 30 and "EarlyStopping: val_loss did not improve for 2 epochs" in capsys.readouterr().out
    assert trainer.evaluate((x[100:], y[100:]), verbose=False)["loss"] == pytest.approx(es.best, rel=1e-5)
    with pytest.raises(KeyError, match="'val_acc' is not in the logs; available: .*val_\\* keys need"):
        gw.Trainer(small_model(), "cross_entropy", callbacks=[EarlyStopping("val_acc")]).fit(
            (x, y), epochs=1, verbose=False)


def test_terminate_on_nan(capsys):
    x, y = blobs()
    x[0] = 1e30
    model = small_model()
    trainer = gw.Trainer(model, "mse", optim.SGD(model.parameters(), lr=1e6), callbacks=[TerminateOnNaN()])
    with np.errstate(all="ignore"):
        trainer.fit((x, np.eye(3, dtype=np.float32)[y]), epochs=5, batch_size=10, verbose=False)
    assert "TerminateOnNaN: the loss became" in capsys.readouterr().out
    assert trainer.global_step < 100


def test_learning_rate_scheduler_and_csv(tmp_path):
    x, y = blobs()
    model = small_model()
    opt = optim.SGD(model.parameters(), lr=0.1)
    trainer = gw.Trainer(model, "cross_entropy", opt, callbacks=[
        LearningRateScheduler(optim.StepLR(opt, step_size=2, gamma=0.5)), CSVLogger(tmp_path / "m.csv")])
    history = trainer.fit((x, y), epochs=4, batch_size=50, verbose=False)
    assert history["lr"] == [0.1, 0.1, 0.05, 0.05]
    rows = list(csv.DictReader(open(tmp_path / "m.csv")))
    assert [r["epoch"] for r in rows] == ["1", "2", "3", "4"] and float(rows[2]["lr"]) == 0.05
    keras_style = LearningRateScheduler(lambda epoch, lr: 0.1 / (epoch + 1))
    trainer = gw.Trainer(small_model(), "cross_entropy", "sgd", callbacks=[keras_style])
    assert trainer.fit((x, y), epochs=3, verbose=False)["lr"] == pytest.approx([0.1, 0.05, 0.1 / 3])


def test_model_checkpoint_best_only(tmp_path):
    x, y = blobs()
    cb = ModelCheckpoint(tmp_path, monitor="val_accuracy", save_best_only=True)
    gw.Trainer(small_model(), "cross_entropy", "adam", metrics=["accuracy"], callbacks=[cb]).fit(
        (x, y), epochs=3, validation_split=0.2, verbose=False)
    assert (tmp_path / "best.safetensors").exists() and cb.best > 0.5


def test_tensorboard_events_read_back_with_tensorboard(tmp_path):
    pytest.importorskip("tensorboardX", reason="the TensorBoard callback needs `pip install tensorboardX`")
    ea_mod = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator",
                                 reason="reading events back needs `pip install tensorboard`")
    x, y = blobs()
    trainer = gw.Trainer(small_model(), "cross_entropy", "adam", metrics=["accuracy"],
                         callbacks=[TensorBoard(tmp_path, histogram_every_n_steps=5)])
    history = trainer.fit((x, y), epochs=2, batch_size=20, validation_split=0.2, verbose=False)
    acc = ea_mod.EventAccumulator(str(tmp_path), size_guidance={ea_mod.SCALARS: 0, ea_mod.HISTOGRAMS: 0})
    acc.Reload()
    tags = acc.Tags()
    assert {"step/loss", "epoch/loss", "epoch/val_accuracy", "epoch/lr"} <= set(tags["scalars"])
    assert {"weights/0.weight", "gradients/2.bias"} <= set(tags["histograms"])
    epoch_loss = [e.value for e in acc.Scalars("epoch/loss")]
    np.testing.assert_allclose(epoch_loss, history["loss"], rtol=1e-6)
    assert len(acc.Scalars("step/loss")) == trainer.global_step == 16
    assert [h.step for h in acc.Histograms("weights/0.weight")] == [5, 10, 15]


def test_fit_accepts_datasets_and_checks_shapes():
    x, y = blobs()
    trainer = gw.Trainer(small_model(), "cross_entropy", "adam")
    trainer.fit(ArrayDataset(x, y), epochs=1, validation_data=(x[:20], y[:20]), verbose=False)
    with pytest.raises(gw.ShapeError, match=r"Linear\(in_features=4\) got input of shape \(32, 5\)"):
        trainer.fit((np.zeros((40, 5), np.float32), y[:40]), epochs=1, verbose=False)
    with pytest.raises(ValueError, match="NaN or infinite"):
        trainer.fit((np.full((4, 4), np.nan, np.float32), y[:4]), verbose=False)


def test_progress_bar_on_a_terminal():
    import io

    from gradwise.training import ProgressBar

    class Terminal(io.StringIO):
        def isatty(self):
            return True
    screen = Terminal()
    x, y = blobs()
    trainer = gw.Trainer(small_model(), "cross_entropy", "adam", metrics=["accuracy"],
                         callbacks=[ProgressBar(stream=screen, mininterval=0)])
    trainer.fit((x, y), epochs=1, batch_size=50, verbose=False)
    text = screen.getvalue()
    assert "epoch 1/1" in text and "4/4" in text and "it/s" in text and "loss=" in text
