import numpy as np

from .base import Rule


class LabelsOutOfRange(Rule):
    """Class labels outside 0..K-1 for a K-output classifier."""
    code, phase = "labels_out_of_range", "preflight"

    def check(self, rec):
        p = rec.preflight
        out, ys = p["out"], np.asarray(p["y"]) if p["y"] is not None else None
        if not p["is_classifier"] or out is None or out.ndim != 2 or ys is None or not ys.size \
                or not np.issubdtype(ys.dtype, np.integer):
            return []
        k = out.shape[1]
        if ys.min() >= 0 and ys.max() < k:
            return []
        return [self.finding(
            "critical", "", 0, {"min_label": int(ys.min()), "max_label": int(ys.max()), "outputs": k},
            f"Labels run from {ys.min()} to {ys.max()}, but the output layer has {k} units (classes 0 to {k - 1}).",
            f"Give the last layer {int(ys.max()) + 1} outputs, or map the labels to 0..{k - 1}.", immediate=True)]
