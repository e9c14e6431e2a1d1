"""Numbers checked where they enter (constructors, functions, the CLI): one place for the rules.

Each check names who received the value, the argument and the value, and raises
``ArgumentError`` (a ValueError and a RuntimeError, as PyTorch raises either) for a value out
of range, NaN or infinite, and ``ArgumentTypeError`` (a TypeError) for something not a number.

Example:
    >>> positive_int("DataLoader", "batch_size", 0)
    ArgumentError: DataLoader: batch_size must be a positive int; got 0
"""
import math
import numbers

from .errors import ArgumentError, ArgumentTypeError


def _integer(who, name, value, what):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ArgumentTypeError(f"{who}: {name} must be {what}; got {value!r} ({type(value).__name__})")
    return int(value)


def positive_int(who, name, value):
    """``value`` as an int >= 1."""
    value = _integer(who, name, value, "a positive int")
    if value < 1:
        raise ArgumentError(f"{who}: {name} must be a positive int; got {value}")
    return value


def non_negative_int(who, name, value):
    """``value`` as an int >= 0."""
    value = _integer(who, name, value, "an int >= 0")
    if value < 0:
        raise ArgumentError(f"{who}: {name} must be an int >= 0; got {value}")
    return value


def real(who, name, value, low=None, high=None, low_open=False, high_open=False):
    """``value`` as a finite float in [low, high] (``low_open``/``high_open`` exclude the ends)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ArgumentTypeError(f"{who}: {name} must be a number; got {value!r} ({type(value).__name__})")
    value = float(value)
    ok = math.isfinite(value)
    ok = ok and (low is None or (value > low if low_open else value >= low))
    ok = ok and (high is None or (value < high if high_open else value <= high))
    if not ok:
        raise ArgumentError(f"{who}: {name} must be {_range(low, high, low_open, high_open)}; got {value}")
    return value


def _range(low, high, low_open, high_open):
    parts = [f"{'>' if low_open else '>='} {low:g}" if low is not None else "",
             f"{'<' if high_open else '<='} {high:g}" if high is not None else ""]
    bounds = " and ".join(p for p in parts if p)
    return "a finite number" + (f" {bounds}" if bounds else "")


def int_pair(who, name, value, minimum):
    """An int or a pair of ints, each >= ``minimum``, as a pair."""
    items = (value, value) if isinstance(value, numbers.Integral) and not isinstance(value, bool) else value
    try:
        items = tuple(items)
    except TypeError:
        items = ()
    if len(items) != 2 or any(isinstance(i, bool) or not isinstance(i, numbers.Integral) for i in items):
        raise ArgumentTypeError(f"{who}: {name} must be an int or a pair of ints; got {value!r}")
    items = tuple(int(i) for i in items)
    if min(items) < minimum:
        raise ArgumentError(f"{who}: {name} must be {'positive' if minimum == 1 else f'>= {minimum}'}; got {value!r}")
    return items
