"""The doctor in hand-written loops (gw.diagnostics.watch) and in `gradwise run` (autowatch):
each mistake made as a user makes it, on the bundled digits, seeded."""
import numpy as np
import pytest

import gradwise as gw
import gradwise.nn.functional as F
from gradwise import nn, optim
from gradwise.data import Digits

X, Y = Digits(flatten=True).arrays


def mlp(*tail, hidden=32, seed=0):
    return nn.Sequential(nn.Linear(64, hidden, generator=seed), nn.ReLU(), nn.Linear(hidden, 10, generator=seed + 1),
                         *tail)


def loop(model, opt, steps=60, x=X, y=Y, batch=32, zero_grad=True, loss_fn=None, shuffle=True, scheduler=None,
         **watch):
    """A plain PyTorch-style training loop, watched."""
    doctor = gw.diagnostics.watch(model, opt, **watch)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(x)) if shuffle else np.arange(len(x))
    loss_fn = loss_fn or F.cross_entropy
    try:
        with np.errstate(all="ignore"):
            for step in range(steps):
                idx = order[(step * batch) % len(x):][:batch]
                xb, yb = gw.tensor(x[idx]), gw.tensor(y[idx])
                if zero_grad:
                    opt.zero_grad()
                loss = loss_fn(model(xb), yb)
                loss.backward()
                opt.step()
                if scheduler is not None:
                    scheduler.step()
    finally:
        doctor.detach()
    return doctor


def codes(doctor, at_least="warning"):
    order = ["info", "warning", "critical"]
    return {f.code for f in doctor.findings if order.index(f.severity) >= order.index(at_least)}


def test_a_healthy_hand_written_loop_is_healthy_and_reports():
    model = mlp()
    doctor = loop(model, optim.Adam(model.parameters(), lr=1e-3), steps=120)
    assert codes(doctor) == set(), doctor.report()
    assert doctor.summary() == "healthy" and doctor.report().startswith("health: healthy")
    assert doctor.rec.step == 120 and doctor.series["step"][:3] == [1, 2, 3]


def test_missing_zero_grad_is_gradient_accumulation():
    model = mlp()
    doctor = loop(model, optim.SGD(model.parameters(), lr=0.05), zero_grad=False, steps=20)
    found = [f for f in doctor.findings if f.code == "gradient_accumulation"]
    assert found and found[0].step == 2 and "zero_grad()" in found[0].fix
    model = mlp()
    assert "gradient_accumulation" not in codes(loop(model, optim.SGD(model.parameters(), lr=0.05), steps=20))


def test_softmax_before_cross_entropy_is_double_softmax_naming_the_layer():
    model = mlp(nn.Softmax(dim=1))
    doctor = loop(model, optim.Adam(model.parameters(), lr=1e-3), steps=5)
    found = [f for f in doctor.findings if f.code == "double_softmax"]
    assert found and found[0].layer == "3" and "logits" in found[0].fix


def test_evaluating_in_training_mode_names_dropout_and_batch_norm():
    model = nn.Sequential(nn.Linear(64, 32, generator=0), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.5),
                          nn.Linear(32, 10, generator=1))
    doctor = loop(model, optim.Adam(model.parameters(), lr=1e-3), steps=5)
    doctor.attach()
    with gw.no_grad():
        model(gw.tensor(X[:50]))                    # no model.eval(): predictions are random
    model.eval()
    with gw.no_grad():
        model(gw.tensor(X[:50]))
    doctor.detach()
    found = [f for f in doctor.findings if f.code == "eval_mode_mismatch"]
    assert len(found) == 1 and found[0].layer == "1, 3" and "model.eval()" in found[0].fix


def test_data_sorted_by_class_and_never_shuffled():
    order = np.argsort(Y, kind="stable")
    model = mlp()
    doctor = loop(model, optim.Adam(model.parameters(), lr=1e-3), x=X[order], y=Y[order], shuffle=False, steps=20)
    assert "unshuffled_sorted_data" in codes(doctor)
    model = mlp()
    assert "unshuffled_sorted_data" not in codes(loop(model, optim.Adam(model.parameters(), lr=1e-3), steps=20))


def test_log_of_zero_in_a_hand_written_loss_is_found_at_its_step_before_the_update():
    model = mlp()
    nn.init.normal_(model[2].weight, std=50.0, generator=0)        # confident logits: softmax underflows to 0

    def loss_fn(out, y):                                           # cross-entropy written by hand
        p = F.softmax(out, dim=1)
        return -(gw.tensor(np.eye(10, dtype=np.float32)[y.numpy()]) * p.log()).sum(1).mean()
    before = [p.numpy().copy() for p in model.parameters()]
    doctor = loop(model, optim.SGD(model.parameters(), lr=0.1), loss_fn=loss_fn, steps=1)
    found = {f.code: f for f in doctor.findings}
    assert found["nonfinite_op"].layer == "loss (Log)" and found["nonfinite_op"].step == 1
    assert "clamp" in found["nonfinite_op"].fix.lower()
    assert all(np.isfinite(b).all() for b in before)
    assert "learning_rate_too_high" not in found


def test_excessive_weight_decay():
    model = mlp()
    doctor = loop(model, optim.SGD(model.parameters(), lr=0.1, weight_decay=1.0), steps=80)
    found = [f for f in doctor.findings if f.code == "excessive_weight_decay"]
    assert found and "weight_decay=1" in found[0].explanation
    model = mlp()
    assert "excessive_weight_decay" not in codes(loop(model, optim.SGD(model.parameters(), lr=0.1,
                                                                        weight_decay=5e-4), steps=80))


def test_labels_unrelated_to_the_inputs():
    y = np.random.default_rng(1).permutation(Y)                   # labels shuffled apart from their inputs
    model = mlp()
    doctor = loop(model, optim.Adam(model.parameters(), lr=1e-3), y=y, steps=160)
    assert "labels_unrelated" in codes(doctor), doctor.report()


def test_schedule_that_kills_the_learning_rate_is_named():
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.05)
    sched = optim.StepLR(opt, step_size=1, gamma=0.5)            # meant per epoch, stepped per batch
    doctor = loop(model, opt, scheduler=sched, steps=30)
    found = [f for f in doctor.findings if f.code == "lr_schedule_kills_lr"]
    assert found and found[0].layer == "StepLR(step_size=1, gamma=0.5)" and found[0].step <= 10


def test_oscillation_after_the_loss_halved():
    model = mlp(hidden=64)                      # momentum 0.99: ten times the step of a good momentum 0.9 run
    doctor = loop(model, optim.SGD(model.parameters(), lr=0.05, momentum=0.99), steps=150)
    found = [f for f in doctor.findings if f.code == "oscillating_loss"]
    assert found and found[0].evidence["recent_mean_loss"] < 0.5 * doctor.rec.first_loss, doctor.report()
    model = mlp(hidden=64)
    assert "oscillating_loss" not in codes(loop(model, optim.SGD(model.parameters(), lr=0.05, momentum=0.9),
                                                steps=150))


class LastStep(nn.Module):
    def __init__(self, cell, hidden=16):
        super().__init__()
        self.rnn = cell(4, hidden, batch_first=True, generator=0)
        self.head = nn.Linear(hidden, 2, generator=1)

    def forward(self, x):
        return self.head(self.rnn(x)[0][:, -1])


def test_vanishing_gradients_through_time_in_an_rnn_but_not_an_lstm():
    x = np.random.default_rng(0).normal(size=(64, 60, 4)).astype(np.float32)
    y = (x[:, 0, 0] > 0).astype(np.int64)                          # the answer is at the first step
    model = LastStep(nn.RNN)
    nn.init.orthogonal_(model.rnn.weight_hh_l0, gain=0.3, generator=1)
    doctor = loop(model, optim.Adam(model.parameters(), lr=1e-3), x=x, y=y, steps=12, batch=16)
    found = [f for f in doctor.findings if f.code == "vanishing_gradients_through_time"]
    assert found and found[0].layer == "rnn" and found[0].evidence["steps"] == 60


def test_autowatch_in_gradwise_run_prints_findings_with_the_script_line(tmp_path, capsys):
    script = tmp_path / "train.py"
    script.write_text(
        "import torch\nimport torch.nn as nn\nfrom gradwise.data import Digits\n"
        "x, y = Digits(flatten=True).arrays\n"
        "model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))\n"
        "opt = torch.optim.SGD(model.parameters(), lr=0.05)\n"
        "for i in range(12):\n"
        "    loss = nn.functional.cross_entropy(model(torch.tensor(x[i * 32:(i + 1) * 32])),\n"
        "                                       torch.tensor(y[i * 32:(i + 1) * 32]))\n"
        "    loss.backward()\n"
        "    opt.step()\n")
    from gradwise import run
    from gradwise.diagnostics import auto as aw
    try:
        run.run(str(script), watch=True)
        doctors = aw.autowatch()
        assert len(doctors) == 1 and doctors[0].rec.step == 11
        found = [f for f in doctors[0].findings if f.code == "gradient_accumulation"]
        assert found and "train.py, line 11" in found[0].explanation          # its opt.step()
        aw.print_findings()
        assert "gradient_accumulation" in capsys.readouterr().out
    finally:
        aw.stop_autowatch()
        aw._STATE["doctors"].clear()
        run.uninstall()
