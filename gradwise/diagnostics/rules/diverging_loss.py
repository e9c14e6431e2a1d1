import math

from .base import Rule


class DivergingLoss(Rule):
    """A non-finite loss, or a smoothed loss three times where it started."""
    code, phase = "diverging_loss", "step"
    thresholds = {"growth": (3.0, "a smoothed loss 3x its start after 10 steps has left the basin it started in")}

    def check(self, rec):
        loss = rec.loss
        if loss is None:
            return None
        if not math.isfinite(loss):
            f = self.finding("critical", "", rec.step, {"loss": str(loss)},
                             "The loss became NaN or infinite: training diverged.",
                             "Lower the learning rate (a 10x lower value is a good start), clip gradients, and run "
                             "under gw.detect_anomaly() to see the first operation that failed.", immediate=True)
            n = rec.nonfinite
            if n:
                f.layer = n["module"] or f"loss ({n['op']})"
                f.evidence.update({"op": n["op"], "cause": n["cause"]})
                f.explanation += f" The first non-finite output came from {n['op']} in {n['module'] or 'the loss'}: " \
                                 f"{n['cause']}."
            return [f]
        first, smooth = rec.first_loss, rec.smooth_loss
        if first is None or smooth is None or rec.step < 10 or smooth <= self.limit("growth") * max(first, 1e-8):
            return []
        return [self.finding("warning", "", rec.step, {"first_loss": first, "smoothed_loss": smooth},
                             f"The loss has grown from {first:.3g} to {smooth:.3g}: training is diverging.",
                             "Lower the learning rate.")]
