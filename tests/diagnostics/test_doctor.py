"""The training doctor's acceptance scenarios (issue 5), on the bundled digits and small
synthetic data, seeded; plus its parts."""
import json

import numpy as np
import pytest

import gradwise as gw
from gradwise import models, nn, optim
from gradwise.data import Digits
from gradwise.diagnostics import AnomalyError, Finding, check_gradients
from gradwise.diagnostics.report import write_report

X, Y = Digits(flatten=True).arrays


def fit(model, opt, x=X, y=Y, loss="cross_entropy", **kw):
    trainer = gw.Trainer(model, loss, opt, metrics=kw.pop("metrics", None), clip_grad_norm=kw.pop("clip", None),
                         run_dir=kw.pop("run_dir", None))
    with np.errstate(all="ignore"):
        history = trainer.fit((x, y), epochs=kw.pop("epochs", 1), batch_size=kw.pop("batch_size", 32),
                              verbose=False, **kw)
    return history


def codes(history, at_least="warning"):
    order = ["info", "warning", "critical"]
    return {(f.code, f.severity) for f in history.findings if order.index(f.severity) >= order.index(at_least)}


def deep_mlp(act, depth=20, width=32, he_bn=False):
    rng = np.random.default_rng(0)
    layers, w = [], 64
    for _ in range(depth):
        lin = nn.Linear(w, width, generator=rng)
        if he_bn:
            nn.init.kaiming_normal_(lin.weight, nonlinearity="relu", generator=rng)
            nn.init.zeros_(lin.bias)
        layers += [lin] + ([nn.BatchNorm1d(width)] if he_bn else []) + [act()]
        w = width
    return nn.Sequential(*layers, nn.Linear(w, 10, generator=rng))


def test_1_vanishing_gradients_in_a_deep_sigmoid_mlp():
    model = deep_mlp(nn.Sigmoid)
    h = fit(model, optim.SGD(model.parameters(), lr=0.1))
    vanish = [f for f in h.findings if f.code == "vanishing_gradients"]
    assert vanish and vanish[0].severity == "critical" and vanish[0].step <= 57      # within the first epoch
    assert vanish[0].layer.startswith("0, 2, 4")                                     # the lowest layers
    assert "orders of magnitude" in vanish[0].explanation and "ReLU" in vanish[0].fix
    healthy = deep_mlp(nn.ReLU, he_bn=True)
    assert not [f for f in fit(healthy, optim.SGD(healthy.parameters(), lr=0.1)).findings
                if f.code == "vanishing_gradients"]


def test_2_zero_initialisation_is_reported_before_training():
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    for p in model.parameters():
        nn.init.zeros_(p)
    h = fit(model, optim.SGD(model.parameters(), lr=0.1))
    sym = [f for f in h.findings if f.code == "symmetric_initialization"]
    assert {f.layer for f in sym} == {"0", "2"} and all(f.step == 0 and f.severity == "critical" for f in sym)
    assert "identical forever" in sym[0].explanation or "stay identical forever" in sym[0].explanation


def test_3_learning_rate_of_10_diverges_and_names_the_first_non_finite_op():
    model = nn.Sequential(nn.Linear(64, 32, generator=0), nn.LeakyReLU(), nn.Linear(32, 10, generator=2))
    h = fit(model, optim.SGD(model.parameters(), lr=10), y=np.eye(10, dtype=np.float32)[Y], loss="mse")
    found = {f.code: f for f in h.findings}
    assert found["diverging_loss"].severity == "critical"
    assert found["learning_rate_too_high"].severity == "critical"
    # found at the step the loss overflowed, before the update wrote inf into the weights: the MSE of outputs
    # that grew without bound (not a later layer whose weights were already NaN)
    assert found["diverging_loss"].layer == "loss (MSE)" and found["diverging_loss"].step == 20
    assert "overflowed" in found["diverging_loss"].explanation
    assert found["learning_rate_too_high"].step == found["diverging_loss"].step
    assert "nonfinite_op" not in found                      # an lr problem, not an op fed bad values


class RNNClassifier(nn.Module):
    def __init__(self, gain):
        super().__init__()
        self.rnn = nn.RNN(4, 32, batch_first=True, generator=0)
        nn.init.orthogonal_(self.rnn.weight_hh_l0, gain=gain, generator=1)    # large recurrent weights
        self.head = nn.Linear(32, 2, generator=2)

    def forward(self, x):
        return self.head(self.rnn(x)[1][0])


def test_4_exploding_gradients_in_a_tanh_rnn_and_clipping_cures_them():
    x = np.random.default_rng(0).normal(0, 0.01, size=(128, 100, 4)).astype(np.float32)
    y = (x[:, :10, 0].sum(1) > 0).astype(np.int64)
    model = RNNClassifier(gain=3.0)
    h = fit(model, optim.SGD(model.parameters(), lr=1e-3), x=x, y=y)
    exploding = [f for f in h.findings if f.code == "exploding_gradients"]
    assert exploding and exploding[0].layer == "rnn" and exploding[0].step == 1
    model = RNNClassifier(gain=3.0)
    assert not [f for f in fit(model, optim.SGD(model.parameters(), lr=1e-3), x=x, y=y, clip=1.0).findings
                if f.code == "exploding_gradients"]


def test_5_dead_relus_from_negative_biases():
    model = nn.Sequential(nn.Linear(64, 64, generator=0), nn.ReLU(), nn.Linear(64, 64, generator=1), nn.ReLU(),
                          nn.Linear(64, 10, generator=2))
    nn.init.constant_(model[2].bias, -5.0)
    dead = [f for f in fit(model, "adam").findings if f.code == "dead_relus"]
    assert [f.layer for f in dead] == ["3"] and dead[0].severity == "warning"
    assert dead[0].evidence["dead_fraction"] > 0.9


def test_6_overfitting_with_the_epoch_it_began():
    model = nn.Sequential(nn.Linear(64, 512, generator=0), nn.ReLU(), nn.Linear(512, 512, generator=1), nn.ReLU(),
                          nn.Linear(512, 10, generator=2))
    h = fit(model, "adam", x=X[:50], y=Y[:50], epochs=200, batch_size=50, metrics=["accuracy"],
            validation_data=(X[1000:1400], Y[1000:1400]))
    over = [f for f in h.findings if f.code == "overfitting"]
    assert over
    best = int(np.argmin(h["val_loss"][:over[0].evidence["best_epoch"] + 3]))
    assert over[0].step == over[0].evidence["best_epoch"] + 1 == best + 2
    assert f"Since epoch {over[0].step}" in over[0].explanation


def test_7_learning_rate_too_low():
    model = nn.Sequential(nn.Linear(64, 64, generator=0), nn.ReLU(), nn.Linear(64, 10, generator=2))
    assert ("learning_rate_too_low", "warning") in codes(fit(model, optim.Adam(model.parameters(), lr=1e-7)))


def test_8_healthy_lenet5_and_lstm_report_nothing_above_info():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, 512)
    x = rng.normal(0, 0.3, size=(512, 1, 28, 28)).astype(np.float32)
    for i, c in enumerate(y):                     # a bright bar whose place encodes the class
        x[i, 0, (c // 5) * 12 + 2:(c // 5) * 12 + 10, (c % 5) * 5 + 1:(c % 5) * 5 + 5] += 1.0
    lenet = models.lenet5(generator=0)
    h = fit(lenet, optim.Adam(lenet.parameters(), lr=1e-3), x=x, y=y, epochs=2, metrics=["accuracy"])
    assert codes(h) == set() and h["accuracy"][-1] > 0.5

    class LSTMClassifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(8, 32, batch_first=True, generator=0)
            self.head = nn.Linear(32, 4, generator=1)

        def forward(self, s):
            return self.head(self.lstm(s)[1][0][-1])
    s = rng.normal(size=(512, 20, 8)).astype(np.float32)
    t = (s[:, :, 0].sum(1) > 0).astype(np.int64) * 2 + (s[:, :, 1].sum(1) > 0)
    model = LSTMClassifier()
    assert codes(fit(model, optim.Adam(model.parameters(), lr=3e-3), x=s, y=t, epochs=3)) == set()


@pytest.mark.parametrize("case,code", [
    ("raw_pixels", "unscaled_inputs"), ("bad_labels", "labels_out_of_range"), ("imbalance", "class_imbalance"),
    ("big_output", "initial_loss_too_high"), ("step", "step_activation"), ("nan", "nonfinite_inputs"),
])
def test_preflight_checks(case, code):
    x, y = X.copy(), Y.copy()
    model = nn.Sequential(nn.Linear(64, 32, generator=0), nn.ReLU(), nn.Linear(32, 10, generator=1))
    if case == "raw_pixels":
        x = x * 255
    elif case == "bad_labels":
        model = nn.Sequential(nn.Linear(64, 32, generator=0), nn.ReLU(), nn.Linear(32, 8, generator=1))
    elif case == "imbalance":
        keep = np.concatenate([np.flatnonzero(Y == 0), np.flatnonzero(Y == 1)[:10]])
        x, y = x[keep], y[keep]
    elif case == "big_output":
        nn.init.normal_(model[2].weight, std=10.0, generator=0)
    elif case == "step":
        model = nn.Sequential(nn.Linear(64, 32, generator=0), nn.Step(), nn.Linear(32, 10, generator=1))

    trainer = gw.Trainer(model, "cross_entropy", "adam")
    if case == "nan":
        from gradwise.diagnostics.callback import Diagnostics
        diag = Diagnostics(verbose=False)
        diag.trainer = trainer
        trainer.train_data, trainer.batch_size = gw.data.Subset(gw.data.ArrayDataset(x, y), np.arange(64)), 32
        trainer.train_data.dataset.arrays[0][3, 5] = np.nan
        diag.on_train_begin({})
        found = diag.book.findings
    else:
        try:
            trainer.fit((x, y), epochs=1, verbose=False)
        except ValueError:
            pass                                  # out-of-range labels stop training; the doctor spoke first
        found = trainer.callbacks[-1].book.findings
    assert code in {f.code for f in found}, [f.code for f in found]
    assert all(f.step == 0 for f in found if f.code == code)


def test_findings_reach_history_console_json_and_tensorboard(tmp_path, capsys):
    pytest.importorskip("tensorboardX")
    model = nn.Sequential(nn.Linear(64, 64, generator=0), nn.ReLU(), nn.Linear(64, 10, generator=2))
    trainer = gw.Trainer(model, "cross_entropy", optim.Adam(model.parameters(), lr=1e-7), run_dir=tmp_path,
                         callbacks=[gw.training.TensorBoard(tmp_path / "tb")])
    history = trainer.fit((X, Y), epochs=1)
    out = capsys.readouterr().out
    assert "health: 1 warning" in out and "learning_rate_too_low" in out
    assert [f.code for f in history.findings] == ["learning_rate_too_low"]
    saved = json.loads((tmp_path / "findings.json").read_text())
    assert saved[0]["code"] == "learning_rate_too_low" and saved[0]["fix"]
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    acc = EventAccumulator(str(tmp_path / "tb"))
    acc.Reload()
    assert "findings/learning_rate_too_low/text_summary" in acc.Tags()["tensors"]
    scalars = acc.Tags()["scalars"]                      # per-layer signals of the sampled steps
    assert {"doctor/grad_rms/0", "doctor/update_ratio/2", "doctor/units_off/1"} <= set(scalars)
    assert [e.step for e in acc.Scalars("doctor/grad_rms/0")][:3] == [1, 2, 3]


def test_saturated_sigmoid_units():
    model = nn.Sequential(nn.Linear(64, 64, generator=0), nn.Sigmoid(), nn.Linear(64, 10, generator=1))
    nn.init.normal_(model[0].weight, std=10.0, generator=0)      # pre-activations far out on both tails
    sat = [f for f in fit(model, "adam").findings if f.code == "saturated_units"]
    assert sat and sat[0].layer == "1"


def test_detect_anomaly_forward_and_backward():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    with gw.no_grad():
        model[2].weight.numpy()[0, 0] = np.inf
    with pytest.raises(AnomalyError, match=r"forward: .* inside 2 \(Linear\) produced non-finite values.*'weight'"):
        with gw.detect_anomaly(model):
            model(gw.ones(2, 3))
    x = gw.tensor([0.0, 1.0], requires_grad=True)
    with np.errstate(all="ignore"), pytest.raises(AnomalyError, match="forward: Log .*log of zero"):
        with gw.detect_anomaly():
            x.log()
    y = gw.tensor([0.0, 4.0], requires_grad=True)
    with np.errstate(all="ignore"), pytest.raises(AnomalyError, match="backward: Sqrt") as err:
        with gw.detect_anomaly():
            y.sqrt().sum().backward()
    assert err.value.phase == "backward"
    model(gw.ones(1, 3))                      # outside the context nothing is checked


def test_check_gradients_grades_layers():
    x, y = Digits().arrays
    report = check_gradients(models.cnn((1, 8, 8), 10, generator=0), x[:4], y[:4], nn.CrossEntropyLoss(),
                             verbose=False)
    assert [r["grade"] for r in report] == ["good"] * 6

    class Broken(nn.Module):                  # a layer with a wrong hand-written backward
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(gw.ones(64, 10))

        def forward(self, x):
            return WrongMatMul.apply(x, self.w)

    class WrongMatMul(gw.Function):
        def forward(self, a, b):
            self.save_for_backward(a, b)
            return a @ b

        def backward(self, g):
            a, b = self.saved
            return g @ b.T, 0.5 * (a.T @ g)
    report = check_gradients(Broken(), X[:4], Y[:4], nn.CrossEntropyLoss(), verbose=False)
    assert report[0]["grade"] == "wrong"


def test_find_lr_suggests_a_sensible_rate_and_restores_the_model():
    model = models.mlp((64,), 10, hidden=(32,), generator=0)
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    trainer = gw.Trainer(model, "cross_entropy", "sgd")
    result = trainer.find_lr((X, Y), num_iter=150)
    assert 1e-3 < result.suggestion < 3.0
    assert all(np.array_equal(before[k], v.numpy()) for k, v in model.state_dict().items())


def test_doctor_report_with_and_without_matplotlib(tmp_path, monkeypatch):
    model = nn.Sequential(nn.Linear(64, 64, generator=0), nn.ReLU(), nn.Linear(64, 10, generator=2))
    trainer = gw.Trainer(model, "cross_entropy", optim.Adam(model.parameters(), lr=1e-7), run_dir=tmp_path,
                         callbacks=[gw.training.CSVLogger(tmp_path / "metrics.csv")])
    trainer.fit((X, Y), epochs=2, verbose=False)
    pytest.importorskip("matplotlib")
    path, summary, drew = write_report(tmp_path)
    page = path.read_text()
    assert drew and page.count("data:image/png;base64,") == 4 and "learning_rate_too_low" in page
    assert "[warning] learning_rate_too_low" in summary
    import builtins
    real_import = builtins.__import__
    monkeypatch.setattr(builtins, "__import__", lambda name, *a, **k: (_ for _ in ()).throw(ImportError(name))
                        if name.startswith("matplotlib") else real_import(name, *a, **k))
    path, _, drew = write_report(tmp_path)
    assert not drew and "pip install 'gradwise[plots]'" in path.read_text() and "base64" not in path.read_text()


def test_doctor_command(tmp_path, capsys):
    from gradwise import cli
    assert cli.main(["train", "--epochs", "1", "--out", str(tmp_path), "--name", "r", "--quiet"]) == 0
    assert cli.main(["doctor", str(tmp_path / "r")]) == 0
    assert "report:" in capsys.readouterr().out and (tmp_path / "r" / "report.html").exists()
    assert cli.main(["doctor", str(tmp_path)]) == 2
    assert "no findings.json" in capsys.readouterr().err


def test_finding_validates_severity():
    with pytest.raises(ValueError, match="severity must be one of"):
        Finding("x", "bad", "", 0)


def test_oscillating_loss_is_a_too_high_learning_rate_but_noise_near_convergence_is_not():
    from gradwise.diagnostics.rules import OscillatingLoss
    from gradwise.diagnostics.signals import Record
    rng = np.random.default_rng(0)

    def check(losses):
        return OscillatingLoss().check(Record(step=30, losses=losses, first_loss=2.3))
    bouncing = list(2.0 + 1.5 * np.sin(np.arange(30) * 2.5) + rng.normal(0, 0.1, 30))
    found = check(bouncing)
    assert found and found[0].code == "oscillating_loss" and "swings" in found[0].explanation
    converged = list(np.abs(rng.normal(0.05, 0.04, 30)))          # small and noisy: trained, not oscillating
    assert check(converged) == []
    descending = list(np.linspace(2.3, 1.0, 30) + rng.normal(0, 0.5, 30))
    assert check(descending) == []
    halved = list(0.9 + 0.6 * np.sin(np.arange(30) * 2.5))      # the mean halved, the swings did not
    assert check(halved) and check(halved)[0].code == "oscillating_loss"


def test_underfitting_after_three_epochs_at_chance():
    model = nn.Sequential(nn.Linear(64, 64, generator=0), nn.Tanh(), nn.Linear(64, 10, generator=2))
    h = fit(model, optim.SGD(model.parameters(), lr=5.0), epochs=3, metrics=["accuracy"])
    under = [f for f in h.findings if f.code == "underfitting"]
    assert under and under[0].step == 3 and "about chance (1/10)" in under[0].explanation


def test_update_ratio_rule_reports_after_warmup_too():
    """The oscillation check shares the learning_rate_too_high code; it must not reset the
    update-ratio rule's streak (both run on every 10th step after warm-up)."""
    from gradwise.diagnostics.callback import Diagnostics
    model = nn.Sequential(nn.Linear(64, 64, generator=0), nn.Tanh(), nn.Linear(64, 10, generator=2))
    trainer = gw.Trainer(model, "cross_entropy", optim.SGD(model.parameters(), lr=2.0),
                         callbacks=[Diagnostics(warmup=1, verbose=False)])
    with np.errstate(all="ignore"):
        history = trainer.fit((X[:640], Y[:640]), epochs=2, verbose=False)
    high = [f for f in history.findings if f.code == "learning_rate_too_high"]
    assert high and high[0].step == 1 and "median_update_ratio" in high[0].evidence


def test_finding_book_needs_consecutive_signals_keyed_by_code_for_model_wide_findings():
    from gradwise.diagnostics.findings import FindingBook
    book = FindingBook(patience=3)
    for step, layers in [(1, "0, 2"), (2, "0, 2, 4")]:          # the layer list changes; the signal does not
        assert book.signal(Finding("vanishing_gradients", "warning", layers, step)) is None
    book.clear("vanishing_gradients")                           # a quiet sample: the streak starts over
    for step in (4, 5):
        assert book.signal(Finding("vanishing_gradients", "warning", "0", step)) is None
    found = book.signal(Finding("vanishing_gradients", "warning", "0, 2", 6))
    assert found is not None and found.step == 4
    book.signal(Finding("dead_relus", "warning", "1", 7))       # per-layer findings keep per-layer streaks
    book.clear("dead_relus", "3")
    book.signal(Finding("dead_relus", "warning", "1", 8))
    assert book.signal(Finding("dead_relus", "warning", "1", 9)).layer == "1"
