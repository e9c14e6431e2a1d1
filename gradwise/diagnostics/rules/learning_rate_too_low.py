import math

from .base import Rule

KARPATHY = "Karpathy, CS231n Neural Networks Part 3 (babysitting the learning): update/weight ratio about 1e-3"


def usable_ratios(rec, meaningful=1e-3):
    """Update/weight ratios of layers whose weights are not (near) zero: others say nothing about the step."""
    return [r for n, r in rec.ratios.items() if math.isfinite(r) and n in rec.grads
            and rec.grads[n]["weight_rms"] > meaningful]


class LearningRateTooLow(Rule):
    """Every layer's update/weight ratio far below 1e-3, while the gradient is not negligible."""
    code = "learning_rate_too_low"
    thresholds = {"update_ratio": (1e-5, KARPATHY + "; 100x below it the weights hardly move"),
                  "gradient_present": (1e-4, "gradient RMS / weight RMS above this: tiny updates then mean a tiny "
                                             "learning rate, not a dead or vanishing layer")}

    def check(self, rec):
        finite = usable_ratios(rec)
        if not finite:
            return []
        top = max(finite)
        present = max((g["grad_rms"] / g["weight_rms"] for g in rec.grads.values() if g["weight_rms"] > 1e-3),
                      default=0.0) > self.limit("gradient_present")
        if top >= self.limit("update_ratio") or not present:
            return []
        return [self.finding(
            "warning", "", rec.step, {"max_update_ratio": top},
            f"The largest update/weight ratio is {top:.2g} (healthy is about 1e-3): the weights hardly move, and "
            f"training will crawl.", "Raise the learning rate by 10-100x, or run trainer.find_lr(data).")]
