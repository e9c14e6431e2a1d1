"""make_grid and save_image (torchvision's ``utils``); PNG files are written with zlib, no pillow."""
import math
import os
import struct
import zlib

import numpy as np

from ..tensor import Tensor


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False, pad_value=0.0):
    """Tile a batch of images (B, C, H, W), or a list of (C, H, W), into one (3, H', W') image
    with ``nrow`` images per row; one-channel images are repeated into three, as torchvision.

    Args:
        normalize: shift to [0, 1] by ``value_range`` (default: the min and max, per image with
            ``scale_each``).
    """
    if isinstance(tensor, (list, tuple)):
        a = np.stack([np.asarray(getattr(t, "_data", t)) for t in tensor])
    else:
        a = np.asarray(getattr(tensor, "_data", tensor))
    a = a.astype(np.float32, copy=True) if a.dtype.kind != "f" else a.copy()
    if a.ndim == 2:
        a = a[None]
    if a.ndim == 3:
        a = a[None]
    if a.ndim != 4:
        raise ValueError(f"make_grid: expected images of shape (B, C, H, W) or (C, H, W); got {a.shape}")
    if a.shape[1] == 1:
        a = np.repeat(a, 3, axis=1)
    if normalize:
        for img in (a if scale_each else [a]):
            low, high = value_range if value_range is not None else (float(img.min()), float(img.max()))
            np.clip(img, low, high, out=img)
            img -= low
            img /= max(high - low, 1e-5)
    if a.shape[0] == 1:
        return Tensor(a[0])
    b, c, h, w = a.shape
    cols = min(nrow, b)
    rows = math.ceil(b / cols)
    cell_h, cell_w = h + padding, w + padding
    grid = np.full((c, rows * cell_h + padding, cols * cell_w + padding), pad_value, dtype=a.dtype)
    for k in range(b):
        y, x = divmod(k, cols)
        grid[:, y * cell_h + padding:(y + 1) * cell_h, x * cell_w + padding:(x + 1) * cell_w] = a[k]
    return Tensor(grid)


def save_image(tensor, fp, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False, pad_value=0.0,
               format=None):
    """Write images with values in [0, 1] to a PNG file (via make_grid for a batch)."""
    if format is not None and format.lower() != "png":
        raise ValueError(f"save_image: only PNG is written (no pillow needed); got format={format!r}")
    grid = make_grid(tensor, nrow=nrow, padding=padding, normalize=normalize, value_range=value_range,
                     scale_each=scale_each, pad_value=pad_value)._data
    pixels = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    data = png_bytes(pixels)
    if hasattr(fp, "write"):
        fp.write(data)
    else:
        with open(os.fspath(fp), "wb") as f:
            f.write(data)


def png_bytes(pixels):
    """An 8-bit PNG of a uint8 array (H, W) grey or (H, W, 3) RGB."""
    if pixels.dtype != np.uint8 or pixels.ndim not in (2, 3) or (pixels.ndim == 3 and pixels.shape[2] != 3):
        raise ValueError(f"png_bytes: expected uint8 (H, W) or (H, W, 3); got {pixels.dtype} {pixels.shape}")
    h, w = pixels.shape[:2]
    colour = 2 if pixels.ndim == 3 else 0
    rows = np.ascontiguousarray(pixels).reshape(h, -1)
    raw = np.concatenate([np.zeros((h, 1), np.uint8), rows], axis=1).tobytes()     # filter type 0 per row

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", w, h, 8, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")
