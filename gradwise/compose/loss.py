"""Losses with PyTorch's full signatures (legacy ``size_average``/``reduce`` included), and the
losses composed of primitives: smooth L1 and Kullback-Leibler divergence."""
from ..errors import ShapeError
from ..ops import elementwise as E
from ..ops import loss as L
from ..ops import reduce as R


def legacy_reduction(size_average, reduce, reduction):
    """PyTorch's mapping of the deprecated ``size_average`` and ``reduce`` flags to ``reduction``."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    if reduce is False:
        return "none"
    return "mean" if size_average else "sum"


def _weighted(loss_fn, input, target, weight, reduction, weighted_mean=True):
    """An elementwise loss times ``weight`` (the input's shape), then reduced. PyTorch's 'mean' is
    sum(w * loss) / sum(w) for mse and l1 but mean(w * loss) for huber (``weighted_mean=False``)."""
    if weight is None:
        return loss_fn(input, target, reduction)
    L._check_reduction("loss", reduction)
    if tuple(weight.shape) != tuple(input.shape):
        raise ShapeError(f"loss: weight must have the input's shape {tuple(input.shape)}; got {tuple(weight.shape)}")
    loss = E.mul(loss_fn(input, target, "none"), weight)
    if reduction == "mean":
        return E.div(R.sum(loss), R.sum(weight)) if weighted_mean else R.mean(loss)
    return loss if reduction == "none" else R.sum(loss)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Softmax cross-entropy on logits with class-index or probability targets (fused, stable)."""
    return L.cross_entropy(input, target, weight, ignore_index, legacy_reduction(size_average, reduce, reduction),
                           label_smoothing)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """Negative log-likelihood of class targets, given log-probabilities."""
    return L.nll_loss(input, target, weight, ignore_index, legacy_reduction(size_average, reduce, reduction))


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-[t log p + (1 - t) log(1 - p)] on probabilities (logs clamped at -100)."""
    return L.binary_cross_entropy(input, target, weight, legacy_reduction(size_average, reduce, reduction))


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    """Sigmoid and binary cross-entropy, fused and stable."""
    return L.binary_cross_entropy_with_logits(input, target, weight, legacy_reduction(size_average, reduce, reduction),
                                              pos_weight)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """(input - target)^2, optionally times ``weight``, reduced."""
    return _weighted(L.mse_loss, input, target, weight, legacy_reduction(size_average, reduce, reduction))


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """|input - target|, optionally times ``weight``, reduced."""
    return _weighted(L.l1_loss, input, target, weight, legacy_reduction(size_average, reduce, reduction))


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """0.5 d^2 where |d| < delta, else delta (|d| - delta/2); d = input - target."""
    return _weighted(lambda x, t, r: L.huber_loss(x, t, r, delta), input, target, weight, reduction,
                     weighted_mean=False)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - beta/2 (Huber loss divided by beta; L1 at beta=0)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be >= 0; got {beta}")
    if beta == 0:
        return L.l1_loss(input, target, reduction)
    return E.div(L.huber_loss(input, target, reduction, beta), float(beta))


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Kullback-Leibler divergence sum t (log t - input), with ``input`` log-probabilities and
    ``target`` probabilities (log-probabilities if ``log_target``); terms with t = 0 add 0.

    ``reduction='batchmean'`` divides the sum by the batch size (the true KL divergence per
    sample); 'mean' divides by the number of elements, as in PyTorch.
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    if reduction not in ("mean", "batchmean", "sum", "none"):
        raise ValueError(f"kl_div: unknown reduction {reduction!r}; expected one of mean, batchmean, sum, none")
    target = L._operand(target)
    if log_target:
        loss = E.mul(E.exp(target), E.sub(target, input))
    else:   # where t = 0, log is taken of 1 instead, so the term and its gradients stay finite
        safe = E.where(E.gt(target, 0), target, 1.0)
        loss = E.mul(target, E.sub(E.log(safe), input))
    if reduction == "none":
        return loss
    if reduction == "batchmean":
        return E.div(R.sum(loss), float(input.shape[0]) if input.ndim else 1.0)
    return R.mean(loss) if reduction == "mean" else R.sum(loss)
