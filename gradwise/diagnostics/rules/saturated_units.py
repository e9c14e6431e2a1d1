from .base import Rule


class SaturatedUnits(Rule):
    """Half of a hidden sigmoid/tanh layer's units in their flat region. An output sigmoid is not
    judged: with 0/1 targets (an image autoencoder, a binary classifier) it should saturate."""
    code, scope = "saturated_units", "layer"
    thresholds = {"fraction": (0.5, "Glorot & Bengio (2010): saturated units pass almost no gradient; half a "
                                    "layer's units flat on 90% of their inputs")}

    def check(self, rec):
        return [self.finding(
            "warning", name, rec.step, {"saturated_fraction": s["saturated_fraction"]},
            f"{s['saturated_fraction']:.0%} of the {s['kind']} units of {name} sit in their flat region, where the "
            f"derivative is nearly 0: little gradient passes through them.",
            "Scale the inputs, use Xavier initialisation, add batch normalisation before the activation, or switch "
            "to ReLU.") for name, s in rec.acts.items()
            if s["kind"] != "relu" and not s.get("is_output") and s.get("saturated_fraction", 0) >= self.limit("fraction")]
