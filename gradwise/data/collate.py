"""default_collate and default_convert: PyTorch's rules for turning samples into batches."""
import collections.abc
import numbers

import numpy as np

from ..tensor import Tensor


def default_collate(batch):
    """Merge a list of samples into a batch, recursively, as PyTorch does.

    Tensors and ndarrays are stacked along a new first axis (keeping their dtype); Python ints
    become an int64 tensor, floats float64, bools bool; NumPy scalars keep their dtype; strings
    stay a list; dicts, tuples (given back as lists), namedtuples and lists are collated per field.

    Example:
        >>> default_collate([(np.zeros(3), 1), (np.ones(3), 0)])   # [Tensor (2, 3) float64, Tensor([1, 0])]
    """
    if not isinstance(batch, collections.abc.Sequence) or isinstance(batch, (str, bytes)):
        raise TypeError(f"default_collate: expected a list of samples; got {type(batch).__name__}")
    if not batch:
        raise ValueError("default_collate: the batch is empty")
    elem = batch[0]
    if isinstance(elem, Tensor):
        return Tensor(np.stack([_array(b, elem) for b in batch]))
    if isinstance(elem, np.ndarray) and elem.dtype.kind not in "USO":
        return Tensor(np.stack([_array(b, elem) for b in batch]))
    if isinstance(elem, np.generic) and elem.dtype.kind not in "USO":
        return Tensor(np.asarray(batch))
    if isinstance(elem, bool):
        return Tensor(np.asarray(batch, dtype=np.bool_))
    if isinstance(elem, numbers.Integral):
        return Tensor(np.asarray(batch, dtype=np.int64))
    if isinstance(elem, numbers.Real):
        return Tensor(np.asarray(batch, dtype=np.float64))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, collections.abc.Mapping):
        merged = {k: default_collate([d[k] for d in batch]) for k in elem}
        return merged if type(elem) is dict else type(elem)(merged)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):        # namedtuple
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(b) != size for b in batch):
            raise RuntimeError("default_collate: each element in list of batch should be of equal size; got sizes "
                               f"{sorted({len(b) for b in batch})}")
        return [default_collate(list(s)) for s in zip(*batch)]
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
                    f"found {type(elem).__name__}")


def _array(value, first):
    if not isinstance(value, (Tensor, np.ndarray)):
        raise TypeError(f"default_collate: a batch mixes {type(first).__name__} with {type(value).__name__}")
    a = value._data if isinstance(value, Tensor) else value
    if a.shape != first.shape:
        raise RuntimeError(f"default_collate: stack expects each sample to have the same shape; got {tuple(first.shape)} "
                           f"and {tuple(a.shape)}. Resize the samples (a transform) or pass a collate_fn.")
    return a


def default_convert(data):
    """Turn ndarrays (and NumPy scalars) inside one sample into tensors, recursively; what a
    DataLoader with ``batch_size=None`` gives back."""
    if isinstance(data, np.ndarray) and data.dtype.kind not in "USO":
        return Tensor(data)
    if isinstance(data, np.generic) and data.dtype.kind not in "USO":
        return Tensor(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        return {k: default_convert(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, (tuple, list)):
        return [default_convert(d) for d in data]
    return data
