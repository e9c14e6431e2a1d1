"""L1 and L2 penalties on chosen parameters, added to the loss (differentiable).

Example:
    >>> loss = criterion(model(x), y) + optim.l2_penalty(model[0].parameters(), 1e-4)
"""
from ..ops.elementwise import abs as _abs
from ..ops.reduce import sum as _sum
from ..errors import ArgumentError


def _total(parameters, fn):
    total = None
    for p in parameters:
        term = _sum(fn(p))
        total = term if total is None else total + term
    if total is None:
        raise ArgumentError("penalty: no parameters were given")
    return total


def l1_penalty(parameters, weight):
    """weight * sum |p| over the given parameters (drives weights to exactly zero: sparsity)."""
    return _total(parameters, _abs) * weight


def l2_penalty(parameters, weight):
    """weight * sum p^2 over the given parameters (weight decay; shrinks large weights)."""
    return _total(parameters, lambda p: p * p) * weight
