"""The Rule base class: one finding code, its thresholds with their sources, and ``check``."""
from ..findings import Finding


class Rule:
    """One finding code.

    Class attributes:
        code: the finding code (stable identifier).
        scope: "run", "layer" or "parameter": what ``Finding.layer`` names.
        phase: when ``check`` runs: "preflight" (once, on the first batch), "step" (every
            optimizer step), "sample" (sampled steps, with per-layer statistics) or "epoch".
        thresholds: name -> (value, source of the value).

    ``check(rec)`` reads a ``signals.Record`` and returns a list of Findings (empty when quiet).
    A finding becomes a report after ``patience`` signals in a row unless made with
    ``immediate=True``.
    """
    code = ""
    scope = "run"
    phase = "sample"
    thresholds = {}

    def check(self, rec):
        raise NotImplementedError

    def limit(self, name):
        return self.thresholds[name][0]

    def finding(self, severity, layer, step, evidence, explanation, fix, immediate=False, unit="step"):
        f = Finding(self.code, severity, layer, step, evidence, explanation, fix, unit=unit)
        f._immediate = immediate
        return f
