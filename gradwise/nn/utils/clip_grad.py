"""Gradient clipping, in place, as ``torch.nn.utils``."""
import math

import numpy as np

from ...tensor import Tensor
from ...errors import NumericsError


def _grads(parameters):
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p._grad._data for p in params if p._grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scale all gradients together so that their joint norm is at most ``max_norm``.

    Returns the total norm before clipping as a 0-d Tensor, as PyTorch does: the number to watch for
    exploding gradients.
    """
    grads = _grads(parameters)
    if not grads:
        return Tensor(np.asarray(0.0, dtype=np.float32))
    if norm_type == math.inf:
        total = max(float(np.abs(g).max()) for g in grads)
    else:
        total = float(sum(float(np.sum(np.abs(g, dtype=np.float64) ** norm_type)) for g in grads) ** (1 / norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise NumericsError(f"clip_grad_norm_: the total gradient norm is {total}; a gradient is not finite")
    scale = max_norm / (total + 1e-6)
    if scale < 1:
        for g in grads:
            g *= scale
    return Tensor(np.asarray(total, dtype=grads[0].dtype))


def clip_grad_value_(parameters, clip_value):
    """Clamp every gradient element to [-clip_value, clip_value]."""
    for g in _grads(parameters):
        np.clip(g, -clip_value, clip_value, out=g)
