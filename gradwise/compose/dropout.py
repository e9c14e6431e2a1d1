"""Dropout of elements and of whole channels, with PyTorch's signatures."""
from ..backend import xp
from ..errors import ShapeError
from ..ops import elementwise as E
from ..random import rng
from .activation import apply_inplace


def _check_p(op, p):
    from ..arguments import real
    real(op, "p (the fraction dropped)", p, low=0, high=1)


def _masked(input, mask_shape, p, inplace, generator):
    """``input`` times a keep-mask of ``mask_shape`` (broadcast) scaled by 1/(1-p)."""
    if p == 1.0:
        return apply_inplace(input, lambda a: E.mul(a, 0.0), inplace)
    from ..backend import device_type, to_device
    keep = rng(generator).random(mask_shape, dtype=xp.float32) >= p      # drawn on the host: same masks everywhere
    scale = (keep * xp.asarray(1.0 / (1.0 - p), dtype=xp.float32)).astype(input.dtype, copy=False)
    scale = to_device(scale, device_type(input._data))
    return apply_inplace(input, lambda a: E.mul(a, scale), inplace)


def dropout(input, p=0.5, training=True, inplace=False, generator=None):
    """Zero a random fraction ``p`` of ``input`` and scale the rest by 1/(1-p) (identity when not training).

    ``generator``: np.random.Generator or int seed of the mask (default: the global generator).
    """
    _check_p("dropout", p)
    if not training or p == 0.0:
        return input
    return _masked(input, input.shape, p, inplace, generator)


def _channel_dropout(op, spatial, input, p, training, inplace, generator):
    _check_p(op, p)
    if input.ndim not in (spatial + 1, spatial + 2):
        raise ShapeError(f"{op}: expected input of {spatial + 1} or {spatial + 2} dimensions ((N,) C, ...); "
                         f"got shape {tuple(input.shape)}")
    if not training or p == 0.0:
        return input
    lead = input.ndim - spatial
    return _masked(input, tuple(input.shape[:lead]) + (1,) * spatial, p, inplace, generator)


def dropout1d(input, p=0.5, training=True, inplace=False, generator=None):
    """Zero whole channels of (N, C, L) or (C, L) input with probability ``p``; scale the rest by 1/(1-p)."""
    return _channel_dropout("dropout1d", 1, input, p, training, inplace, generator)


def dropout2d(input, p=0.5, training=True, inplace=False, generator=None):
    """Zero whole channels (feature maps) of (N, C, H, W) or (C, H, W) input with probability ``p``.

    Other ranks are deprecated in PyTorch but still run there, with a warning, as an unbatched
    input whose first axis is the channel axis; gradwise does the same (pytorch/examples'
    mnist_rnn applies Dropout2d to (N, features))."""
    if input.ndim in (2, 5):
        import warnings
        warnings.warn(f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated in PyTorch; "
                      "it is treated as unbatched, dropping whole slices along the first axis. Use dropout for "
                      "element-wise dropout.", UserWarning, stacklevel=2)
        _check_p("dropout2d", p)
        if not training or p == 0.0:
            return input
        return _masked(input, (input.shape[0],) + (1,) * (input.ndim - 1), p, inplace, generator)
    return _channel_dropout("dropout2d", 2, input, p, training, inplace, generator)


def dropout3d(input, p=0.5, training=True, inplace=False, generator=None):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) input with probability ``p``."""
    return _channel_dropout("dropout3d", 3, input, p, training, inplace, generator)
