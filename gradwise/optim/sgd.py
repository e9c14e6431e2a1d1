"""Stochastic gradient descent with momentum (PyTorch's rule)."""
from ..blas import axpy, scal
from .optimizer import Optimizer, check
from ..errors import ArgumentError


class SGD(Optimizer):
    """Gradient descent on whatever batch the gradient came from (batch, mini-batch or one sample).

    Update rule, per parameter p with gradient g (PyTorch's):
        g = g + weight_decay * p
        if momentum: b = g on the first step, else b = momentum * b + (1 - dampening) * g
                     g = g + momentum * b if nesterov else b
        p = p - lr * g          (p + lr * g with maximize=True)

    Example:
        >>> opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    """
    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
                 maximize=False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize))

    def _validate(self, g):
        check("lr", g["lr"], optimizer="SGD")
        check("momentum", g["momentum"], optimizer="SGD")
        check("weight_decay", g["weight_decay"], optimizer="SGD")
        if g["nesterov"] and (g["momentum"] <= 0 or g["dampening"] != 0):
            raise ArgumentError("SGD: nesterov momentum needs momentum > 0 and dampening = 0")

    def _update(self):
        # NOTE: axpy/scal are BLAS's one-pass, multi-threaded updates (gradwise.blas), NumPy otherwise
        for group in self.param_groups:
            lr, mom, damp = group["lr"], group["momentum"], group["dampening"]
            for p, g, state in self._params_with_grad(group):
                if mom:
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = state["momentum_buffer"] = g.copy()
                    else:
                        axpy(1 - damp, g, scal(mom, buf))
                    if group["nesterov"]:
                        axpy(-lr * mom, buf, p)
                    else:
                        g = buf
                axpy(-lr, g, p)
