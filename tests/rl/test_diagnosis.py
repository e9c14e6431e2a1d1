"""The RL doctor's two findings on constructed histories, and the run logger's outputs."""
import numpy as np
import pytest

from gradwise import rl
from gradwise.diagnostics.findings import Finding


def history(entropies, value_losses, returns):
    log = rl.RunLogger()
    for i, (h, v) in enumerate(zip(entropies, value_losses)):
        log.steps = 100 * (i + 1)
        log.episode(returns[i], 20)
        log.update(entropy=h, value_loss=v, policy_loss=0.0)
    return log


def test_entropy_collapse_is_found_early_and_graded():
    n = 40
    collapsed = [0.69] * 3 + [0.01] * (n - 3)
    stalled = history(collapsed, [1.0] * n, [20.0] * n)
    f = rl.check_entropy_collapse(stalled)
    assert isinstance(f, Finding) and f.code == "policy_entropy_collapse" and f.severity == "critical"
    assert f.step == 400 and "ent_coef" in f.fix and f.evidence["update"] == 3
    improving = history(collapsed, [1.0] * n, list(np.linspace(20, 400, n)))
    assert rl.check_entropy_collapse(improving).severity == "warning"
    late = history([0.69] * 30 + [0.01] * 10, [1.0] * n, [20.0] * n)      # converging late is normal
    assert rl.check_entropy_collapse(late) is None
    assert rl.check_entropy_collapse(history([0.6] * n, [1.0] * n, [20.0] * n)) is None


def test_value_loss_explosion_needs_returns_that_do_not_improve():
    n = 40
    exploding = list(np.geomspace(1.0, 1e5, n))
    f = rl.check_value_loss_explosion(history([0.6] * n, exploding, [30.0] * n))
    assert f.code == "value_loss_explosion" and f.severity == "warning" and "learning rate" in f.fix
    assert f.evidence["value_loss_last_quarter"] > 100 * f.evidence["value_loss_first_quarter"]
    nonfinite = rl.check_value_loss_explosion(history([0.6] * n, exploding[:-1] + [float("inf")], [30.0] * n))
    assert nonfinite.severity == "critical"
    # a value loss that grows with the returns (longer episodes, larger targets) is healthy
    assert rl.check_value_loss_explosion(history([0.6] * n, exploding, list(np.linspace(10, 500, n)))) is None
    assert rl.diagnose(history([0.6] * n, [1.0] * n, [30.0] * n)) == []
    assert len(rl.diagnose(history([0.69] * 3 + [0.01] * (n - 3), exploding, [30.0] * n))) == 2


def test_logger_prints_and_writes_tensorboard(tmp_path, capsys):
    pytest.importorskip("tensorboardX", reason="TensorBoard logs need tensorboardX")
    log = rl.RunLogger(print_every=2, log_dir=tmp_path / "tb")
    for i in range(4):
        log.steps += 10
        log.update(entropy=0.5, value_loss=1.0)
        log.episode(float(i), 10)
    log.close()
    out = capsys.readouterr().out
    assert "episode     2" in out and "average(2)" in out and "entropy 0.5" in out and "value_loss 1" in out
    assert log.moving_average == 1.5 and log.summary()["episodes"] == 4
    assert any(p.name.startswith("events.out.tfevents") for p in (tmp_path / "tb").iterdir())


def test_entropy_collapse_found_in_a_real_run():
    # A2C with a learning rate 50 times too high: the policy turns deterministic within a few updates
    bad = rl.A2C.for_env(rl.CartPole(), lr=0.05, max_grad_norm=None, n_envs=4, n_steps=5, seed=0)
    findings = rl.diagnose(bad.learn(rl.CartPole(), total_steps=3000, seed=0), n_actions=2)
    assert [f.code for f in findings] == ["policy_entropy_collapse"] and findings[0].step < 1000
    good = rl.A2C.for_env(rl.CartPole(), n_envs=4, n_steps=5, seed=0)
    assert rl.diagnose(good.learn(rl.CartPole(), total_steps=3000, seed=0), n_actions=2) == []
