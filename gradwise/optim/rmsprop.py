"""RMSprop and Adagrad (PyTorch's rules)."""
import numpy as np

from .optimizer import Optimizer, check


class RMSprop(Optimizer):
    """Divide the gradient by a running root mean square of its recent values (Hinton).

    Update rule (PyTorch's):
        g = g + weight_decay * p;   s = alpha * s + (1 - alpha) * g^2
        centered: a = alpha * a + (1 - alpha) * g;  d = sqrt(s - a^2) + eps,  else d = sqrt(s) + eps
        momentum > 0: b = momentum * b + g / d;  p = p - lr * b,   else p = p - lr * g / d
    """
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False,
                 maximize=False):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered, maximize=maximize))

    def _validate(self, g):
        for name in ("lr", "alpha", "eps", "weight_decay", "momentum"):
            check(name, g[name], optimizer="RMSprop")

    def _update(self):
        for group in self.param_groups:
            lr, alpha, eps, mom = (group[k] for k in ("lr", "alpha", "eps", "momentum"))
            for p, g, state in self._params_with_grad(group):
                if not state:
                    state["step"], state["square_avg"] = 0, np.zeros_like(p)
                    if mom:
                        state["momentum_buffer"] = np.zeros_like(p)
                    if group["centered"]:
                        state["grad_avg"] = np.zeros_like(p)
                state["step"] += 1
                s = state["square_avg"]
                s *= alpha
                s += (1 - alpha) * g * g
                if group["centered"]:
                    a = state["grad_avg"]
                    a *= alpha
                    a += (1 - alpha) * g
                    denom = np.sqrt(s - a * a) + eps
                else:
                    denom = np.sqrt(s) + eps
                if mom:
                    buf = state["momentum_buffer"]
                    buf *= mom
                    buf += g / denom
                    p -= lr * buf
                else:
                    p -= lr * (g / denom)


class Adagrad(Optimizer):
    """Per-coordinate learning rates that shrink with the sum of squared gradients (Duchi et al.).

    Update rule at step t (PyTorch's):
        g = g + weight_decay * p;   clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g^2;                p = p - clr * g / (sqrt(s) + eps)
    """
    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10,
                 maximize=False):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay, eps=eps,
                                      initial_accumulator_value=initial_accumulator_value, maximize=maximize))

    def _validate(self, g):
        for name in ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            check(name, g[name], optimizer="Adagrad")

    def _update(self):
        for group in self.param_groups:
            lr, decay, eps = group["lr"], group["lr_decay"], group["eps"]
            for p, g, state in self._params_with_grad(group):
                if not state:
                    state["step"] = 0
                    state["sum"] = np.full_like(p, group["initial_accumulator_value"])
                state["step"] += 1
                clr = lr / (1 + (state["step"] - 1) * decay)
                state["sum"] += g * g
                p -= clr * (g / (np.sqrt(state["sum"]) + eps))
