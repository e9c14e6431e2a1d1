"""Training: the Trainer, metrics, callbacks and checkpoints."""
from . import metrics
from .callbacks import (Callback, CSVLogger, EarlyStopping, LearningRateScheduler, ModelCheckpoint, ProgressBar,
                        TensorBoard, TerminateOnNaN)
from .checkpoint import latest_checkpoint, load_checkpoint
from .trainer import History, Trainer

__all__ = ["CSVLogger", "Callback", "EarlyStopping", "History", "LearningRateScheduler", "ModelCheckpoint",
           "ProgressBar", "TensorBoard", "TerminateOnNaN", "Trainer", "latest_checkpoint", "load_checkpoint",
           "metrics"]
