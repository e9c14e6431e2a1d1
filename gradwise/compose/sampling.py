"""Padding with PyTorch's modes and resizing (``F.interpolate``), composed of index selections."""
import math

import numpy as np

from ..errors import ShapeError
from ..ops import elementwise as E
from ..ops.index import index_select
from ..ops.pool import adaptive_avg_pool2d
from ..ops.shape import pad as _constant_pad

_NP_PAD = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def pad(input, pad, mode="constant", value=None):
    """Pad the last ``len(pad) // 2`` axes; ``pad`` lists (before, after) pairs starting from the
    last axis. ``mode``: 'constant' (with ``value``, default 0), 'reflect', 'replicate', 'circular'."""
    if mode == "constant":
        return _constant_pad(input, pad, 0.0 if value is None else value)
    if mode not in _NP_PAD:
        raise ValueError(f"pad: unknown mode {mode!r}; expected 'constant', 'reflect', 'replicate' or 'circular'")
    if value:
        raise ValueError(f"pad: value={value} only applies to mode='constant'; got mode={mode!r}")
    if len(pad) % 2 or len(pad) // 2 > input.ndim - 1 or any(p < 0 for p in pad):
        raise ShapeError(f"pad: mode {mode!r} takes non-negative (before, after) pairs for at most "
                         f"{input.ndim - 1} trailing axes; got {tuple(pad)} for input of shape {tuple(input.shape)}")
    out = input
    for i in range(len(pad) // 2):
        axis, lo, hi = input.ndim - 1 - i, pad[2 * i], pad[2 * i + 1]
        n = input.shape[axis]
        if mode == "reflect" and max(lo, hi) >= n:
            raise ShapeError(f"pad: reflect padding ({lo}, {hi}) must be smaller than the axis it pads (size {n})")
        if mode == "circular" and max(lo, hi) > n:
            raise ShapeError(f"pad: circular padding ({lo}, {hi}) must be at most the axis it pads (size {n})")
        out = index_select(out, axis, np.pad(np.arange(n), (lo, hi), mode=_NP_PAD[mode]))
    return out


_LINEAR = {"linear": 1, "bilinear": 2, "trilinear": 3}
_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "area")


def _per_axis(v, n, name):
    v = tuple(v) if isinstance(v, (tuple, list)) else (v,) * n
    if len(v) != n:
        raise ValueError(f"interpolate: {name} needs one value per spatial axis ({n}); got {v}")
    return v


def _source_positions(n_in, n_out, scale_factor, mode, align_corners):
    """Where each output position reads the input, as PyTorch computes it."""
    dst = np.arange(n_out)
    if mode in ("nearest", "nearest-exact"):
        # NOTE: float32 arithmetic, as PyTorch's kernel, so exact halves round the same way
        scale = np.float32(1.0 / scale_factor if scale_factor else n_in / n_out)
        offset = np.float32(0.5 if mode == "nearest-exact" else 0.0)
        idx = np.floor((dst.astype(np.float32) + offset) * scale).astype(np.int64)
        return np.minimum(idx, n_in - 1), None
    if align_corners:
        src = dst * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
    else:
        scale = 1.0 / scale_factor if scale_factor else n_in / n_out
        src = np.maximum((dst + 0.5) * scale - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    return i0, src - i0


def _resample_axis(x, axis, n_out, scale_factor, mode, align_corners):
    i0, lam = _source_positions(x.shape[axis], n_out, scale_factor, mode, align_corners)
    x0 = index_select(x, axis, i0)
    if lam is None:
        return x0
    x1 = index_select(x, axis, np.minimum(i0 + 1, x.shape[axis] - 1))
    lam = lam.reshape((-1,) + (1,) * (x.ndim - axis - 1)).astype(x.dtype)
    return E.add(x0, E.mul(E.sub(x1, x0), lam))


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial axes of (N, C, ...) input to ``size`` or by ``scale_factor``.

    Args:
        mode: 'nearest', 'nearest-exact', 'linear' (3-D input), 'bilinear' (4-D), 'trilinear'
            (5-D) or 'area' (adaptive average pooling, 3-D or 4-D).
        align_corners: for the linear modes: True maps corner pixel centres onto each other.
    Example:
        >>> F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)   # (N, C, 2H, 2W)
    """
    spatial = input.ndim - 2
    if spatial < 1:
        raise ShapeError(f"interpolate: expected input of shape (N, C, ...) with spatial axes; "
                         f"got {tuple(input.shape)}")
    if mode not in _MODES:
        raise ValueError(f"interpolate: unknown mode {mode!r}; expected one of {', '.join(_MODES)}")
    if mode in _LINEAR and _LINEAR[mode] != spatial:
        raise ShapeError(f"interpolate: mode {mode!r} needs {_LINEAR[mode] + 2}-D input; got {tuple(input.shape)}")
    if mode not in _LINEAR and align_corners is not None:
        raise ValueError("interpolate: align_corners only applies to the linear modes (linear, bilinear, trilinear)")
    if antialias:
        raise ValueError("interpolate: antialias=True is not supported")
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    n_in = input.shape[2:]
    if size is not None:
        n_out, scales = _per_axis(size, spatial, "size"), (None,) * spatial
    else:
        scales = _per_axis(scale_factor, spatial, "scale_factor")
        n_out = tuple(math.floor(n * s) for n, s in zip(n_in, scales))
        if recompute_scale_factor:
            scales = (None,) * spatial
    if any(n <= 0 for n in n_out):
        raise ShapeError(f"interpolate: output size {n_out} must be positive (input {tuple(n_in)})")
    if mode == "area":
        if spatial == 1:
            return adaptive_avg_pool2d(input.unsqueeze(2), (1, n_out[0])).squeeze(2)
        if spatial == 2:
            return adaptive_avg_pool2d(input, n_out)
        raise ShapeError("interpolate: mode 'area' supports 3-D and 4-D input")
    out = input
    for k in range(spatial):
        if n_out[k] != n_in[k] or scales[k] not in (None, 1) or mode in _LINEAR:
            out = _resample_axis(out, 2 + k, n_out[k], scales[k], mode, bool(align_corners))
    return out


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """The old name of ``interpolate``."""
    return interpolate(input, size, scale_factor, mode, align_corners)
