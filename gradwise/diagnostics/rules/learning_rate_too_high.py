import statistics

from .base import Rule
from .learning_rate_too_low import KARPATHY, usable_ratios


class LearningRateTooHigh(Rule):
    """The median update/weight ratio far above 1e-3, or weights that overflowed after updates."""
    code, phase = "learning_rate_too_high", "step"
    thresholds = {"update_ratio": (1e-1, KARPATHY + "; 100x above it each step rewrites the weights")}

    def check(self, rec):
        n = rec.nonfinite
        if n and n.get("from_updates"):
            return [self.finding("critical", "", rec.step, {"first_nonfinite": n["module"] or f"loss ({n['op']})"},
                                 "The weights or activations grew with every update until they overflowed "
                                 f"({n['op']} in {n['module'] or 'the loss'}): the learning rate is far too high.", "Lower the learning rate by 10x or more (trainer.find_lr(data) suggests "
                                 "one).", immediate=True)]
        if not rec.sampled:
            return None
        finite = usable_ratios(rec)
        median = statistics.median(finite) if finite else None
        if median is None or median <= self.limit("update_ratio"):
            return []
        return [self.finding(
            "warning", "", rec.step, {"median_update_ratio": median},
            f"The median update/weight ratio is {median:.2g} (healthy is about 1e-3): each step rewrites a large part "
            f"of the weights.", "Lower the learning rate by 10x, or run trainer.find_lr(data).")]
