"""Findings: what the doctor saw, where, since when, and what to do about it."""
from dataclasses import asdict, dataclass, field
from ..errors import ArgumentError

SEVERITIES = ("info", "warning", "critical")


@dataclass
class Finding:
    """One diagnosis.

    Attributes:
        code: a stable identifier, e.g. ``vanishing_gradients``.
        severity: "info", "warning" or "critical".
        layer: the layer(s) concerned (module names), or "" for the whole model or run.
        step: the first training step (or epoch, see ``unit``) the signal was seen; for a finding
            that escalated, the step of the escalation.
        evidence: the numbers behind it.
        explanation: what is happening, in plain words.
        fix: what to change.
        unit: "step" or "epoch": what ``step`` counts.
    """
    code: str
    severity: str
    layer: str
    step: int
    evidence: dict = field(default_factory=dict)
    explanation: str = ""
    fix: str = ""
    unit: str = "step"

    def __post_init__(self):
        if self.severity not in SEVERITIES:
            raise ArgumentError(f"Finding severity must be one of {SEVERITIES}; got {self.severity!r}")

    def to_dict(self):
        return asdict(self)

    def __str__(self):
        where = f" in {self.layer}" if self.layer else ""
        return (f"[{self.severity}] {self.code}{where} (since {self.unit} {self.step}): {self.explanation} "
                f"Fix: {self.fix}")


class FindingBook:
    """Collects findings with hysteresis: a signal must repeat ``patience`` times in a row before
    it becomes a finding (``immediate`` signals, like non-finite values, count at once). Each
    (code, layer) is reported once."""
    def __init__(self, patience=3):
        self.patience = patience
        self.findings = []
        self._streak, self._first, self._reported = {}, {}, set()

    # findings about the whole run or the whole gradient profile are keyed by code alone: their
    # ``layer`` text describes, and may change between samples, while the signal is the same
    BY_CODE = {"diverging_loss", "learning_rate_too_high", "learning_rate_too_low", "overfitting", "underfitting",
               "class_imbalance", "unscaled_inputs", "nonfinite_inputs", "labels_out_of_range",
               "initial_loss_too_high", "exploding_gradients", "vanishing_gradients", "oscillating_loss",
               "lr_schedule_kills_lr", "gradient_accumulation", "unshuffled_sorted_data", "excessive_weight_decay",
               "labels_unrelated", "eval_mode_mismatch"}

    def signal(self, finding, immediate=False):
        """Count a signal; returns the Finding when it is reported (or upgraded to a higher severity)."""
        key = (finding.code, "" if finding.code in self.BY_CODE else finding.layer)
        if key in self._reported:
            return self._upgrade(key, finding)
        self._streak[key] = self._streak.get(key, 0) + 1
        self._first.setdefault(key, finding.step)
        if immediate or self._streak[key] >= self.patience:
            if not immediate:       # an immediate finding happened now, not when an older streak began
                finding.step = self._first[key]
            self.findings.append(finding)
            self._reported.add(key)
            return finding
        return None

    def _upgrade(self, key, finding):
        old = next(f for f in self.findings if (f.code, "" if f.code in self.BY_CODE else f.layer) == key)
        if SEVERITIES.index(finding.severity) <= SEVERITIES.index(old.severity):
            return None
        first = old.evidence.get("first_seen_step", old.step)
        old.__dict__.update(finding.__dict__)
        old.evidence["first_seen_step"] = first     # the step is the escalation's; the first sign stays here
        return old

    def clear(self, code, layer=""):
        """The signal was absent this time: its streak starts over."""
        key = (code, "" if code in self.BY_CODE else layer)
        self._streak.pop(key, None)
        self._first.pop(key, None)

    def key(self, code, layer=""):
        return code, "" if code in self.BY_CODE else layer

    def quiet(self, code, signalled=()):
        """Restart the streaks of ``code`` for every layer not in ``signalled`` this time."""
        keep = {self.key(code, layer) for layer in signalled}
        for key in [k for k in self._streak if k[0] == code and k not in keep]:
            self._streak.pop(key, None)
            self._first.pop(key, None)

    def summary(self):
        counts = {s: sum(f.severity == s for f in self.findings) for s in SEVERITIES}
        parts = [f"{n} {s}" + ("s" if n > 1 and s == "warning" else "") for s, n in counts.items()
                 if n and s != "info"]
        return "healthy" if not parts else ", ".join(parts)
