import numpy as np

from .base import Rule


class Overfitting(Rule):
    """Validation loss rising for 3 epochs while the training loss falls."""
    code, phase = "overfitting", "epoch"
    thresholds = {"rising": (3, "Prechelt, Early Stopping - But When? (1998): stop after a few epochs of rising "
                                "validation loss"), "margin": (1.05, "5% above the best validation loss")}

    def check(self, rec):
        epochs = rec.epochs
        val = [e.get("val_loss") for e in epochs]
        if len(epochs) < 4 or any(v is None for v in val):
            return None
        best = int(np.argmin(val))
        if not (len(val) - 1 - best >= self.limit("rising") and val[-1] > val[best] * self.limit("margin")
                and epochs[-1]["loss"] < epochs[best]["loss"]):
            return []
        return [self.finding(
            "warning", "", best + 2, {"best_epoch": best + 1, "best_val_loss": val[best], "val_loss": val[-1],
                                      "loss": epochs[-1]["loss"]},
            f"Since epoch {best + 2} the validation loss has risen from {val[best]:.3g} to {val[-1]:.3g} while the "
            f"training loss kept falling to {epochs[-1]['loss']:.3g}: the model memorises the training set.",
            "Stop earlier (EarlyStopping(restore_best_weights=True)), add dropout or weight decay (L2), augment or "
            "add data, or use a smaller model.", immediate=True, unit="epoch")]
