"""Weight initialisers, in place, as in ``torch.nn.init``. Random ones take an explicit
``generator`` (an ``np.random.Generator`` or an int seed).

Example:
    >>> nn.init.kaiming_normal_(layer.weight, nonlinearity="relu", generator=0)
"""
import math

import numpy as np

from ..creation import _rng
from ..errors import ArgumentError


def _fill(tensor, values):
    from ..backend import device_type, to_device
    # values are drawn on the host (one generator, the same numbers on every device), then copied
    tensor._data[...] = to_device(np.asarray(values), device_type(tensor._data)) if np.ndim(values) else values
    tensor._vbox[0] += 1
    return tensor


def _fans(tensor):
    shape = tensor.shape
    if len(shape) < 2:
        raise ArgumentError(f"fan in and fan out need a tensor with at least 2 dimensions; got shape {shape}")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for an activation (PyTorch's values)."""
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "sigmoid")
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ArgumentError(f"unknown nonlinearity {nonlinearity!r}; known: {', '.join(linear)}, tanh, relu, "
                     f"leaky_relu, selu")


def zeros_(tensor):
    """Fill with 0 (symmetric: every unit of a layer would learn the same thing)."""
    return _fill(tensor, 0)


def ones_(tensor):
    return _fill(tensor, 1)


def constant_(tensor, val):
    return _fill(tensor, val)


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Samples from U(a, b)."""
    return _fill(tensor, _rng(generator).uniform(a, b, tensor.shape))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Samples from N(mean, std^2) ("small random" init with a small std)."""
    return _fill(tensor, _rng(generator).normal(mean, std, tensor.shape))


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """Glorot & Bengio (2010): U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(tensor)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """Glorot & Bengio (2010): N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def _kaiming_std(tensor, a, mode, nonlinearity):
    if mode not in ("fan_in", "fan_out"):
        raise ArgumentError(f"mode must be 'fan_in' or 'fan_out'; got {mode!r}")
    fan_in, fan_out = _fans(tensor)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan_in if mode == "fan_in" else fan_out)


def kaiming_uniform_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He et al. (2015): U(-b, b) with b = gain * sqrt(3 / fan)."""
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He et al. (2015): N(0, std^2) with std = gain / sqrt(fan); use nonlinearity='relu' for ReLU nets."""
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator)


def orthogonal_(tensor, gain=1.0, generator=None):
    """Saxe et al. (2013): a (semi-)orthogonal matrix from the QR decomposition of a normal sample."""
    if tensor.ndim < 2:
        raise ArgumentError(f"orthogonal_ needs at least 2 dimensions; got shape {tensor.shape}")
    rows, cols = tensor.shape[0], math.prod(tensor.shape[1:])
    flat = _rng(generator).normal(0.0, 1.0, (rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(tensor.shape))


def default_uniform_(tensor, fan_in, generator=None):
    """PyTorch's default for Linear, Conv and RNN weights and biases: U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
    return uniform_(tensor, -bound, bound, generator)
