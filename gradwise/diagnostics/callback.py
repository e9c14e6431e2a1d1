"""Diagnostics: the training doctor as a callback (on by default in ``Trainer.fit``)."""
import json
import math
from collections import deque

import numpy as np

from ..autograd import no_grad
from ..data.dataset import fetch
from ..serialization import atomic_write
from ..tensor import Tensor
from ..training.callbacks import Callback
from . import rules
from .anomaly import AnomalyError, detect_anomaly
from .findings import Finding, FindingBook
from .monitor import LayerMonitor


class Diagnostics(Callback):
    """Watch training for the textbook's signs of trouble and explain each with its fix.

    Statistics are taken on the first ``warmup`` steps and then every ``every`` steps, so the
    cost stays small; a finding needs ``patience`` sampled signals in a row (non-finite values
    count at once). Findings go to ``history.findings``, to the console after each epoch
    ("health: 1 warning"), to TensorBoard as text, and to findings.json in ``log_dir``.

    Dead and saturated units are measured on ``nn.ReLU``, ``nn.Sigmoid`` and ``nn.Tanh`` modules;
    activations applied with ``gradwise.functional`` inside a custom ``forward`` are not seen.

    Args:
        log_dir: folder for findings.json and diagnostics.json (the data of ``gradwise doctor``).
        verbose: print the health line and new findings after each epoch.
    """
    def __init__(self, log_dir=None, every=10, warmup=10, patience=3, verbose=True):
        self.log_dir, self.every, self.warmup, self.verbose = log_dir, every, warmup, verbose
        self.book = FindingBook(patience)
        self.monitor = None
        self.series = {"step": [], "grad_rms": {}, "update_ratio": {}, "activations": {}, "loss": []}
        self._sampled = False
        self._snapshot = None
        self._grad_history = []
        self._first_loss = self._smooth = None
        self._losses = deque(maxlen=rules.OSCILLATION_WINDOW)
        self._osc_streak, self._osc_first = 0, None
        self._reported_upto = 0

    # ----- lifecycle ---------------------------------------------------------------------
    def on_train_begin(self, logs):
        t = self.trainer
        self.monitor = LayerMonitor(t.model)
        if t.global_step == 0 and getattr(t, "train_data", None) is not None:
            self._preflight()

    def _preflight(self):
        t = self.trainer
        data = t.train_data
        x, y = fetch(data, np.arange(min(len(data), t.batch_size or 32)))[:2]
        was = t.model.training
        t.model.eval()
        out = loss = None
        try:
            with no_grad():
                out = t.model(Tensor(x))
                loss = float(t.loss_fn(out, Tensor(y)).item())
        except Exception:
            pass        # fit() raises the real error with its own message; the checks below still speak first
        finally:
            t.model.train(was)
        if out is None:
            return
        classifier = type(t.loss_fn).__name__ in ("CrossEntropyLoss", "NLLLoss")
        for f in rules.preflight(t.model, x, y, out._data, loss if loss is not None and math.isfinite(loss) else None,
                                 _labels(data), classifier):
            self._add(f, immediate=True)

    def on_batch_begin(self, batch, logs):
        step = self.trainer.global_step
        self._sampled = step < self.warmup or step % self.every == 0
        if self._sampled:
            self.monitor.start()

    def on_after_backward(self, batch, logs):
        if self._sampled:
            self._grads = self.monitor.gradients()
            self._snapshot = self.monitor.snapshot()

    def on_batch_end(self, batch, logs):
        step = self.trainer.global_step
        loss = logs.get("loss", float("nan"))
        if math.isfinite(loss):
            self._first_loss = loss if self._first_loss is None else self._first_loss
            self._smooth = loss if self._smooth is None else 0.9 * self._smooth + 0.1 * loss
        found = rules.divergence(step, loss, self._first_loss, self._smooth)
        if found is not None:
            if found.severity == "critical":
                self._locate_nonfinite(found)
            self._add(found, immediate=found.severity == "critical")
        self._losses.append(loss)
        if step % self.every == 0:
            # its own streak: learning_rate_too_high also comes from the update-ratio rule, whose
            # streak a quiet oscillation check must not reset
            osc = rules.oscillation(step, list(self._losses), self._first_loss)
            self._osc_first = (self._osc_first or step) if osc is not None else None
            self._osc_streak = self._osc_streak + 1 if osc is not None else 0
            if osc is not None and self._osc_streak >= self.book.patience:
                osc.step = self._osc_first
                self._add(osc, immediate=True)
        if not self._sampled:
            return
        self.monitor.stop()
        self._sampled = False
        ratios = self.monitor.update_ratios(self._snapshot, self._grads)
        signals, quiet = rules.step_signals(step, self._grads, ratios, self.monitor.act_stats, self.monitor,
                                            self._grad_history)
        for f, immediate in signals:
            self._add(f, immediate)
        for code, layer in quiet:
            self.book.clear(code, layer or "")
        self._record(step, loss, ratios)
        self._snapshot = None

    def on_epoch_end(self, epoch, logs):
        t = self.trainer
        n_classes = self._n_classes()
        for f in rules.epoch_signals(t.history.epochs, n_classes):
            self._add(f, immediate=True)
        t.history.findings = list(self.book.findings)
        new = self.book.findings[self._reported_upto:]
        self._reported_upto = len(self.book.findings)
        if self.verbose:
            print(f"health: {self.book.summary()}")
            for f in new:
                if f.severity != "info":
                    print(f"  {f}")
        self._write(new)

    def on_train_end(self, logs):
        if self.monitor is not None:
            self.monitor.stop()
        self.trainer.history.findings = list(self.book.findings)

    # ----- helpers -----------------------------------------------------------------------
    def _add(self, finding, immediate=False):
        self.book.signal(finding, immediate=immediate)

    def _n_classes(self):
        order = self.monitor.order or []
        if not order or type(self.trainer.loss_fn).__name__ not in ("CrossEntropyLoss", "NLLLoss"):
            return None
        last = dict(self.trainer.model.named_modules())[order[-1]]
        return getattr(last, "out_features", None)

    def _locate_nonfinite(self, finding):
        """Re-run the last batch under detect_anomaly to name the first layer and op that failed."""
        t = self.trainer
        batch = getattr(t, "last_batch", None)
        if batch is None:
            return
        try:
            with no_grad(), detect_anomaly(t.model):
                t.loss_fn(t.model(batch[0]), batch[1])
        except AnomalyError as e:
            finding.layer = e.module
            finding.evidence.update({"op": e.op, "inputs": e.inputs, "cause": e.cause})
            finding.explanation += f" The first non-finite output came from {e.op} in {e.module or 'the loss'}: " \
                                   f"{e.cause}."
            if "learning rate" in e.cause or "overflow" in e.cause:
                self._add(Finding(
                    "learning_rate_too_high", "critical", "", finding.step, {"first_nonfinite": e.module},
                    "The weights grew until they overflowed after updates: the learning rate is far too high.",
                    "Lower the learning rate by 10x or more (trainer.find_lr(data) suggests one)."), immediate=True)

    def _record(self, step, loss, ratios):
        s = self.series
        s["step"].append(step)
        s["loss"].append(loss)
        for name, g in self._grads.items():
            s["grad_rms"].setdefault(name, []).append(g["grad_rms"])
            s["update_ratio"].setdefault(name, []).append(ratios.get(name))
        for name, a in self.monitor.act_stats.items():
            s["activations"].setdefault(name, []).append(a.get("dead_fraction", a.get("saturated_fraction")))

    def _write(self, new):
        tb = next((cb for cb in self.trainer.callbacks if type(cb).__name__ == "TensorBoard"), None)
        if tb is not None and tb.writer is not None:
            for f in new:
                tb.writer.add_text(f"findings/{f.code}", str(f), self.trainer.global_step)
        if self.log_dir is None:
            return
        from pathlib import Path
        folder = Path(self.log_dir)
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(folder / "findings.json",
                     json.dumps([f.to_dict() for f in self.book.findings], indent=1, default=_plain).encode())
        types = {n: type(m).__name__ for n, m in self.trainer.model.named_modules() if n}
        atomic_write(folder / "diagnostics.json", json.dumps({"order": self.monitor.order, "types": types,
                                                              **self.series}, default=_plain).encode())

    def state_dict(self):
        return {"findings": [f.to_dict() for f in self.book.findings]}

    def load_state_dict(self, state):
        for d in state["findings"]:
            self.book.signal(Finding(**d), immediate=True)
        self._reported_upto = len(self.book.findings)


def _plain(v):
    if isinstance(v, (np.floating, np.integer)):
        return v.item()
    return str(v)


def _labels(dataset):
    """All labels of an array-backed dataset (for class balance), or None."""
    from ..data import ArrayDataset, Subset
    if isinstance(dataset, Subset):
        inner = _labels(dataset.dataset)
        return None if inner is None else inner[dataset.indices]
    if isinstance(dataset, ArrayDataset) and len(dataset.arrays) > 1:
        return dataset.arrays[1]
    return None
