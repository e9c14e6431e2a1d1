"""gradwise: a deep-learning framework on NumPy that trains fast and explains its own training.

    >>> import gradwise as gw
    >>> x = gw.tensor([[1.0, 2.0]], requires_grad=True)
    >>> (x * x).sum().backward(); x.grad
    array([[2., 4.]], dtype=float32)
"""
from .autograd import Function, enable_grad, is_grad_enabled, no_grad
from .tensor import Tensor, tensor
from . import data, functional, nn, optim, random
from .creation import arange, full, ones, ones_like, rand, randn, zeros, zeros_like
from .diagnostics import detect_anomaly
from .diagnostics.gradcheck import gradcheck
from .errors import GradcheckError, ShapeError
from .serialization import load, save
from . import training
from .training import Trainer

__version__ = "0.1.0"

__all__ = [
    "arange", "data", "detect_anomaly", "enable_grad", "full", "Function", "functional", "gradcheck", "GradcheckError",
    "is_grad_enabled", "load", "nn", "no_grad", "ones", "ones_like", "optim", "rand", "randn", "save",
    "ShapeError", "tensor", "Tensor", "Trainer", "training", "zeros", "zeros_like",
]
