"""The training doctor: gradient checking, anomaly detection, live diagnosis and reports.

Example:
    >>> doctor = gw.diagnostics.watch(model, optimizer)     # any training loop
    >>> ...
    >>> print(doctor.report())
    >>> with gw.detect_anomaly(model):
    ...     loss_fn(model(x), y).backward()
"""
from .anomaly import AnomalyError, detect_anomaly
from .auto import autowatch, stop_autowatch
from .callback import Diagnostics
from .check import check_gradients
from .doctor import Doctor, watch
from .findings import Finding
from .gradcheck import gradcheck

__all__ = ["AnomalyError", "Diagnostics", "Doctor", "Finding", "autowatch", "check_gradients", "detect_anomaly",
           "gradcheck", "stop_autowatch", "watch"]
