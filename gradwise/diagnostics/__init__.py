"""The training doctor: gradient checking, anomaly detection, live diagnosis and reports.

Example:
    >>> with gw.detect_anomaly(model):
    ...     loss_fn(model(x), y).backward()
"""
from .anomaly import AnomalyError, detect_anomaly
from .check import check_gradients
from .findings import Finding
from .gradcheck import gradcheck

__all__ = ["AnomalyError", "Diagnostics", "Finding", "check_gradients", "detect_anomaly", "gradcheck"]


def __getattr__(name):
    # the callback needs the training package, which imports this one: load it on first use
    if name == "Diagnostics":
        from .callback import Diagnostics
        return Diagnostics
    raise AttributeError(name)
