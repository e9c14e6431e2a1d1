import math
import statistics

from .base import Rule


class LabelsUnrelated(Rule):
    """A classifier's loss stuck at ln(K) although the weights move at a healthy rate: the labels
    carry no information about the inputs (misaligned after a shuffle, or random)."""
    code, phase = "labels_unrelated", "sample"
    thresholds = {"ln_k": (0.9, "smoothed loss within 10% of ln(K), the loss of a uniform guess (CS231n)"),
                  "steps": (100, "a classifier that learns anything leaves ln(K) within 100 steps"),
                  "moving": (1e-4, "the median update/weight ratio above 1e-4: the learning rate is not the cause")}

    def check(self, rec):
        k = rec.n_classes
        if not k or k < 2 or rec.smooth_loss is None or rec.step < self.limit("steps") or not rec.ratios:
            return None
        ratios = [r for r in rec.ratios.values() if math.isfinite(r)]
        moving = bool(ratios) and statistics.median(ratios) > self.limit("moving")
        shrinking = bool(rec.weight_decay) and rec.grad_history and \
            rec.grad_history[-1][1] < 0.5 * rec.grad_history[0][1]
        near = self.limit("ln_k") * math.log(k) <= rec.smooth_loss <= (2 - self.limit("ln_k")) * math.log(k)
        if not near or not moving or shrinking:
            return []
        return [self.finding(
            "warning", "", rec.step, {"smoothed_loss": rec.smooth_loss, "ln_k": math.log(k)},
            f"After {rec.step} steps the loss is {rec.smooth_loss:.3g}, still ln({k}) = {math.log(k):.3g}, the loss of "
            f"a uniform guess, although the weights move at a healthy rate: nothing in the inputs predicts the "
            f"labels.", "Check that inputs and labels stay aligned (shuffle them with one permutation, x[p], y[p]), "
            "that the label column is the right one, and that the dataset's __getitem__ returns the label of the "
            "same sample.")]
