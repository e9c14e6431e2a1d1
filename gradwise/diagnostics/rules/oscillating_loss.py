import numpy as np

from ..signals import STEP_CHECK_EVERY
from .base import Rule


class OscillatingLoss(Rule):
    """Mini-batch losses swinging widely without going down: the steps overshoot the minimum.

    Checked every 10th step over the last 30 losses. A trained model's mini-batch losses are
    noisy too, so a swing counts only while the loss still reaches half of where it started
    (its recent mean or its recent peaks: an oscillation can halve the mean and keep swinging)."""
    code, phase = "oscillating_loss", "step"
    thresholds = {"window": (30, "three samples of the doctor's 10-step cadence"),
                  "cv": (0.3, "a coefficient of variation of 30% over 30 steps: Goodfellow, Bengio & Courville, "
                              "Deep Learning 8.3 (a too-large step size makes the cost oscillate)"),
                  "progress": (0.9, "the second half of the window less than 10% below the first: no progress"),
                  "reach": (0.5, "the swings still reach half the starting loss: not the noise of a trained model")}

    def check(self, rec):
        if rec.step % STEP_CHECK_EVERY or rec.first_loss is None:
            return None
        if len(rec.losses) < self.limit("window"):
            return []
        recent = np.asarray(list(rec.losses)[-self.limit("window"):], dtype=np.float64)
        if not np.isfinite(recent).all():
            return []
        half = len(recent) // 2
        mean = float(recent.mean())
        not_improving = recent[half:].mean() >= self.limit("progress") * recent[:half].mean()
        swing = float(recent.std()) / max(mean, 1e-12)
        reach = self.limit("reach") * rec.first_loss
        high = mean > reach or _percentile(recent, 90) > reach
        if not (not_improving and high and swing > self.limit("cv")):
            return []
        lr = f" (lr {rec.lr:.3g})" if rec.lr else ""
        return [self.finding(
            "warning", "", rec.step, {"recent_mean_loss": mean, "coefficient_of_variation": swing,
                                      "recent_max_loss": float(recent.max())},
            f"Over the last {len(recent)} steps the loss swings by {swing:.0%} around {mean:.3g} (up to "
            f"{recent.max():.3g}) without going down: the steps overshoot the minimum back and forth.",
            f"Lower the learning rate{lr} by 3-10x (or lower the momentum, or add a decaying schedule), or use a "
            f"larger batch.")]


def _percentile(values, q):
    """np.percentile's linear interpolation, without its machinery (50 us a call inside training)."""
    ordered = sorted(values.tolist())
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)
