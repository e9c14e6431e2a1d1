"""The RL doctor: two failures of policy-gradient and value-based training, read from a run's
history (a RunLogger) and reported as gradwise.diagnostics Findings.

- ``policy_entropy_collapse``: the policy's entropy falls to a small fraction of its starting
  value early in the run: the agent stopped exploring before it learned (premature convergence;
  Williams & Peng 1991, Mnih et al. 2016 add an entropy bonus against it).
- ``value_loss_explosion``: the critic's loss grows by orders of magnitude while the episode
  return does not improve: the value targets run away (too high a learning rate, unscaled
  rewards, no target network or gradient clipping), and the policy learns from noise.
"""
import math

import numpy as np

from ..diagnostics.findings import Finding


def _series(logger, key):
    pairs = [(s, v) for s, v in zip(logger.updates["step"], logger.updates[key]) if v is not None]
    return np.array([p[0] for p in pairs], dtype=np.int64), np.array([p[1] for p in pairs], dtype=np.float64)


def _return_before(logger, step, window=20):
    """Mean return of the last ``window`` episodes that ended by ``step`` (nan if none)."""
    ended = [r for r, s in zip(logger.episode_returns, logger.episode_steps) if s <= step][-window:]
    return float(np.mean(ended)) if ended else float("nan")


def check_entropy_collapse(logger, fraction=0.1, early=0.25, n_actions=None):
    """A Finding if the entropy drops below ``fraction`` of its first value (or of log(n_actions))
    within the first ``early`` of the updates; critical if the return did not improve after."""
    steps, ent = _series(logger, "entropy")
    if len(ent) < 8:
        return None
    start = math.log(n_actions) if n_actions else float(np.mean(ent[:3]))
    low = np.flatnonzero(ent[: max(1, int(early * len(ent)))] < fraction * start)
    if start <= 0 or not len(low):
        return None
    i = int(low[0])
    at, last = _return_before(logger, steps[i]), _return_before(logger, steps[-1])
    stalled = not (last > at + 0.1 * abs(at) + 1e-9)
    return Finding(
        code="policy_entropy_collapse", severity="critical" if stalled else "warning", layer="policy",
        step=int(steps[i]),
        evidence={"initial_entropy": round(start, 4), "entropy": round(float(ent[i]), 4),
                  "update": i, "updates": len(ent), "return_then": at, "return_at_end": last},
        explanation=(f"The policy's entropy fell from {start:.3g} to {ent[i]:.3g} nats by env step {steps[i]} "
                     f"(update {i} of {len(ent)}): it became nearly deterministic early and stopped exploring"
                     + (f"; the return has not improved since ({at:.4g} then, {last:.4g} at the end)." if stalled
                        else ".")),
        fix="Add or raise the entropy bonus (ent_coef 0.01), lower the policy's learning rate, or normalise "
            "the advantages so that one large return does not push the policy to a single action.")


def check_value_loss_explosion(logger, factor=100.0):
    """A Finding if the value loss of the last quarter of updates exceeds ``factor`` times that of
    the first quarter (or is not finite) while the return did not improve between them."""
    steps, loss = _series(logger, "value_loss")
    if len(loss) < 8:
        return None
    q = len(loss) // 4
    first, last = float(np.median(loss[:q])), float(np.median(loss[-q:]))
    finite = bool(np.all(np.isfinite(loss[-q:])))
    if finite and not last > factor * max(first, 1e-12):
        return None
    r_first, r_last = _return_before(logger, steps[q - 1]), _return_before(logger, steps[-1])
    if r_last > r_first + 0.1 * abs(r_first) + 1e-9:
        return None
    return Finding(
        code="value_loss_explosion", severity="critical" if not finite else "warning", layer="value",
        step=int(steps[-q]),
        evidence={"value_loss_first_quarter": first, "value_loss_last_quarter": last,
                  "return_first_quarter": r_first, "return_last_quarter": r_last},
        explanation=(f"The value loss grew from {first:.3g} to {last:.3g} (median of the first and last quarter "
                     f"of updates) while the episode return did not improve ({r_first:.4g} -> {r_last:.4g}): "
                     "the critic's targets are running away and the policy learns from its noise."),
        fix="Lower the learning rate, clip gradients (max_grad_norm), scale or clip the rewards, and for DQN "
            "update the target network less often; a Huber loss instead of squared error bounds the updates.")


def diagnose(logger, n_actions=None):
    """All RL findings of a run (a list, empty when healthy)."""
    found = [check_entropy_collapse(logger, n_actions=n_actions), check_value_loss_explosion(logger)]
    return [f for f in found if f is not None]
