"""Tools that look at training: gradient checking now; monitors and detectors to come."""
from .gradcheck import gradcheck  # noqa: F401
