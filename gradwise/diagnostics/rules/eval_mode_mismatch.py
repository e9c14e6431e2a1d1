from .base import Rule


class EvalModeMismatch(Rule):
    """The model runs under no_grad (evaluation) with dropout or batch norm still in training mode."""
    code, scope, phase = "eval_mode_mismatch", "layer", "forward"

    def check(self, rec):
        layers = rec.eval_in_train_mode
        if not layers:
            return None
        names = ", ".join(layers[:3]) + (f" and {len(layers) - 3} more" if len(layers) > 3 else "")
        return [self.finding(
            "warning", names, rec.step, {"layers": list(layers)},
            f"The model was evaluated (under no_grad) while still in training mode: {names} behave as in "
            f"training (dropout drops units at random, batch norm uses the batch's statistics and updates its "
            f"running averages), so two identical predictions disagree and the evaluation is wrong.",
            "Call model.eval() before evaluating or predicting, and model.train() before training again.",
            immediate=True)]
