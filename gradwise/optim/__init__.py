"""Optimizers, learning-rate schedules, gradient clipping and weight penalties.

Example:
    >>> opt = optim.Adam(model.parameters(), lr=1e-3)
    >>> opt.zero_grad(); loss.backward(); opt.step()
"""
from .adadelta import Adadelta
from .adam import Adam, AdamW
from .lbfgs import LBFGS
from ..nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_
from .optimizer import Optimizer
from .penalties import l1_penalty, l2_penalty
from .rmsprop import Adagrad, RMSprop
from . import lr_scheduler
from .lr_scheduler import (CosineAnnealingLR, ExponentialLR, LinearLR, LinearWarmup, LRScheduler, OneCycleLR,
                        ReduceLROnPlateau, StepLR)
from .sgd import SGD
from ..errors import ArgumentError

OPTIMIZERS = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSprop, "adagrad": Adagrad, "adadelta": Adadelta}


def get(name, params, **kwargs):
    """An optimizer by name (Keras style): ``optim.get("adam", model.parameters(), lr=1e-3)``."""
    cls = OPTIMIZERS.get(str(name).lower())
    if cls is None:
        raise ArgumentError(f"unknown optimizer {name!r}; known: {', '.join(OPTIMIZERS)}")
    return cls(params, **kwargs)


__all__ = ["Adadelta", "Adagrad", "Adam", "AdamW", "CosineAnnealingLR", "ExponentialLR", "LBFGS", "LRScheduler",
           "LinearLR", "LinearWarmup", "OPTIMIZERS", "OneCycleLR", "Optimizer", "RMSprop", "ReduceLROnPlateau", "SGD", "StepLR",
           "clip_grad_norm_", "clip_grad_value_", "get", "l1_penalty", "l2_penalty"]
