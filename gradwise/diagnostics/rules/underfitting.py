from .base import Rule


class Underfitting(Rule):
    """Training accuracy at chance after three epochs."""
    code, phase = "underfitting", "epoch"
    thresholds = {"epochs": (3, "three epochs"), "margin": (0.05, "within 5 points of chance (1/K)")}

    def check(self, rec):
        epochs, k = rec.epochs, rec.n_classes
        acc = [e.get("accuracy") for e in epochs]
        if not k or len(epochs) < self.limit("epochs") or any(a is None for a in acc[-3:]):
            return None
        if acc[-1] > 1 / k + self.limit("margin"):
            return []
        return [self.finding(
            "warning", "", len(epochs), {"accuracy": acc[-1], "chance": 1 / k},
            f"After {len(epochs)} epochs the training accuracy is {acc[-1]:.3f}, about chance (1/{k}): the model is "
            f"not learning.", "Check the labels and the inputs, raise the learning rate (trainer.find_lr), or use a "
            "larger model.", immediate=True, unit="epoch")]
