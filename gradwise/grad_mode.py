"""Grad mode: whether ops record the graph (``no_grad``, ``enable_grad``, ``set_grad_enabled``,
``inference_mode``), as in PyTorch. The one global mode flag the design allows."""
import functools


class _GradMode:
    enabled = True


def is_grad_enabled() -> bool:
    """True when operations are being recorded for backward."""
    return _GradMode.enabled


class _SetGradMode:
    mode = True

    def __enter__(self):
        self._prev = _GradMode.enabled
        _GradMode.enabled = self.mode
        return self

    def __exit__(self, *exc):
        _GradMode.enabled = self._prev
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return func(*args, **kwargs)
        return wrapper


class no_grad(_SetGradMode):
    """Context manager and decorator that stops graph recording (evaluation, weight updates).

    Example:
        >>> with gw.no_grad():
        ...     w -= 0.1 * w.grad
    """
    mode = False


class enable_grad(_SetGradMode):
    """Turns graph recording back on inside a ``no_grad`` block."""
    mode = True


class set_grad_enabled(_SetGradMode):
    """``set_grad_enabled(False)`` turns recording off now (as a call) or for a ``with`` block."""
    def __init__(self, mode):
        self.mode = bool(mode)
        self._prev = _GradMode.enabled
        _GradMode.enabled = self.mode

    def __enter__(self):
        return self

    def __call__(self, func):
        _GradMode.enabled = self._prev

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(self.mode):
                return func(*args, **kwargs)
        return wrapper


class inference_mode(_SetGradMode):
    """PyTorch's ``inference_mode``: here the same as ``no_grad`` (``inference_mode(False)`` records)."""
    def __init__(self, mode=True):
        self.mode = not mode
