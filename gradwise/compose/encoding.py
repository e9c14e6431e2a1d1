"""Integer inputs: one-hot codes and embedding lookups with PyTorch's signatures."""
import numpy as np

from ..autograd import no_grad
from ..backend import xp
from ..ops.embedding import embedding as _embedding


def one_hot(tensor, num_classes=-1):
    """(*) integer classes -> (*, num_classes) int64 with a 1 at each class; ``num_classes=-1``
    takes the largest class + 1."""
    from ..tensor import Tensor
    idx = xp.asarray(getattr(tensor, "_data", tensor))
    if not np.issubdtype(idx.dtype, np.integer):
        raise TypeError(f"one_hot: expected integer class indices; got dtype {idx.dtype}")
    if num_classes == -1:
        num_classes = int(idx.max()) + 1 if idx.size else 0
    if idx.size and (idx.min() < 0 or idx.max() >= num_classes):
        bad = idx[(idx < 0) | (idx >= num_classes)].flat[0]
        raise ValueError(f"one_hot: class {bad} is outside [0, {num_classes - 1}] (num_classes={num_classes})")
    out = xp.zeros(idx.shape + (num_classes,), dtype=np.int64)
    xp.put_along_axis(out, idx[..., None].astype(np.int64), 1, axis=-1)
    return Tensor(out)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` (num_embeddings, dim) at integer ``input`` -> (*input.shape, dim).

    ``padding_idx`` (negative counts from the end): that row gets no gradient. ``max_norm``:
    the rows looked up are first rescaled in place to norm at most ``max_norm``, as in PyTorch.
    ``sparse=True`` is accepted and gives an ordinary dense gradient.
    """
    if scale_grad_by_freq:
        raise ValueError("embedding: scale_grad_by_freq=True is not supported")
    if padding_idx is not None:
        n = weight.shape[0]
        if not -n <= padding_idx < n:
            raise ValueError(f"embedding: padding_idx {padding_idx} is outside the table of {n} rows")
        padding_idx %= n
    if max_norm is not None:
        _renorm_rows(weight, input, max_norm, norm_type)
    return _embedding(input, weight, padding_idx)


def _renorm_rows(weight, input, max_norm, norm_type):
    rows = np.unique(xp.asarray(getattr(input, "_data", input)))
    with no_grad():
        w = weight._data
        norms = np.linalg.norm(w[rows], ord=norm_type, axis=1)
        scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(w.dtype)
        w[rows] *= scale[:, None]
