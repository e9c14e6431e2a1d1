from .base import Rule


class ExcessiveWeightDecay(Rule):
    """Weight decay that shrinks the weights while the loss does not go down."""
    code, phase = "excessive_weight_decay", "sample"
    thresholds = {"shrink": (0.5, "weights below half their initial norm"),
                  "stuck": (0.8, "the smoothed loss still above 80% of its start"),
                  "typical": (5e-4, "Krizhevsky et al. 2012 and He et al. 2016 use 5e-4 and 1e-4 with SGD; "
                                    "Loshchilov & Hutter 2019 use about 1e-2 (decoupled, AdamW)")}

    def check(self, rec):
        if not rec.weight_decay or not rec.grad_history or rec.smooth_loss is None or rec.step < 20:
            return None
        start, now = rec.grad_history[0][1], rec.grad_history[-1][1]
        if not (start > 0 and now < self.limit("shrink") * start and rec.smooth_loss > self.limit("stuck") *
                rec.first_loss):
            return []
        wd = rec.weight_decay
        return [self.finding(
            "warning", "", rec.step, {"weight_decay": wd, "weight_norm_start": start, "weight_norm": now},
            f"weight_decay={wd:g} has shrunk the weights to {now / start:.0%} of their initial norm while the loss "
            f"({rec.smooth_loss:.3g}) stays near its start ({rec.first_loss:.3g}): the decay term outweighs the data's "
            f"gradient and pulls every weight to zero.",
            f"Lower weight_decay to about {self.limit('typical'):g} (SGD/Adam) or 1e-2 (AdamW), 100-1000x less than "
            f"{wd:g}.")]
