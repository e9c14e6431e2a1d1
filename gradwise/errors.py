"""Exceptions with messages that say what was expected and what was received."""


class ShapeError(ValueError):
    """Shapes that cannot broadcast, multiply or be reshaped as asked."""


class GradcheckError(AssertionError):
    """Analytic and numerical gradients disagree (raised by ``gw.gradcheck``)."""
