"""Copies between devices, differentiable (the gradient travels back to the source device)."""
from .. import backend
from ..autograd import Function


class ToDevice(Function):
    """y = x on device ``target`` (a copy); the gradient goes back to x's device."""
    saves_inputs = False
    changes_device = True

    def forward(self, x, target):
        self.source = backend.device_type(x)
        return backend.to_device(x, target)

    def backward(self, g):
        return backend.to_device(g, self.source), None


def to_device(x, target):
    """``x`` copied to device ``target`` ("cpu", "cuda", or a registered device name)."""
    return ToDevice.apply(x, target)
