"""Fused, numerically stable losses as primitives, with PyTorch's arguments and semantics.

NOTE: these are primitives rather than compositions for stability (log-softmax inside
cross-entropy never takes log of 0) and speed (the gradient is p - onehot, one pass).
"""
import warnings

import numpy as np

from ..autograd import Function
from .. import backend
from ..backend import is_float, xp
from ..errors import ArgumentError, DataError, ShapeError, ShapeWarning
from . import fused
from .util import shape_of, unbroadcast

REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(op, reduction):
    if reduction not in REDUCTIONS:
        raise ArgumentError(f"{op}: unknown reduction {reduction!r}; expected one of {', '.join(REDUCTIONS)}")


def _reduce(loss, reduction, denom):
    if reduction == "none":
        return loss
    total = xp.sum(loss)
    return total / denom if reduction == "mean" else total


def _unreduce(g, reduction, shape, denom):
    """The gradient of each element of the unreduced loss."""
    if reduction == "none":
        return g
    return xp.broadcast_to(g / denom if reduction == "mean" else g, shape)


def _class_targets(op, x, target, weight, ignore_index):
    """Validate integer class targets; return (class axis, safe targets, valid mask, w[target]), the
    mask and weights in the input's dtype (a bool mask times a Python float would be float64)."""
    cdim = 0 if x.ndim == 1 else 1
    expected = x.shape[:cdim] + x.shape[cdim + 1:]
    if target.shape != expected:
        raise ShapeError(f"{op}: input of shape {x.shape} needs class targets of shape {expected}; "
                         f"got {target.shape}")
    n_classes = x.shape[cdim]
    valid = target != ignore_index
    t = xp.where(valid, target, 0)
    if t.size and (t.min() < 0 or t.max() >= n_classes):
        bad = t[(t < 0) | (t >= n_classes)][0]
        raise DataError(f"{op}: target holds class {bad}, but the input has {n_classes} classes "
                         f"(expected targets in [0, {n_classes - 1}] or ignore_index={ignore_index})")
    if weight is not None:
        if weight.shape != (n_classes,):
            raise ShapeError(f"{op}: weight must have shape ({n_classes},), one value per class; got {weight.shape}")
        wy = weight[t] * valid
    else:
        wy = valid.astype(x.dtype)
    return cdim, t, valid.astype(x.dtype), wy.astype(x.dtype, copy=False)


def _plain_targets(target, n, n_classes, ignore_index):
    """True for ``n`` integer class targets all in [0, n_classes) and none equal to ignore_index
    (anything else takes the general path, which also names bad targets)."""
    if target.shape != (n,) or target.dtype.kind not in "iu" or not n:
        return False
    low, high = target.min(), target.max()
    return 0 <= low and high < n_classes and not (low <= ignore_index <= high and (target == ignore_index).any())


def _along(v, cdim):
    """Insert the class axis into a per-element array so it broadcasts against the input."""
    return xp.expand_dims(v, cdim)


def _class_weight(weight, x, cdim):
    """The per-class weight shaped to broadcast along the class axis."""
    return weight.reshape((-1,) + (1,) * (x.ndim - cdim - 1)).astype(x.dtype, copy=False)


def _compiled_rows(x, target, weight, ignore_index, reduction, eps):
    """(softmax, summed loss) by the compiled kernel for (N, C) float32 logits with contiguous
    rows and N int64 class indices, none ignored, no weight or smoothing; None otherwise."""
    if (weight is not None or eps or reduction not in ("mean", "sum") or type(x) is not np.ndarray
            or x.dtype != np.float32 or x.ndim != 2 or not x.shape[0] or x.strides[1] != 4 or x.strides[0] % 4
            or type(target) is not np.ndarray or target.dtype != np.int64 or target.shape != x.shape[:1]
            or not target.flags.c_contiguous):
        return None
    kernels = fused.kernels()
    return None if kernels is None else kernels.cross_entropy_rows(x, target, ignore_index)


class CrossEntropy(Function):
    def forward(self, x, target, weight, ignore_index, reduction, label_smoothing):
        eps, self.reduction = label_smoothing, reduction
        fast = _compiled_rows(x, target, weight, ignore_index, reduction, eps)
        if fast is not None:        # the common case in one compiled pass (fused.py, cross_entropy_rows)
            p, total = fast
            self.denom = x.shape[0] if reduction == "mean" else 1
            self.save_for_backward(p, target, xp.arange(x.shape[0]))
            self.sparse, self.cdim, self.eps, self.n_classes = "rows", 1, eps, x.shape[1]
            return np.asarray(total / self.denom, dtype=x.dtype)
        cdim = 0 if x.ndim == 1 else 1
        n_classes = x.shape[cdim]
        shifted = x - xp.max(x, axis=cdim, keepdims=True)
        p = xp.exp(shifted)
        s = xp.sum(p, axis=cdim, keepdims=True)
        p /= s
        log_s = xp.log(s)
        w = None if weight is None else _class_weight(weight, x, cdim)
        if is_float(target.dtype):              # class probabilities
            if target.shape != x.shape:
                raise ShapeError(f"cross_entropy: probability targets must have the input's shape {x.shape}; "
                                 f"got {target.shape}")
            logp = shifted - log_s
            coef = target * (1 - eps) + eps / n_classes if eps else target
            if w is not None:
                coef = coef * w
            loss = -xp.sum(coef * logp, axis=cdim)
            self.denom = loss.size
            self.save_for_backward(p, coef, logp if self.needs_grad[1] else None, w)
            self.sparse = False
        elif x.ndim == 2 and weight is None and not eps and reduction != "none" and _plain_targets(
                target, x.shape[0], n_classes, ignore_index):
            # the common case, (N, C) logits and N class indices, none ignored: plain row indexing
            # (take/put_along_axis and the per-element weights cost ~100 us a step at N=128)
            rows = xp.arange(x.shape[0])
            self.denom = x.shape[0] if reduction == "mean" else 1
            self.save_for_backward(p, target, rows)       # the targets second, as below (the doctor reads them)
            self.sparse, self.cdim, self.eps, self.n_classes = "rows", 1, eps, n_classes
            return -xp.sum(shifted[rows, target] - log_s[:, 0]) / self.denom
        else:                                   # class indices
            cdim, t, valid, wy = _class_targets("cross_entropy", x, target, weight, ignore_index)
            picked = xp.take_along_axis(shifted, _along(t, cdim), cdim) - log_s
            loss = -(1 - eps) * wy * xp.squeeze(picked, cdim)
            if eps:
                w_sum = n_classes if w is None else xp.sum(weight)
                summed = xp.sum(shifted if w is None else shifted * w, axis=cdim, keepdims=True) - log_s * w_sum
                loss -= (eps / n_classes) * valid * xp.squeeze(summed, cdim)
            self.denom = xp.sum(wy)
            self.save_for_backward(p, t, valid, wy, w)
            self.sparse = True
        self.cdim, self.eps, self.n_classes = cdim, eps, n_classes
        return _reduce(loss, reduction, self.denom)

    def backward(self, g):
        p = self.saved[0]
        if self.sparse == "rows":
            _, t, rows = self.saved
            scale = g / self.denom
            gx = p * scale
            gx[rows, t] -= scale
            return gx, None, None, None, None, None
        cdim, eps, k = self.cdim, self.eps, self.n_classes
        gl = _unreduce(g, self.reduction, p.shape[:cdim] + p.shape[cdim + 1:], self.denom)
        if not self.sparse:
            _, coef, logp, w = self.saved
            gx = p * _along(gl * xp.sum(coef, axis=cdim), cdim) - _along(gl, cdim) * coef
            gt = None
            if self.needs_grad[1]:
                gt = -(1 - eps) * _along(gl, cdim) * logp * (1 if w is None else w)
            return gx, gt, None, None, None, None
        _, t, valid, wy, w = self.saved
        w_sum = k if w is None else xp.sum(w)
        total = (1 - eps) * wy + (eps / k) * w_sum * valid      # sum over classes of each coefficient
        gx = p * _along(gl * total, cdim)
        idx = _along(t, cdim)
        hit = xp.take_along_axis(gx, idx, cdim) - _along(gl * (1 - eps) * wy, cdim)
        xp.put_along_axis(gx, idx, hit, cdim)
        if eps:
            gx -= _along(gl * valid * (eps / k), cdim) * (1 if w is None else w)
        return gx, None, None, None, None, None


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """Cross-entropy between logits and targets (log-softmax and negative log-likelihood, fused).

    Args:
        input: logits, (N, C), (C,) or (N, C, d1, ...).
        target: class indices (N,) / () / (N, d1, ...) as integers, or class probabilities
            with the input's shape as floats.
        weight: optional (C,) rescaling of each class.
        ignore_index: class-index targets equal to this add nothing (and do not count in the mean).
        reduction: 'mean' (weighted mean over counted elements), 'sum' or 'none'.
        label_smoothing: in [0, 1]; mixes the target with the uniform distribution.

    Example:
        >>> F.cross_entropy(gw.tensor([[2.0, 0.5]]), gw.tensor([0]))
    """
    _check_reduction("cross_entropy", reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ArgumentError(f"cross_entropy: label_smoothing must be in [0, 1]; got {label_smoothing}")
    return CrossEntropy.apply(input, _operand(target), _array(weight), ignore_index, reduction, label_smoothing)


class NLLLoss(Function):
    def forward(self, logp, target, weight, ignore_index, reduction):
        cdim, t, valid, wy = _class_targets("nll_loss", logp, target, weight, ignore_index)
        loss = -wy * xp.squeeze(xp.take_along_axis(logp, _along(t, cdim), cdim), cdim)
        self.denom, self.reduction, self.cdim, self.shape = xp.sum(wy), reduction, cdim, logp.shape
        self.save_for_backward(t, wy)
        return _reduce(loss, reduction, self.denom)

    def backward(self, g):
        t, wy = self.saved
        gl = _unreduce(g, self.reduction, t.shape, self.denom)
        gx = xp.zeros_like(gl, shape=self.shape, order="C")
        xp.put_along_axis(gx, _along(t, self.cdim), _along(-gl * wy, self.cdim), self.cdim)
        return gx, None, None, None, None


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """Negative log-likelihood of class targets, given log-probabilities (e.g. from log_softmax).

    Args:
        input: log-probabilities (N, C), (C,) or (N, C, d1, ...).
        target: integer classes (N,) / () / (N, d1, ...).
    """
    _check_reduction("nll_loss", reduction)
    return NLLLoss.apply(input, _array(target), _array(weight), ignore_index, reduction)


def _same_shape(op, x, t):
    if shape_of(x) != shape_of(t):
        raise ShapeError(f"{op}: target shape {shape_of(t)} must equal the input shape {shape_of(x)}")


class BinaryCrossEntropy(Function):
    def forward(self, p, t, weight, reduction):
        _same_shape("binary_cross_entropy", p, t)
        if p.size and (p.min() < 0 or p.max() > 1):
            raise ArgumentError(f"binary_cross_entropy: input must hold probabilities in [0, 1]; got values from "
                             f"{p.min():.4g} to {p.max():.4g}. For raw scores use binary_cross_entropy_with_logits.")
        with xp.errstate(divide="ignore"):
            log_p = xp.maximum(xp.log(p), -100)         # PyTorch clamps the logs at -100
            log_q = xp.maximum(xp.log1p(-p), -100)
        weight = _like(weight, p)
        w = 1 if weight is None else weight
        loss = -w * (t * log_p + (1 - t) * log_q)
        self.reduction, self.denom = reduction, loss.size
        self.save_for_backward(p, t, log_p, log_q, weight)
        return _reduce(loss, reduction, self.denom)

    def backward(self, g):
        p, t, log_p, log_q, weight = self.saved
        gl = _unreduce(g, self.reduction, p.shape, self.denom)
        if weight is not None:
            gl = gl * weight
        gp = gl * (p - t) / xp.maximum(p * (1 - p), 1e-12) if self.needs_grad[0] else None
        gt = gl * (log_q - log_p) if self.needs_grad[1] else None
        return gp, gt, None, None


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """-[t log p + (1 - t) log(1 - p)] for probabilities p in [0, 1] (logs clamped at -100).

    Args:
        input: probabilities, any shape. target: same shape, values in [0, 1].
        weight: optional rescaling, broadcastable to the input.
    """
    _check_reduction("binary_cross_entropy", reduction)
    return BinaryCrossEntropy.apply(input, _operand(target), _array(weight), reduction)


class BinaryCrossEntropyWithLogits(Function):
    def forward(self, x, t, weight, reduction, pos_weight):
        _same_shape("binary_cross_entropy_with_logits", x, t)
        softplus_neg = xp.maximum(-x, 0) + xp.log1p(xp.exp(-xp.abs(x)))     # log(1 + e^-x), stable
        weight, pos_weight = _like(weight, x), _like(pos_weight, x)
        lw = 1 if pos_weight is None else 1 + (pos_weight - 1) * t
        loss = (1 - t) * x + lw * softplus_neg
        if weight is not None:
            loss = loss * weight
        self.reduction, self.denom = reduction, loss.size
        self.save_for_backward(x, t, softplus_neg, weight, pos_weight)
        return _reduce(loss, reduction, self.denom)

    def backward(self, g):
        x, t, softplus_neg, weight, pos_weight = self.saved
        gl = _unreduce(g, self.reduction, x.shape, self.denom)
        if weight is not None:
            gl = gl * weight
        gx = gt = None
        if self.needs_grad[0]:
            e = xp.exp(-xp.abs(x))
            sig_neg = xp.maximum(e, x < 0) / (1 + e)            # sigmoid(-x), stable (no np.where: see activation)
            lw = 1 if pos_weight is None else 1 + (pos_weight - 1) * t
            gx = gl * ((1 - t) - lw * sig_neg)
        if self.needs_grad[1]:
            gt = gl * (-x if pos_weight is None else -x + (pos_weight - 1) * softplus_neg)
        return gx, gt, None, None, None


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean", pos_weight=None):
    """Sigmoid and binary cross-entropy fused: stable for any logit.

    Args:
        input: logits, any shape. target: same shape, values in [0, 1].
        weight: optional rescaling, broadcastable to the input.
        pos_weight: optional weight of positive examples, broadcastable (e.g. one per class).
    """
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    return BinaryCrossEntropyWithLogits.apply(input, _operand(target), _array(weight), reduction, _array(pos_weight))


def _check_target(op, x, t):
    """A target that would broadcast the loss beyond the input's shape is an error: an (N, 1) output
    against (N,) targets makes an N x N loss that trains towards the wrong answer without a word.
    A target that only broadcasts into the input's shape gets PyTorch's warning."""
    xs, ts = tuple(shape_of(x)), tuple(shape_of(t))
    if xs == ts:
        return
    try:
        full = xp.broadcast_shapes(xs, ts)
    except ValueError:
        raise ShapeError(f"{op}: target shape {ts} does not broadcast to the input shape {xs}") from None
    if full != xs:
        hint = ""
        if len(xs) == 2 and xs[1] == 1 and ts == xs[:1]:
            hint = " Reshape the target with target.view(-1, 1), or the input with input.squeeze(-1)."
        elif len(ts) == 2 and ts[1] == 1 and xs == ts[:1]:
            hint = " Reshape the target with target.view(-1)."
        raise ShapeError(f"{op}: target shape {ts} differs from the input shape {xs}; broadcasting them would "
                         f"compare every input with every target (a loss of shape {full}).{hint}")
    warnings.warn(f"{op}: using a target size {ts} that is different to the input size {xs}; the target is "
                  f"broadcast. Make the shapes equal if that is not what you meant.", ShapeWarning, stacklevel=3)


class _Regression(Function):
    """Elementwise loss of d = input - target; subclasses give value(d) and slope(d)."""
    def forward(self, x, t, reduction):
        d = x - t
        loss = self.value(d)
        self.reduction, self.denom, self.shapes = reduction, loss.size, (shape_of(x), shape_of(t))
        self.save_for_backward(d)
        return _reduce(loss, reduction, self.denom)

    def backward(self, g):
        d = self.saved[0]
        gd = _unreduce(g, self.reduction, d.shape, self.denom) * self.slope(d)
        nx, nt = self.needs_grad[:2]
        return (unbroadcast(gd, self.shapes[0]) if nx else None,
                unbroadcast(-gd, self.shapes[1]) if nt else None, None)


class MSE(_Regression):
    value = staticmethod(lambda d: d * d)
    slope = staticmethod(lambda d: 2 * d)


class L1(_Regression):
    value = staticmethod(xp.abs)
    slope = staticmethod(xp.sign)


class Huber(_Regression):
    def forward(self, x, t, reduction, delta):
        self.delta = delta
        return super().forward(x, t, reduction)

    def value(self, d):
        a = xp.abs(d)
        return xp.where(a < self.delta, 0.5 * d * d, self.delta * (a - 0.5 * self.delta))

    def slope(self, d):
        return xp.clip(d, -self.delta, self.delta)

    def backward(self, g):
        return super().backward(g) + (None,)


def mse_loss(input, target, reduction="mean"):
    """Mean squared error (input - target)^2, reduced."""
    _check_reduction("mse_loss", reduction)
    _check_target("mse_loss", input, target)
    return MSE.apply(input, _operand(target), reduction)


def l1_loss(input, target, reduction="mean"):
    """Mean absolute error |input - target|, reduced."""
    _check_reduction("l1_loss", reduction)
    _check_target("l1_loss", input, target)
    return L1.apply(input, _operand(target), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0):
    """0.5 d^2 where |d| < delta, else delta (|d| - delta/2); d = input - target."""
    _check_reduction("huber_loss", reduction)
    _check_target("huber_loss", input, target)
    if delta <= 0:
        raise ArgumentError(f"huber_loss: delta must be > 0; got {delta}")
    return Huber.apply(input, _operand(target), reduction, delta)


def _array(v):
    """Class targets and weights are constants: the array of a tensor, or of array-like data."""
    return None if v is None else backend.asarray(getattr(v, "_data", v))


def _like(v, x):
    """Constant weights follow the input's dtype, so float32 stays float32."""
    return None if v is None else v.astype(x.dtype, copy=False)


def _operand(v):
    """A target that may carry a gradient: tensors stay tensors, other data becomes an array."""
    from ..tensor import Tensor
    return v if isinstance(v, Tensor) else backend.asarray(v)
