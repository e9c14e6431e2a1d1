"""Image transforms as functions (torchvision's ``transforms.functional``), on NumPy.

An image is either a Tensor laid out (..., C, H, W), or, standing in for a PIL image, an ndarray
laid out (H, W) or (H, W, C) (a PIL image is read as such an array). Each function gives back
the kind it was given. Geometric functions resample with nearest or bilinear interpolation.
"""
import enum
import math
import numbers

import numpy as np

from ...tensor import Tensor


class InterpolationMode(enum.Enum):
    NEAREST = "nearest"
    BILINEAR = "bilinear"


def _mode(interpolation):
    value = interpolation.value if isinstance(interpolation, InterpolationMode) else interpolation
    try:
        return InterpolationMode(value)
    except ValueError:
        raise ValueError(f"interpolation must be one of {[m.value for m in InterpolationMode]}; got {value!r}") from None


def _image(img):
    """(array laid out (..., H, W), function turning such an array back into img's kind)."""
    if isinstance(img, Tensor):
        if img.ndim < 2:
            raise ValueError(f"expected an image tensor of shape (..., H, W); got shape {tuple(img.shape)}")
        return img._data, Tensor
    if not isinstance(img, np.ndarray):
        img = np.asarray(img)         # a PIL image
    if img.ndim == 2:
        return img, lambda a: a
    if img.ndim == 3:
        return np.moveaxis(img, -1, 0), lambda a: np.moveaxis(a, 0, -1)
    raise ValueError(f"expected an image array of shape (H, W) or (H, W, C); got shape {img.shape}")


def get_image_size(img):
    """[width, height], as torchvision."""
    a, _ = _image(img)
    return [a.shape[-1], a.shape[-2]]


def to_tensor(pic):
    """(H, W[, C]) ndarray or PIL image -> float32 Tensor (C, H, W); uint8 values are scaled to [0, 1]."""
    if isinstance(pic, Tensor):
        raise TypeError("to_tensor: expected an ndarray or a PIL image; got a Tensor (it is one already)")
    a = np.asarray(pic)
    if a.ndim not in (2, 3):
        raise ValueError(f"to_tensor: expected an image of shape (H, W) or (H, W, C); got shape {a.shape}")
    a = a[:, :, None] if a.ndim == 2 else a
    chw = np.ascontiguousarray(a.transpose(2, 0, 1))
    if chw.dtype == np.uint8:
        return Tensor(chw.astype(np.float32) / np.float32(255))
    return Tensor(chw.astype(np.float32) if chw.dtype == np.bool_ else chw)


def to_pil_image(pic):
    """Tensor or ndarray (C, H, W) -> the (H, W[, C]) uint8 ndarray that stands in for a PIL image
    (floats are taken as [0, 1] and truncated after scaling by 255, as torchvision)."""
    a = pic._data if isinstance(pic, Tensor) else np.asarray(pic)
    if a.ndim == 2:
        a = a[None]
    if a.ndim != 3:
        raise ValueError(f"to_pil_image: expected an image of shape (C, H, W) or (H, W); got {a.shape}")
    if a.dtype.kind == "f":
        a = (a * 255).astype(np.uint8)
    hwc = np.ascontiguousarray(a.transpose(1, 2, 0))
    return hwc[:, :, 0] if hwc.shape[2] == 1 else hwc


def resized_crop(img, top, left, height, width, size, interpolation=InterpolationMode.BILINEAR, antialias=True):
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


def normalize(tensor, mean, std, inplace=False):
    """(x - mean[c]) / std[c] per channel of a float Tensor (..., C, H, W)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"normalize: expected a Tensor image; got {type(tensor).__name__} (apply ToTensor first)")
    a = tensor._data
    if a.dtype.kind != "f" or a.ndim < 3:
        raise TypeError(f"normalize: expected a float tensor of shape (..., C, H, W); got {a.dtype} {a.shape}")
    mean, std = (np.asarray(v, dtype=a.dtype).reshape(-1, 1, 1) for v in (mean, std))
    if (std == 0).any():
        raise ValueError(f"normalize: std evaluated to zero after conversion to {a.dtype}, leading to division by zero")
    if inplace:
        np.subtract(a, mean, out=a)
        np.divide(a, std, out=a)
        return tensor
    return Tensor((a - mean) / std)


def _size_pair(size, h, w, max_size=None):
    if isinstance(size, numbers.Integral) or (isinstance(size, (list, tuple)) and len(size) == 1):
        s = int(size if isinstance(size, numbers.Integral) else size[0])
        short, long = min(h, w), max(h, w)
        new_short, new_long = s, int(s * long / short)
        if max_size is not None and new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
        return (new_short, new_long) if h <= w else (new_long, new_short)
    if isinstance(size, (list, tuple)) and len(size) == 2:
        return int(size[0]), int(size[1])
    raise ValueError(f"size must be an int or a (height, width) pair; got {size!r}")


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    """Resize to ``size`` ((h, w), or an int for the shorter side, keeping the aspect ratio).

    Bilinear sampling uses pixel centres (PyTorch's ``align_corners=False``); nearest takes
    ``floor(i * in / out)``. NOTE: no antialiasing filter, so shrinking by large factors aliases
    (``antialias`` is accepted and ignored).
    """
    a, back = _image(img)
    h, w = a.shape[-2:]
    oh, ow = _size_pair(size, h, w, max_size)
    if _mode(interpolation) is InterpolationMode.NEAREST:
        rows = np.minimum(np.floor(np.arange(oh) * (h / oh)).astype(np.int64), h - 1)
        cols = np.minimum(np.floor(np.arange(ow) * (w / ow)).astype(np.int64), w - 1)
        return back(a[..., rows[:, None], cols])
    ys, xs = (np.maximum((np.arange(o) + 0.5) * (i / o) - 0.5, 0) for o, i in ((oh, h), (ow, w)))
    grid_y, grid_x = np.meshgrid(ys, xs, indexing="ij")
    return back(_bilinear(a, grid_y, grid_x, fill=None))


def _bilinear(a, ys, xs, fill):
    """Sample a (..., H, W) at float coordinates (ys, xs); outside points get ``fill`` (None: clamp)."""
    h, w = a.shape[-2:]
    y0, x0 = np.floor(ys).astype(np.int64), np.floor(xs).astype(np.int64)
    wy, wx = (ys - y0).astype(np.float32), (xs - x0).astype(np.float32)
    out = np.zeros(a.shape[:-2] + ys.shape, np.float32)
    weight_in = np.zeros(ys.shape, np.float32)
    for dy, dx, wgt in ((0, 0, (1 - wy) * (1 - wx)), (0, 1, (1 - wy) * wx), (1, 0, wy * (1 - wx)), (1, 1, wy * wx)):
        yy, xx = y0 + dy, x0 + dx
        inside = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
        if fill is not None:
            wgt = np.where(inside, wgt, 0)
        out += a[..., np.clip(yy, 0, h - 1), np.clip(xx, 0, w - 1)] * wgt
        weight_in += wgt
    if fill is not None:
        out += (1 - weight_in) * np.float32(fill)
    return _like(out, a.dtype)


def _like(values, dtype):
    if dtype.kind in "ui":
        info = np.iinfo(dtype)
        return np.clip(np.rint(values), info.min, info.max).astype(dtype)
    return values.astype(dtype, copy=False)


def crop(img, top, left, height, width):
    """The (height, width) window at (top, left); parts outside the image are zeros."""
    a, back = _image(img)
    h, w = a.shape[-2:]
    if top < 0 or left < 0 or top + height > h or left + width > w:
        pad_t, pad_l = max(-top, 0), max(-left, 0)
        pad_b, pad_r = max(top + height - h, 0), max(left + width - w, 0)
        a = np.pad(a, [(0, 0)] * (a.ndim - 2) + [(pad_t, pad_b), (pad_l, pad_r)])
        top, left = top + pad_t, left + pad_l
    return back(a[..., top:top + height, left:left + width])


def center_crop(img, output_size):
    """The central (h, w) window (int: square), zero-padded when the image is smaller."""
    oh, ow = (output_size, output_size) if isinstance(output_size, numbers.Integral) else \
        (output_size[0], output_size[-1])
    w, h = get_image_size(img)
    if oh > h or ow > w:        # pad as torchvision does (the odd pixel goes to the bottom/right), then crop
        dw, dh = max(ow - w, 0), max(oh - h, 0)
        img = pad(img, [dw // 2, dh // 2, (dw + 1) // 2, (dh + 1) // 2])
        w, h = get_image_size(img)
    return crop(img, int(round((h - oh) / 2.0)), int(round((w - ow) / 2.0)), oh, ow)


def pad(img, padding, fill=0, padding_mode="constant"):
    """Pad the borders: padding int (all sides), (left/right, top/bottom) or (left, top, right, bottom)."""
    modes = {"constant": "constant", "edge": "edge", "reflect": "reflect", "symmetric": "symmetric"}
    if padding_mode not in modes:
        raise ValueError(f"pad: padding_mode must be one of {list(modes)}; got {padding_mode!r}")
    p = [padding] * 4 if isinstance(padding, numbers.Integral) else list(padding)
    if len(p) == 1:
        p = p * 4
    elif len(p) == 2:
        p = p * 2
    if len(p) != 4:
        raise ValueError(f"pad: padding must be an int or a sequence of 1, 2 or 4 ints; got {padding!r}")
    left, top, right, bottom = p
    a, back = _image(img)
    widths = [(0, 0)] * (a.ndim - 2) + [(top, bottom), (left, right)]
    kw = {"constant_values": fill} if padding_mode == "constant" else {}
    return back(np.pad(a, widths, mode=modes[padding_mode], **kw))


def hflip(img):
    a, back = _image(img)
    return back(a[..., ::-1].copy())


def vflip(img):
    a, back = _image(img)
    return back(a[..., ::-1, :].copy())


def affine(img, angle, translate, scale, shear, interpolation=InterpolationMode.NEAREST, fill=0, center=None):
    """Rotate by ``angle`` degrees counter-clockwise, scale, shear (degrees, x then y) and
    translate (pixels) about ``center`` (default: the image centre), keeping the size."""
    a, back = _image(img)
    h, w = a.shape[-2:]
    cx, cy = ((w - 1) * 0.5, (h - 1) * 0.5) if center is None else center
    shear = [shear, 0.0] if isinstance(shear, numbers.Number) else list(shear) + [0.0] * (2 - len(shear))
    rot, sx, sy = (math.radians(v) for v in (angle, shear[0], shear[1]))
    # forward map about the centre, y pointing down: rotation (counter-clockwise on screen) @ shear @ scale
    rotation = np.array([[math.cos(rot), math.sin(rot)], [-math.sin(rot), math.cos(rot)]])
    shearing = np.array([[1.0, -math.tan(sx)], [-math.tan(sy), 1.0]])
    forward = rotation @ shearing * scale
    inverse = np.linalg.inv(forward)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    dx, dy = xs - cx - translate[0], ys - cy - translate[1]
    src_x = inverse[0, 0] * dx + inverse[0, 1] * dy + cx
    src_y = inverse[1, 0] * dx + inverse[1, 1] * dy + cy
    return back(_sample(a, src_y, src_x, interpolation, fill))


def _sample(a, ys, xs, interpolation, fill):
    fill = 0 if fill is None else fill
    if _mode(interpolation) is InterpolationMode.BILINEAR:
        return _bilinear(a, ys, xs, fill)
    h, w = a.shape[-2:]
    yi, xi = np.rint(ys).astype(np.int64), np.rint(xs).astype(np.int64)
    inside = (yi >= 0) & (yi < h) & (xi >= 0) & (xi < w)
    out = a[..., np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)]
    return np.where(inside, out, np.asarray(fill, dtype=a.dtype))


def rotate(img, angle, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=0):
    """Rotate by ``angle`` degrees counter-clockwise; ``expand`` enlarges the output to hold it all."""
    if not expand:
        return affine(img, angle, (0, 0), 1.0, (0.0, 0.0), interpolation, fill, center)
    w, h = get_image_size(img)
    rad = math.radians(angle)
    nw = int(math.ceil(abs(w * math.cos(rad)) + abs(h * math.sin(rad)) - 1e-6))
    nh = int(math.ceil(abs(h * math.cos(rad)) + abs(w * math.sin(rad)) - 1e-6))
    padded = crop(img, -((nh - h) // 2), -((nw - w) // 2), nh, nw) if (nh, nw) != (h, w) else img
    return affine(padded, angle, (0, 0), 1.0, (0.0, 0.0), interpolation, fill, None)
