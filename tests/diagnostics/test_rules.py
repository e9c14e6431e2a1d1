"""Each rule on recorded signals (gradwise.diagnostics.signals.Record): no model, milliseconds."""
import math

import numpy as np
import pytest

from gradwise import nn, optim
from gradwise.diagnostics import rules
from gradwise.diagnostics.findings import Finding, FindingBook
from gradwise.diagnostics.signals import Record


def preflight(x, model=None, **kw):
    model = model or nn.Sequential(nn.Linear(4, 3, generator=0))
    batch = {"x": x, "y": None, "out": None, "loss": None, "labels": None, "is_classifier": False, **kw}
    return Record(model=model, preflight=batch)


def test_every_rule_declares_code_phase_and_sourced_thresholds():
    codes = [r.code for r in rules.RULES]
    assert len(codes) == len(set(codes)) and all(r.phase in rules.PHASES for r in rules.RULES)
    for r in rules.RULES:
        assert r.__doc__ and all(isinstance(src, str) and len(src) > 10 for _, src in r.thresholds.values()), r


@pytest.mark.parametrize("x,flagged", [
    (np.random.default_rng(0).integers(0, 17, (32, 64)).astype(np.float32), True),   # 0..16 digit pixels
    (np.random.default_rng(0).integers(0, 256, (32, 784)).astype(np.uint8), True),   # raw uint8
    (np.random.default_rng(0).random((32, 784)).astype(np.float32), False),          # scaled to [0, 1]
    (np.random.default_rng(0).normal(size=(32, 8)).astype(np.float32), False),
])
def test_unscaled_inputs(x, flagged):
    assert bool(rules.UnscaledInputs().check(preflight(x))) == flagged


def test_integer_token_inputs_of_an_embedding_are_not_unscaled():
    model = nn.Sequential(nn.Embedding(100, 8, generator=0))
    assert rules.UnscaledInputs().check(preflight(np.arange(64).reshape(2, 32), model=model)) == []


def test_an_output_sigmoid_may_saturate_a_hidden_one_may_not():
    rec = Record(step=5, acts={"1": {"kind": "sigmoid", "saturated_fraction": 0.9},
                               "3": {"kind": "sigmoid", "saturated_fraction": 0.9, "is_output": True}})
    assert [f.layer for f in rules.SaturatedUnits().check(rec)] == ["1"]


def test_labels_unrelated_needs_a_stuck_loss_and_moving_weights():
    k = 10
    stuck = dict(n_classes=k, smooth_loss=math.log(k), step=150)
    assert rules.LabelsUnrelated().check(Record(**stuck, ratios={"0": 1e-3, "2": 2e-3}))
    assert rules.LabelsUnrelated().check(Record(**stuck, ratios={"0": 1e-7, "2": 1e-7})) == []   # lr too low
    assert rules.LabelsUnrelated().check(Record(**{**stuck, "smooth_loss": 0.5}, ratios={"0": 1e-3})) == []
    assert rules.LabelsUnrelated().check(Record(**{**stuck, "step": 50}, ratios={"0": 1e-3})) is None


def test_excessive_weight_decay_needs_shrinking_weights_and_a_stuck_loss():
    shrunk = dict(weight_decay=1.0, step=40, first_loss=2.3, smooth_loss=2.2, grad_history=[(1, 10.0), (1, 3.0)])
    assert rules.ExcessiveWeightDecay().check(Record(**shrunk))[0].evidence["weight_decay"] == 1.0
    assert rules.ExcessiveWeightDecay().check(Record(**{**shrunk, "smooth_loss": 0.3})) == []
    assert rules.ExcessiveWeightDecay().check(Record(**{**shrunk, "weight_decay": 0.0})) is None


def test_lr_schedule_is_named_when_it_kills_the_lr_early():
    model = nn.Linear(2, 2)
    opt = optim.SGD(model.parameters(), lr=0.1)
    sched = optim.StepLR(opt, step_size=1, gamma=0.1)
    rec = Record(schedulers=[sched], initial_lr=0.1, lr=1e-4, first_loss=2.3, smooth_loss=2.0, step=4)
    found = rules.LrScheduleKillsLr().check(rec)
    assert found[0].layer == "StepLR(step_size=1, gamma=0.1)" and "StepLR" in found[0].fix
    assert rules.LrScheduleKillsLr().check(Record(**{**rec.__dict__, "smooth_loss": 0.2, "losses": []})) == []


def test_unshuffled_sorted_data():
    assert rules.UnshuffledSortedData().check(Record(batch_classes=[1] * 10, labels_seen={0, 1, 2}))
    assert rules.UnshuffledSortedData().check(Record(batch_classes=[3] * 10, labels_seen={0, 1, 2})) == []
    assert rules.UnshuffledSortedData().check(Record(batch_classes=[1] * 5, labels_seen={0, 1})) is None


def test_time_step_gradients():
    vanish = Record(step=3, time_grads={"rnn": list(np.logspace(-9, 0, 50))})
    explode = Record(step=3, time_grads={"rnn": list(np.logspace(5, 0, 50))})
    healthy = Record(step=3, time_grads={"lstm": list(np.logspace(-1, 0, 50))})
    assert rules.VanishingGradientsThroughTime().check(vanish)[0].layer == "rnn"
    assert rules.ExplodingGradientsThroughTime().check(explode)[0].layer == "rnn"
    assert rules.VanishingGradientsThroughTime().check(healthy) == []
    assert rules.ExplodingGradientsThroughTime().check(healthy) == []


def test_nonfinite_op_and_its_consequences():
    log0 = Record(step=7, loss=float("nan"), nonfinite={"op": "Log", "module": "", "phase": "forward",
                                                        "cause": "log of zero", "from_updates": False})
    f = rules.NonfiniteOp().check(log0)[0]
    assert (f.layer, f.step, f.severity) == ("loss (Log)", 7, "critical") and "clamp" in f.fix
    assert rules.LearningRateTooHigh().check(log0) is None                 # not sampled, not an lr problem
    log0.nonfinite["from_updates"] = True
    assert rules.NonfiniteOp().check(log0) is None
    assert rules.LearningRateTooHigh().check(log0)[0].severity == "critical"


def test_double_softmax_gradient_accumulation_and_eval_mode():
    assert rules.DoubleSoftmax().check(Record(softmax_into_ce="3"))[0].layer == "3"
    assert rules.DoubleSoftmax().check(Record()) == []
    assert rules.GradientAccumulation().check(Record(grads_not_zeroed=True, step=2))[0].step == 2
    assert rules.EvalModeMismatch().check(Record(eval_in_train_mode=["1", "3"]))[0].layer == "1, 3"


def test_findings_say_epoch_for_epoch_rules_and_immediate_ones_keep_their_step():
    epochs = [{"loss": 2.0 - 0.1 * i, "val_loss": v} for i, v in enumerate([1.0, 0.8, 0.9, 1.0, 1.1])]
    f = rules.Overfitting().check(Record(epochs=epochs))[0]
    assert f.unit == "epoch" and "(since epoch 3)" in str(f)
    book = FindingBook(patience=3)
    book.signal(Finding("exploding_gradients", "warning", "", 1))       # a streak begins at step 1 ...
    late = book.signal(Finding("exploding_gradients", "critical", "rnn", 187), immediate=True)
    assert late.step == 187 and "since step 187" in str(late)
    book.signal(Finding("dead_relus", "info", "1", 5), immediate=True)
    up = book.signal(Finding("dead_relus", "warning", "1", 40), immediate=True)
    assert up.step == 40 and up.evidence["first_seen_step"] == 5
