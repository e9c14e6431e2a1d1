import json
from pathlib import Path

import numpy as np
import pytest

import gradwise as gw
from gradwise import nn, optim

SCHEDULES = json.loads((Path(__file__).parent / "fixtures" / "schedules.json").read_text())


@pytest.mark.parametrize("name", [n for n in SCHEDULES if n != "ReduceLROnPlateau"])
def test_schedules_match_pytorch(name):
    case = SCHEDULES[name]
    opt = optim.SGD([nn.Parameter(gw.zeros(1))], lr=0.5, momentum=0.9)
    sched = getattr(optim, name)(opt, **case["kwargs"])
    lrs, moms = [], []
    for _ in case["lrs"]:
        lrs.append(opt.param_groups[0]["lr"])
        moms.append(opt.param_groups[0]["momentum"])
        sched.step() if len(lrs) < len(case["lrs"]) else None
    np.testing.assert_allclose(lrs, case["lrs"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(moms, case["momentum"], rtol=1e-9)


def test_reduce_on_plateau_matches_pytorch():
    case = SCHEDULES["ReduceLROnPlateau"]
    opt = optim.SGD([nn.Parameter(gw.zeros(1))], lr=1.0)
    sched = optim.ReduceLROnPlateau(opt, **case["kwargs"])
    lrs = []
    for m in case["metrics"]:
        sched.step(m)
        lrs.append(opt.param_groups[0]["lr"])
    assert lrs == case["lrs"]


def test_scheduler_state_round_trip():
    opt = optim.SGD([nn.Parameter(gw.zeros(1))], lr=1.0)
    s = optim.StepLR(opt, 2, 0.5)
    for _ in range(3):
        s.step()
    state = json.loads(json.dumps(s.state_dict()))          # numbers only: JSON-safe
    opt2 = optim.SGD([nn.Parameter(gw.zeros(1))], lr=1.0)
    s2 = optim.StepLR(opt2, 2, 0.5)
    s2.load_state_dict(state)
    s.step(), s2.step()
    assert s2.get_last_lr() == s.get_last_lr() == [0.25] and s2.last_epoch == s.last_epoch == 4


def test_one_cycle_overrun_is_an_error():
    opt = optim.SGD([nn.Parameter(gw.zeros(1))], lr=1.0)
    s = optim.OneCycleLR(opt, max_lr=1.0, total_steps=3)
    s.step(), s.step()
    with pytest.raises(ValueError, match="total_steps is 3"):
        s.step()
