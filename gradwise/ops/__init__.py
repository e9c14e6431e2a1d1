"""Primitive ops: one small Function class per op with forward and backward side by side,
each followed by its lowercase public function. ``gradwise.functional`` re-exports them."""
from . import activation, elementwise, linalg, loss, reduce, shape  # noqa: F401
from .util import unbroadcast  # noqa: F401
