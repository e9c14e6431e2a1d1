"""Checks of what a dataset gives, at the boundary where it becomes Tensors (DataLoader, Trainer).

A string label or an object array would otherwise fail deep inside an op or the doctor
("invalid literal for int()"); here it gets a DataError that names the field and the fix.
"""
import numpy as np

from ..errors import DataError

_FIELDS = ("inputs", "targets")


def field_name(i):
    return _FIELDS[i] if i < len(_FIELDS) else f"field {i}"


def check_fields(who, batch):
    """Raise DataError if a field of ``batch`` (a tuple of arrays) is not numeric."""
    for i, a in enumerate(batch if isinstance(batch, tuple) else (batch,)):
        a = np.asarray(getattr(a, "_data", a))
        if a.dtype.kind in "USO":
            example = a.reshape(-1)[0] if a.size else None
            fix = (" Map class names to indices first, e.g. classes, y = np.unique(labels, return_inverse=True)."
                   if i == 1 else " Convert it to a numeric array (float32 inputs, int64 class labels).")
            kind = {"U": "strings", "S": "bytes", "O": "Python objects"}[a.dtype.kind]
            raise DataError(f"{who}: the {field_name(i)} are {kind} (dtype {a.dtype}, e.g. {example!r}); "
                            f"gradwise needs numbers.{fix}")


def check_first_batch(who, dataset, batch_size):
    """Fetch the first batch of ``dataset`` and check its fields, so bad data fails when fit starts."""
    from .dataset import fetch
    check_fields(who, fetch(dataset, np.arange(min(len(dataset), batch_size))))
