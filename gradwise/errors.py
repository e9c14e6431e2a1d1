"""Exceptions with messages that say what was expected and what was received.

Every error gradwise raises on purpose is a ``GradwiseError``; each also derives from the
built-in exception a Python user would expect (ValueError, TypeError ...), so existing
``except ValueError`` code keeps working.
"""


class GradwiseError(Exception):
    """Base of gradwise's own errors."""


class ShapeError(GradwiseError, ValueError):
    """Shapes that cannot broadcast, multiply or be reshaped as asked."""


class GradcheckError(GradwiseError, AssertionError):
    """Analytic and numerical gradients disagree (raised by ``gw.gradcheck``)."""


class DeviceError(GradwiseError, RuntimeError):
    """A device that gradwise cannot serve, or arrays of two devices mixed in one op."""


class UnsupportedError(GradwiseError, NotImplementedError):
    """A PyTorch feature that gradwise does not implement; the message says what to do instead."""


class AmbiguousTruthError(GradwiseError, RuntimeError, ValueError):
    """``if tensor:`` on a tensor of several elements (PyTorch raises RuntimeError, NumPy ValueError)."""


class TreeError(GradwiseError, ValueError):
    """A tree that is not one: a cycle, a missing child or parent, no root or several roots."""
