from ... import nn
from .base import Rule


class StepActivation(Rule):
    """A step (Heaviside) activation: zero gradient everywhere."""
    code, scope, phase = "step_activation", "layer", "preflight"

    def check(self, rec):
        return [self.finding(
            "warning", name, 0, {}, "A step activation has a zero gradient everywhere, so no layer below it can "
            "learn by backpropagation.", "Use sigmoid or ReLU (the perceptron rule, not backpropagation, trains step "
            "units).", immediate=True) for name, m in rec.model.named_modules() if isinstance(m, nn.Step)]
