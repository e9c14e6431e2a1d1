"""Image transforms (torchvision's ``transforms``): callables applied to one sample.

Random transforms draw from gradwise's default generator (``gw.manual_seed`` makes them
repeat) or from the ``generator`` given to them.

Example:
    >>> t = Compose([RandomCrop(28, padding=2), ToTensor(), Normalize((0.1307,), (0.3081,))])
"""
import numbers

import numpy as np

from ...random import rng as as_rng
from ...tensor import Tensor
from . import functional as F
from .functional import InterpolationMode


class Compose:
    """Apply ``transforms`` one after the other."""
    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def batch(self, images):
        """The same transforms on a stacked batch at once (only for batch-capable transforms)."""
        for t in self.transforms:
            images = t.batch(images)
        return images

    @property
    def batchable(self):
        return all(getattr(t, "batchable", False) for t in self.transforms)

    def __repr__(self):
        return "Compose(\n" + "".join(f"    {t}\n" for t in self.transforms) + ")"


class ToTensor:
    """(H, W[, C]) uint8 image (ndarray or PIL) -> float32 Tensor (C, H, W) in [0, 1]."""
    batchable = True

    def __call__(self, pic):
        return F.to_tensor(pic)

    def batch(self, images):
        a = np.asarray(images)
        a = a[..., None] if a.ndim == 3 else a
        chw = a.transpose(0, 3, 1, 2)
        return Tensor(chw.astype(np.float32) / np.float32(255) if a.dtype == np.uint8 else np.ascontiguousarray(chw))

    def __repr__(self):
        return "ToTensor()"


class ToPILImage:
    """Tensor (C, H, W) -> (H, W[, C]) uint8 ndarray, the stand-in for a PIL image (no pillow needed)."""
    def __call__(self, pic):
        return F.to_pil_image(pic)


class Normalize:
    """(x - mean[c]) / std[c] for each channel c of a float tensor image."""
    batchable = True

    def __init__(self, mean, std, inplace=False):
        self.mean, self.std, self.inplace = mean, std, inplace

    def __call__(self, tensor):
        return F.normalize(tensor, self.mean, self.std, self.inplace)

    def batch(self, images):
        return F.normalize(images, self.mean, self.std)

    def __repr__(self):
        return f"Normalize(mean={self.mean}, std={self.std})"


class Lambda:
    """A user function as a transform."""
    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Lambda: the argument should be callable; got {type(lambd).__name__}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)


class Resize:
    """Resize to ``size`` ((h, w), or an int for the shorter side); see ``functional.resize``."""
    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
        self.size, self.interpolation, self.max_size, self.antialias = size, interpolation, max_size, antialias

    def __call__(self, img):
        return F.resize(img, self.size, self.interpolation, self.max_size, self.antialias)


class CenterCrop:
    def __init__(self, size):
        self.size = size

    def __call__(self, img):
        return F.center_crop(img, self.size)


class Pad:
    def __init__(self, padding, fill=0, padding_mode="constant"):
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode

    def __call__(self, img):
        return F.pad(img, self.padding, self.fill, self.padding_mode)


def _pair(size, who):
    if isinstance(size, numbers.Integral):
        return int(size), int(size)
    if isinstance(size, (list, tuple)) and len(size) in (1, 2):
        return int(size[0]), int(size[-1])
    raise ValueError(f"{who}: size must be an int or a (height, width) pair; got {size!r}")


class RandomCrop:
    """A random (h, w) window, after optional padding (``pad_if_needed`` pads small images)."""
    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant", generator=None):
        self.size = _pair(size, "RandomCrop")
        self.padding, self.pad_if_needed, self.fill, self.padding_mode = padding, pad_if_needed, fill, padding_mode
        self.generator = generator

    def __call__(self, img):
        if self.padding is not None:
            img = F.pad(img, self.padding, self.fill, self.padding_mode)
        th, tw = self.size
        w, h = F.get_image_size(img)
        if self.pad_if_needed and (h < th or w < tw):
            img = F.pad(img, [max(tw - w, 0), max(th - h, 0)], self.fill, self.padding_mode)
            w, h = F.get_image_size(img)
        if h < th or w < tw:
            raise ValueError(f"RandomCrop: required crop size {(th, tw)} is larger than the input image size {(h, w)}")
        r = as_rng(self.generator)
        top, left = int(r.integers(0, h - th + 1)), int(r.integers(0, w - tw + 1))
        return F.crop(img, top, left, th, tw)


class RandomHorizontalFlip:
    def __init__(self, p=0.5, generator=None):
        self.p, self.generator = p, generator

    def __call__(self, img):
        return F.hflip(img) if as_rng(self.generator).random() < self.p else img


class RandomVerticalFlip:
    def __init__(self, p=0.5, generator=None):
        self.p, self.generator = p, generator

    def __call__(self, img):
        return F.vflip(img) if as_rng(self.generator).random() < self.p else img


class RandomResizedCrop:
    """A random window (area a fraction ``scale`` of the image, aspect ratio in ``ratio``)
    resized to ``size``, as torchvision (10 tries, then a central crop)."""
    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0),
                 interpolation=InterpolationMode.BILINEAR, antialias=True, generator=None):
        self.size = _pair(size, "RandomResizedCrop")
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            raise ValueError(f"RandomResizedCrop: scale and ratio should be (min, max); got {scale}, {ratio}")
        self.scale, self.ratio, self.interpolation, self.generator = scale, ratio, interpolation, generator

    def get_params(self, img):
        r = as_rng(self.generator)
        w, h = F.get_image_size(img)
        area, log_ratio = h * w, np.log(self.ratio)
        for _ in range(10):
            target = area * r.uniform(*self.scale)
            aspect = np.exp(r.uniform(*log_ratio))
            cw, ch = int(round(np.sqrt(target * aspect))), int(round(np.sqrt(target / aspect)))
            if 0 < cw <= w and 0 < ch <= h:
                return int(r.integers(0, h - ch + 1)), int(r.integers(0, w - cw + 1)), ch, cw
        in_ratio = w / h
        if in_ratio < min(self.ratio):
            cw, ch = w, int(round(w / min(self.ratio)))
        elif in_ratio > max(self.ratio):
            ch, cw = h, int(round(h * max(self.ratio)))
        else:
            cw, ch = w, h
        return (h - ch) // 2, (w - cw) // 2, ch, cw

    def __call__(self, img):
        return F.resized_crop(img, *self.get_params(img), list(self.size), self.interpolation)


def _range(value, who, name, centre=0.0):
    if isinstance(value, numbers.Number):
        if value < 0:
            raise ValueError(f"{who}: if {name} is a single number, it must be non-negative; got {value}")
        return (centre - value, centre + value)
    if len(value) != 2:
        raise ValueError(f"{who}: {name} must be a number or a (min, max) pair; got {value!r}")
    return (float(value[0]), float(value[1]))


class RandomRotation:
    """Rotate by an angle drawn uniformly from ``degrees`` ((min, max), or d for (-d, d))."""
    def __init__(self, degrees, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=0,
                 generator=None):
        self.degrees = _range(degrees, "RandomRotation", "degrees")
        self.interpolation, self.expand, self.center, self.fill = interpolation, expand, center, fill
        self.generator = generator

    def __call__(self, img):
        angle = float(as_rng(self.generator).uniform(*self.degrees))
        return F.rotate(img, angle, self.interpolation, self.expand, self.center, self.fill)


class RandomAffine:
    """A random affine map: angle from ``degrees``, shifts up to ``translate`` (fractions of width,
    height), a factor from ``scale`` (min, max), shear angles from ``shear``."""
    def __init__(self, degrees, translate=None, scale=None, shear=None, interpolation=InterpolationMode.NEAREST,
                 fill=0, center=None, generator=None):
        self.degrees = _range(degrees, "RandomAffine", "degrees")
        if translate is not None and not all(0 <= t <= 1 for t in translate):
            raise ValueError(f"RandomAffine: translation values should be between 0 and 1; got {translate!r}")
        if scale is not None and not all(s > 0 for s in scale):
            raise ValueError(f"RandomAffine: scale values should be positive; got {scale!r}")
        self.translate, self.scale = translate, scale
        self.shear = None if shear is None else (
            _range(shear, "RandomAffine", "shear") if isinstance(shear, numbers.Number) or len(shear) == 2
            else tuple(shear))
        self.interpolation, self.fill, self.center, self.generator = interpolation, fill, center, generator

    def __call__(self, img):
        r = as_rng(self.generator)
        w, h = F.get_image_size(img)
        angle = float(r.uniform(*self.degrees))
        tx = ty = 0
        if self.translate is not None:
            tx = int(round(r.uniform(-self.translate[0] * w, self.translate[0] * w)))
            ty = int(round(r.uniform(-self.translate[1] * h, self.translate[1] * h)))
        factor = float(r.uniform(*self.scale)) if self.scale is not None else 1.0
        shear = (0.0, 0.0)
        if self.shear is not None:
            shear = (float(r.uniform(self.shear[0], self.shear[1])),
                     float(r.uniform(self.shear[2], self.shear[3])) if len(self.shear) == 4 else 0.0)
        return F.affine(img, angle, (tx, ty), factor, shear, self.interpolation, self.fill, self.center)


__all__ = ["CenterCrop", "Compose", "InterpolationMode", "Lambda", "Normalize", "Pad", "RandomAffine", "RandomCrop",
           "RandomHorizontalFlip", "RandomResizedCrop", "RandomRotation", "RandomVerticalFlip", "Resize", "ToPILImage",
           "ToTensor", "functional"]
