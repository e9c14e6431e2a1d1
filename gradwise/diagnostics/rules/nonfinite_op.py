from .base import Rule

FIXES = {"Log": "Clamp the argument of the log (x.clamp(min=1e-7).log()) or use a fused, stable loss "
                "(F.cross_entropy on logits, F.binary_cross_entropy_with_logits).",
         "Div": "Add a small epsilon to the denominator.",
         "Sqrt": "Clamp the argument of the square root at a small positive value.",
         "Exp": "Subtract the maximum before exp (or use log_softmax / logsumexp).",
         "Pow": "Keep the base away from 0 for negative powers, and the values small."}


class NonfiniteOp(Rule):
    """The first operation that produced NaN/inf, found at the step where it happened, before the
    optimizer wrote it into the weights."""
    code, scope, phase = "nonfinite_op", "layer", "step"

    def check(self, rec):
        n = rec.nonfinite
        if not n or n.get("from_updates"):
            return None
        where = n["module"] or "the loss (outside the model)"
        return [self.finding(
            "critical", n["module"] or f"loss ({n['op']})", rec.step, {"op": n["op"], "phase": n["phase"]},
            f"At step {rec.step} the {n['phase']} pass of {n['op']} in {where} produced the first NaN/inf, from "
            f"finite inputs: {n['cause']}. The weights were still finite; the optimizer would have written the NaN "
            f"into them.", FIXES.get(n["op"], "Run this step under gw.detect_anomaly() and keep the values of "
                                              f"{n['op']} in range."), immediate=True)]
