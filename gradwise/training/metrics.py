"""Metrics: they only report. Each accumulates over the batches of an epoch from the model's
outputs (no gradient, no graph) and gives one number.

Strings accepted by the Trainer: accuracy (acc), top_k_accuracy (top_5_accuracy ...),
precision, recall, f1, mae, mse.
"""
import re

import numpy as np
from ..errors import ArgumentError


class Metric:
    name = "metric"

    def reset(self):
        raise NotImplementedError

    def update(self, output, target):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def state_dict(self):
        """Plain numbers (JSON-safe), so a checkpoint can carry a half-finished epoch."""
        return {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in vars(self).items()}

    def load_state_dict(self, state):
        for k, v in state.items():
            setattr(self, k, np.asarray(v) if isinstance(getattr(self, k, None), np.ndarray) else v)


def _classes(output, from_logits):
    """Predicted class per sample: argmax for (N, C) outputs, a threshold for binary ones."""
    if output.ndim >= 2 and output.shape[1] > 1:
        return np.argmax(output, axis=1)
    out = output.reshape(len(output), *output.shape[2:]) if output.ndim >= 2 else output
    return (out > (0.0 if from_logits else 0.5)).astype(np.int64)


def target_classes(output, target):
    """Class-index targets; one-hot (or probability) targets with the output's (N, C, ...) shape,
    Keras's habit with categorical_crossentropy, become the index of their largest entry."""
    target = np.asarray(target)
    if target.shape == output.shape and output.ndim >= 2 and output.shape[1] > 1 and target.dtype.kind == "f":
        return np.argmax(target, axis=1)
    return target


class Accuracy(Metric):
    """Fraction of samples whose predicted class is the target: argmax over classes for (N, C)
    outputs, or a 0.5 threshold (0 for logits) for one binary output.

    Args:
        top_k: count a hit when the target is among the k highest scores (multi-class).
        from_logits: binary outputs are logits rather than probabilities.
    """
    def __init__(self, top_k=1, from_logits=False):
        self.top_k, self.from_logits = top_k, from_logits
        self.name = "accuracy" if top_k == 1 else f"top_{top_k}_accuracy"
        self.reset()

    def reset(self):
        self.correct, self.count = 0, 0

    def update(self, output, target):
        target = target_classes(output, target)
        if self.top_k > 1:
            if output.ndim != 2 or output.shape[1] < self.top_k:
                raise ArgumentError(f"{self.name} needs (N, C) outputs with C >= {self.top_k}; got {output.shape}")
            top = np.argpartition(-output, self.top_k - 1, axis=1)[:, :self.top_k]
            hits = (top == target.reshape(-1, 1)).any(axis=1)
        else:
            predicted = _classes(output, self.from_logits)
            hits = predicted == target.reshape(predicted.shape)
        self.correct += int(hits.sum())
        self.count += int(hits.size)

    def result(self):
        return self.correct / self.count if self.count else float("nan")


class _Confusion(Metric):
    """Per-class true positives, false positives and false negatives; macro-averaged (for two
    classes, the positive class 1 alone, as Keras and scikit-learn's binary default)."""
    def __init__(self, from_logits=False):
        self.from_logits = from_logits
        self.reset()

    def reset(self):
        self.tp, self.fp, self.fn = np.zeros(0), np.zeros(0), np.zeros(0)
        self.binary = None

    def update(self, output, target):
        pred = _classes(output, self.from_logits).reshape(-1)
        target = target_classes(output, target).reshape(-1).astype(np.int64)
        k = max(int(pred.max(initial=0)), int(target.max(initial=0)), output.shape[1] - 1 if output.ndim >= 2 else 1,
                len(self.tp) - 1) + 1
        if self.binary is None:
            self.binary = not (output.ndim >= 2 and output.shape[1] > 2)
        for name in ("tp", "fp", "fn"):
            arr = getattr(self, name)
            if len(arr) < k:
                setattr(self, name, np.concatenate([arr, np.zeros(k - len(arr))]))
        self.tp += np.bincount(pred[pred == target], minlength=k)[:k]
        self.fp += np.bincount(pred[pred != target], minlength=k)[:k]
        self.fn += np.bincount(target[pred != target], minlength=k)[:k]

    def _scores(self):
        tp, fp, fn = self.tp, self.fp, self.fn
        with np.errstate(divide="ignore", invalid="ignore"):
            precision = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
            recall = np.where(tp + fn > 0, tp / (tp + fn), 0.0)
            f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
        return precision, recall, f1

    def _pick(self, scores):
        if not len(self.tp):
            return float("nan")
        return float(scores[1]) if self.binary and len(scores) == 2 else float(scores.mean())


class Precision(_Confusion):
    name = "precision"

    def result(self):
        return self._pick(self._scores()[0])


class Recall(_Confusion):
    name = "recall"

    def result(self):
        return self._pick(self._scores()[1])


class F1(_Confusion):
    name = "f1"

    def result(self):
        return self._pick(self._scores()[2])


class MeanAbsoluteError(Metric):
    name = "mae"

    def __init__(self):
        self.reset()

    def reset(self):
        self.total, self.count = 0.0, 0

    def update(self, output, target):
        d = np.asarray(output, dtype=np.float64) - np.asarray(target, dtype=np.float64).reshape(output.shape)
        self.total += float(self._value(d).sum())
        self.count += d.size

    @staticmethod
    def _value(d):
        return np.abs(d)

    def result(self):
        return self.total / self.count if self.count else float("nan")


class MeanSquaredError(MeanAbsoluteError):
    name = "mse"

    @staticmethod
    def _value(d):
        return d * d


_NAMES = {"accuracy": Accuracy, "acc": Accuracy, "precision": Precision, "recall": Recall, "f1": F1,
          "mae": MeanAbsoluteError, "mse": MeanSquaredError}


def get(metric, from_logits=False):
    """A metric from a name (Keras style) or a Metric instance."""
    if isinstance(metric, Metric):
        return metric
    name = str(metric).lower()
    top = re.fullmatch(r"top_(\d+)_accuracy", name)
    if top:
        return Accuracy(top_k=int(top.group(1)))
    if name in ("accuracy", "acc"):
        return Accuracy(from_logits=from_logits)
    if name in ("precision", "recall", "f1"):
        return _NAMES[name](from_logits=from_logits)
    if name in _NAMES:
        return _NAMES[name]()
    raise ArgumentError(f"unknown metric {metric!r}; known: {', '.join(sorted(_NAMES))}, top_<k>_accuracy")
