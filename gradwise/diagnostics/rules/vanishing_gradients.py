import math

from .base import Rule


class VanishingGradients(Rule):
    """The input layer's gradient RMS orders of magnitude below the output layer's."""
    code, scope = "vanishing_gradients", "layer"
    thresholds = {"warn": (1e-3, "Hochreiter (1991); Glorot & Bengio (2010): first/last layer gradient RMS 1e-3"),
                  "critical": (1e-5, "the same ratio at 1e-5: the lowest layers do not learn at all")}

    def check(self, rec):
        order = rec.ordered(list(rec.grads))
        if len(order) < 3:
            return []
        top = rec.grads[order[-1]]["grad_rms"]
        if not top > 0:
            return []
        rel = {n: rec.grads[n]["grad_rms"] / top for n in order}
        low = [n for n in order[:-1] if rel[n] < self.limit("warn")]
        if rel[order[0]] >= self.limit("warn") or not low:
            return []
        ratios = rec.ratios
        orders = -math.log10(max(rel[order[0]], 1e-300))
        return [self.finding(
            "critical" if rel[order[0]] < self.limit("critical") else "warning",
            ", ".join(low[:3]) + (f" and {len(low) - 3} more" if len(low) > 3 else ""), rec.step,
            {"relative_grad_rms": {n: rel[n] for n in order}, "update_ratio": {n: ratios.get(n) for n in order}},
            f"The gradient shrinks by {orders:.1f} orders of magnitude from the output layer {order[-1]} to the input "
            f"layer {order[0]}: the lowest layers barely change (update/weight ratio "
            f"{ratios.get(order[0], float('nan')):.2g} against {ratios.get(order[-1], float('nan')):.2g} at the top).",
            "Use ReLU-family activations with He initialisation (nn.init.kaiming_normal_), add batch normalisation or "
            "residual connections, or make the network shallower.")]
