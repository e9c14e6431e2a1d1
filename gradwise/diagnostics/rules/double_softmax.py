from .base import Rule


class DoubleSoftmax(Rule):
    """Probabilities (a softmax output) fed to cross_entropy, which applies log_softmax itself."""
    code, scope, phase = "double_softmax", "layer", "step"

    def check(self, rec):
        if rec.softmax_into_ce is None:
            return []
        where = rec.softmax_into_ce or "the model's output (F.softmax)"
        return [self.finding(
            "warning", rec.softmax_into_ce, rec.step, {},
            f"cross_entropy receives the output of a softmax ({where}); cross_entropy applies log_softmax itself, "
            f"so the probabilities are squashed twice: the loss cannot go below about ln(K) - 1 and the gradient "
            f"shrinks as the model gets confident.",
            "Remove the softmax from the model's forward and give cross_entropy the raw logits (apply softmax only "
            "when you need probabilities, at prediction time); or use nn.LogSoftmax with nn.NLLLoss.",
            immediate=True)]
