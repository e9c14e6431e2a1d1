import numpy as np

from .base import Rule


class ClassImbalance(Rule):
    """The largest class 10x the smallest."""
    code, phase = "class_imbalance", "preflight"
    thresholds = {"ratio": (10.0, "He & Garcia, Learning from Imbalanced Data (2009): ratios of 10:1 and beyond "
                                  "are where plain accuracy misleads")}

    def check(self, rec):
        p = rec.preflight
        if p["labels"] is None or not p["is_classifier"]:
            return []
        counts = np.bincount(np.asarray(p["labels"], dtype=np.int64).reshape(-1).clip(0))
        counts = counts[counts > 0]
        if len(counts) < 2 or counts.max() < self.limit("ratio") * counts.min():
            return []
        return [self.finding(
            "warning", "", 0, {"largest": int(counts.max()), "smallest": int(counts.min())},
            f"The largest class has {counts.max()} samples and the smallest {counts.min()}: the model can score "
            f"well by ignoring the rare classes.", "Weight the loss (CrossEntropyLoss(weight=...)), resample the "
            "rare classes, and watch precision, recall and F1 rather than accuracy.", immediate=True)]
