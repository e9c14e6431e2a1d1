from .base import Rule


class DeadRelus(Rule):
    """ReLU units that output zero for every sample of the last sampled batches."""
    code, scope = "dead_relus", "layer"
    thresholds = {"info": (0.4, "CS231n Neural Networks Part 1: 'as much as 40%' of a network can die; PyTorch-default "
                                "LeNet-5 dense layers sit near 45% and train well, so 40% is info"),
                  "warning": (0.6, "a majority of a layer's units dead")}

    def check(self, rec):
        found = []
        for name, s in rec.acts.items():
            if s["kind"] != "relu" or s["dead_fraction"] < self.limit("info"):
                continue
            found.append(self.finding(
                "warning" if s["dead_fraction"] >= self.limit("warning") else "info", name, rec.step,
                {"dead_fraction": s["dead_fraction"]},
                f"{s['dead_fraction']:.0%} of the units of {name} output zero for every sample of the last 5 sampled "
                f"batches: dead ReLUs get no gradient and never recover.",
                "Lower the learning rate, initialise biases at 0 (or slightly positive) with He initialisation, or "
                "use LeakyReLU/ELU."))
        return found
