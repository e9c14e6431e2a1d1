"""Diagnostics: the doctor as a Trainer callback (on by default in ``Trainer.fit``).

The callback only hands the Trainer's model and optimizer to a ``Doctor`` (which watches them
through hooks, as in any hand-written loop), adds what only the Trainer knows (the whole
dataset for the preflight checks, the per-epoch logs) and reports. It reads the Trainer's public
attributes: model, optimizer, loss_fn, train_data, batch_size, global_step, history, callbacks.
"""
import json
import math

import numpy as np

from ..autograd import no_grad
from ..data.dataset import fetch
from ..serialization import atomic_write
from ..tensor import Tensor
from .doctor import Doctor
from .findings import Finding, FindingBook


class Diagnostics:
    """Watch training for the textbook's signs of trouble and explain each with its fix.

    Statistics are taken on the first ``warmup`` steps and then every ``every`` steps, so the
    cost stays small; a finding needs ``patience`` sampled signals in a row (some, such as
    non-finite values, count at once). Findings go to ``history.findings``, to the console after
    each epoch ("health: 1 warning"; info findings in the summary at the end of fit), to
    TensorBoard as text (and per-layer gradient RMS, update ratio and dead/saturated fractions as
    scalars), and to findings.json in ``log_dir``.

    Dead and saturated units are measured on ``nn.ReLU``, ``nn.Sigmoid`` and ``nn.Tanh`` modules;
    activations applied with ``gradwise.functional`` inside a custom ``forward`` are not seen.

    Args:
        log_dir: folder for findings.json and diagnostics.json (the data of ``gradwise doctor``).
        verbose: print the health line and new findings after each epoch.
    """
    trainer = None

    def __init__(self, log_dir=None, every=10, warmup=10, patience=3, verbose=True):
        self.log_dir, self.every, self.warmup, self.verbose = log_dir, every, warmup, verbose
        self.book = FindingBook(patience)
        self.doctor = None
        self._reported_upto = self._scalars_upto = 0

    @property
    def monitor(self):
        """The doctor's LayerMonitor (None before fit starts)."""
        return self.doctor.monitor if self.doctor else None

    @property
    def series(self):
        return self.doctor.series if self.doctor else {}

    # ----- lifecycle ---------------------------------------------------------------------
    def on_train_begin(self, logs):
        t = self.trainer
        if self.doctor is None or self.doctor.model is not t.model or self.doctor.optimizer is not t.optimizer:
            self.doctor = Doctor(t.model, t.optimizer, self.every, self.warmup, book=self.book)
        self.doctor.attach()
        self.doctor.rec.step = t.global_step
        if t.global_step == 0 and t.train_data is not None:
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
        self.doctor.preflight({"x": x, "y": y, "out": out._data, "labels": _labels(data),
                               "loss": loss if loss is not None and math.isfinite(loss) else None,
                               "is_classifier": type(t.loss_fn).__name__ in ("CrossEntropyLoss", "NLLLoss")})

    def on_epoch_begin(self, epoch, logs):
        pass

    def on_batch_begin(self, batch, logs):
        pass

    def on_after_backward(self, batch, logs):
        pass

    def on_batch_end(self, batch, logs):
        pass

    def on_epoch_end(self, epoch, logs):
        t = self.trainer
        self.doctor.end_epoch(t.history.epochs)
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
        if self.doctor is None:
            return
        self.doctor.detach()
        self.trainer.history.findings = list(self.book.findings)
        info = [f for f in self.book.findings if f.severity == "info"]
        if self.verbose and info:
            print("doctor (info): " + "; ".join(f"{f.code}" + (f" in {f.layer}" if f.layer else "") for f in info))

    # ----- output ------------------------------------------------------------------------
    def _write(self, new):
        tb = next((cb for cb in self.trainer.callbacks if type(cb).__name__ == "TensorBoard"), None)
        if tb is not None and tb.writer is not None:
            for f in new:
                tb.writer.add_text(f"findings/{f.code}", str(f), self.trainer.global_step)
            self._scalars(tb.writer)
        if self.log_dir is None:
            return
        from pathlib import Path
        folder = Path(self.log_dir)
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(folder / "findings.json",
                     json.dumps([f.to_dict() for f in self.book.findings], indent=1, default=_plain).encode())
        types = {n: type(m).__name__ for n, m in self.trainer.model.named_modules() if n}
        atomic_write(folder / "diagnostics.json", json.dumps({"order": self.doctor.monitor.order, "types": types,
                                                              **self.series}, default=_plain).encode())

    def _scalars(self, writer):
        """Per-layer signals of the sampled steps since the last write, as TensorBoard scalars."""
        s = self.series
        steps = s["step"]
        for key, tag in (("grad_rms", "grad_rms"), ("update_ratio", "update_ratio"), ("activations", "units_off")):
            for name, values in s[key].items():
                offset = len(steps) - len(values)       # a layer seen late has fewer samples
                for i in range(max(self._scalars_upto - offset, 0), len(values)):
                    if values[i] is not None and math.isfinite(values[i]):
                        writer.add_scalar(f"doctor/{tag}/{name}", values[i], steps[offset + i])
        self._scalars_upto = len(steps)

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
