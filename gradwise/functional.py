"""Stateless functions on tensors, PyTorch's ``torch.nn.functional`` for gradwise (``F``).

The primitives (with backward) live in ``gradwise.ops``; this module re-exports them and adds
compositions of them, which need no backward of their own.

Example:
    >>> import gradwise.functional as F
    >>> F.relu(gw.tensor([-1.0, 2.0]))
    tensor([0., 2.])
"""
from .ops.activation import (elu, gelu, leaky_relu, log_softmax, relu, sigmoid, softmax,  # noqa: F401
                             softplus, step, tanh)
from .ops.elementwise import (abs, add, clip, div, eq, exp, ge, gt, le, log, lt, maximum,  # noqa: F401
                              minimum, mul, ne, neg, pow, sqrt, sub, where)
from .ops.conv import conv1d, conv2d, conv_transpose2d  # noqa: F401
from .ops.embedding import embedding  # noqa: F401
from .ops.linalg import linear, matmul  # noqa: F401
from .ops.loss import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,  # noqa: F401
                       huber_loss, l1_loss, mse_loss, nll_loss)
from .ops.norm import batch_norm, layer_norm  # noqa: F401
from .ops.pool import adaptive_avg_pool2d, avg_pool2d, max_pool1d, max_pool2d  # noqa: F401
from .ops.reduce import argmax, argmin, logsumexp, max, mean, min, std, sum, var  # noqa: F401
from .ops.shape import (broadcast_to, cast, cat, concatenate, expand, flatten, getitem, pad,  # noqa: F401
                        permute, reshape, setitem, split, squeeze, stack, transpose, unsqueeze)

import numpy as _np  # noqa: E402

clamp = clip


def dropout(input, p=0.5, training=True, generator=None):
    """Zero a random fraction ``p`` of ``input`` and scale the rest by 1/(1-p) (identity when not training).

    ``generator``: np.random.Generator or int seed of the mask.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p is the fraction dropped and must be in [0, 1]; got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return mul(input, 0.0)
    from .creation import _rng
    from .backend import device_type, to_device
    keep = _rng(generator).random(input.shape, dtype=_np.float32) >= p     # drawn on the host: same masks everywhere
    mask = keep * _np.asarray(1.0 / (1.0 - p), dtype=input.dtype)
    return mul(input, to_device(mask, device_type(getattr(input, "_data", input))))
