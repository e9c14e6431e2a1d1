"""Adadelta (Zeiler 2012) with PyTorch's update rule."""
import numpy as np

from .optimizer import Optimizer, check


class Adadelta(Optimizer):
    """Step sizes from running averages of squared gradients and of squared updates.

    Update rule, per parameter p with gradient g (PyTorch's):
        g = g + weight_decay * p                 (-g first with maximize=True)
        v = rho * v + (1 - rho) * g^2
        delta = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta^2
        p = p - lr * delta

    Example:
        >>> opt = optim.Adadelta(model.parameters(), lr=1.0, rho=0.9)
    """
    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, foreach=None, capturable=False,
                 maximize=False, differentiable=False):
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize))

    def _validate(self, g):
        check("lr", g["lr"], optimizer="Adadelta")
        check("rho", g["rho"], optimizer="Adadelta")
        if g["rho"] > 1.0:
            raise ValueError(f"Adadelta: rho must be in [0, 1], got {g['rho']}")
        check("eps", g["eps"], optimizer="Adadelta")
        check("weight_decay", g["weight_decay"], optimizer="Adadelta")

    def _update(self):
        for group in self.param_groups:
            lr, rho, eps = group["lr"], group["rho"], group["eps"]
            for p, g, state in self._params_with_grad(group):
                if not state:
                    state["step"] = 0
                    state["square_avg"] = np.zeros_like(p)
                    state["acc_delta"] = np.zeros_like(p)
                state["step"] += 1
                v, u = state["square_avg"], state["acc_delta"]
                v *= rho
                v += (1 - rho) * g * g
                delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
                u *= rho
                u += (1 - rho) * delta * delta
                p -= lr * delta
