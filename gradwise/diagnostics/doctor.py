"""The doctor for any training loop: ``doctor = gw.diagnostics.watch(model, optimizer)``.

It attaches through hooks only: forward pre/post hooks on the model (inputs, sampled activation
statistics, evaluation in training mode), the start of every ``backward()`` (the loss, and the
loss graph: cross-entropy targets, a softmax feeding it, the first op that made a NaN, gradients
that were never zeroed) and the optimizer's step pre/post hooks (gradients, update ratios,
learning rate). Everything it measures goes into a ``signals.Record``; the rules in ``rules/``
turn it into findings.

Example:
    >>> doctor = gw.diagnostics.watch(model, optimizer)
    >>> for x, y in loader:
    ...     optimizer.zero_grad(); F.cross_entropy(model(x), y).backward(); optimizer.step()
    >>> print(doctor.report())
"""
import math

import numpy as np

from .. import autograd, nn
from ..autograd import is_grad_enabled, no_grad
from .anomaly import AnomalyError, _cause, detect_anomaly
from .findings import FindingBook
from .monitor import LayerMonitor
from .report import text_summary
from .rules import RULES, by_phase, run
from .signals import STEP_CHECK_EVERY, Record

_ACTIVE = []            # doctors attached now; the autograd hooks dispatch to them


def _begin(roots):
    for doctor in list(_ACTIVE):
        doctor._backward_begin(roots)


def _time_steps(fn, norms):
    for doctor in list(_ACTIVE):
        doctor._time_steps(fn, norms)


class Doctor:
    """Diagnoses the training of ``model`` by ``optimizer`` in whatever loop drives them.

    Args:
        every, warmup: per-layer statistics on the first ``warmup`` steps, then every ``every``.
        patience: sampled signals in a row before a finding is reported (some count at once).
        rules: the Rule classes to check (default: all of ``rules.RULES``).
        lines: name the script line of an event where it helps (autowatch).
    """
    def __init__(self, model, optimizer, every=10, warmup=10, patience=3, rules=RULES, book=None, lines=False):
        self.model, self.optimizer = model, optimizer
        self.every, self.warmup, self.lines = every, warmup, lines
        self.book = book if book is not None else FindingBook(patience)
        self.rules = by_phase(rules)
        self.monitor = LayerMonitor(model)
        self.rec = Record(model=model)
        group = optimizer.param_groups[0]
        self.rec.initial_lr = group.get("initial_lr", group["lr"])
        self.rec.weight_decay = group.get("weight_decay", 0.0) or 0.0
        self.series = {"step": [], "grad_rms": {}, "update_ratio": {}, "activations": {}, "loss": []}
        self._handles, self._sampled, self._forwarded, self._busy = [], False, False, False
        self._grads = self._snapshot = self._loss = self._zero_probe = self._args = self._out = None
        self._preflight_done = False
        self.attach()

    # ----- attaching ---------------------------------------------------------------------
    def attach(self):
        if self._handles:
            return self
        self._handles = [self.model.register_forward_pre_hook(self._pre_forward),
                         self.model.register_forward_hook(self._post_forward),
                         self.optimizer.register_step_pre_hook(self._pre_step),
                         self.optimizer.register_step_post_hook(self._post_step)]
        _ACTIVE.append(self)
        autograd._Hooks.begin = _begin
        return self

    def detach(self):
        """Remove every hook; the findings stay."""
        for h in self._handles:
            h.remove()
        self._handles = []
        self.monitor.stop()
        if self in _ACTIVE:
            _ACTIVE.remove(self)
        if not _ACTIVE:
            autograd._Hooks.begin = autograd._Hooks.time_steps = None

    # ----- results -----------------------------------------------------------------------
    @property
    def findings(self):
        return list(self.book.findings)

    def summary(self):
        """"healthy" or counts: "1 critical, 2 warnings"."""
        return self.book.summary()

    def report(self, at_least="info"):
        """The findings, most severe first, with explanation and fix."""
        order = ("info", "warning", "critical")
        shown = [f.to_dict() for f in self.book.findings if order.index(f.severity) >= order.index(at_least)]
        return f"health: {self.summary()}\n" + text_summary(shown)

    # ----- hooks -------------------------------------------------------------------------
    def _pre_forward(self, module, args):
        if self._busy:
            return
        if not is_grad_enabled():
            if module.training:
                self._eval_in_train_mode()
            return
        if not module.training:
            return
        self._forwarded, self._args = True, args
        if self.rec.first_input is None and args:
            self.rec.first_input = np.asarray(getattr(args[0], "_data", args[0]))
        self._sampled = self.rec.step < self.warmup or self.rec.step % self.every == 0
        if self._sampled and not self.monitor.running:
            self.monitor.start()

    def _post_forward(self, module, args, out):
        if self._busy or not self._forwarded:
            return
        first = out[0] if isinstance(out, tuple) else out
        if self._out is None and hasattr(first, "_data"):
            self._out = first._data
        if self.monitor.running:
            self.monitor.stop()
            self.monitor.mark_output(first)

    def _eval_in_train_mode(self):
        from ..nn.layers.norm import _BatchNorm
        layers = [n or type(m).__name__ for n, m in self.model.named_modules()
                  if isinstance(m, (nn.Dropout, _BatchNorm)) and m.training]
        if layers:
            self.rec.eval_in_train_mode = layers
            for f in run(self.rules["forward"], self.rec, self.book):
                self._where(f)
            self.rec.eval_in_train_mode = []

    def _backward_begin(self, roots):
        if not self._forwarded or self._busy:
            return
        root = roots[0]
        self._loss = float(root._data.reshape(-1)[0]) if root._data.size == 1 else None
        probe = self._zero_probe
        if probe is not None and probe[0]._grad is not None and probe[0]._grad._data is probe[1] and probe[1].any():
            self.rec.grads_not_zeroed = True
        target = self._read_loss_graph(root._node)
        if self._loss is not None and not math.isfinite(self._loss):
            self.rec.nonfinite = self._locate_nonfinite(root._node)
        if self._sampled:
            autograd._Hooks.time_steps = _time_steps
        if not self._preflight_done:
            self.preflight({"x": self.rec.first_input, "y": target, "out": self._out, "loss": self._loss,
                            "labels": None, "is_classifier": self.rec.n_classes is not None})

    def _pre_step(self, optimizer, args, kwargs):
        autograd._Hooks.time_steps = None
        if self._sampled and self._forwarded:
            self._grads = self.monitor.gradients()
            self._snapshot = self.monitor.snapshot()

    def _post_step(self, optimizer, args, kwargs):
        rec = self.rec
        rec.step += 1
        if self._loss is not None:
            rec.add_loss(self._loss)
        rec.lr = optimizer.param_groups[0]["lr"]
        rec.schedulers = [s for s in (r() for r in optimizer.__dict__.get("_schedulers", [])) if s is not None]
        rec.sampled = self._snapshot is not None
        if rec.sampled:
            rec.grads, rec.acts = self._grads, self.monitor.act_stats
            rec.ratios = self.monitor.update_ratios(self._snapshot, self._grads)
        rec.ordered = self.monitor.ordered
        # the step rules judge the loss series and this step's events: every step would cost ~30 us of
        # Python a step inside training (half the doctor's time on the LSTM); on sampled steps, every
        # STEP_CHECK_EVERY-th step and any step with an event they see all of it
        event = rec.nonfinite or rec.grads_not_zeroed or rec.softmax_into_ce is not None or \
            (self._loss is not None and not math.isfinite(self._loss))
        if rec.sampled or event or rec.step % STEP_CHECK_EVERY == 0:
            for f in run(self.rules["step"], rec, self.book):
                self._where(f)
        if rec.sampled:
            run(self.rules["sample"], rec, self.book)
            total = math.sqrt(sum(s["grad_norm"] ** 2 for s in rec.grads.values()))
            if math.isfinite(total):
                rec.grad_history.append((total, math.sqrt(sum(s["weight_norm"] ** 2 for s in rec.grads.values()))))
            self._record()
        self._zero_probe = _probe(optimizer)
        self._snapshot = self._grads = None
        self._sampled = self._forwarded = rec.sampled = rec.grads_not_zeroed = False
        rec.nonfinite = rec.softmax_into_ce = None
        rec.time_grads = {}

    # ----- what the loss graph tells -----------------------------------------------------
    def _read_loss_graph(self, node):
        """Find a cross-entropy (or NLL) op near the root: its class count, its targets and
        whether a softmax made its input. Returns the integer targets, or None."""
        for _ in range(4):
            if node is None or node.next is None:
                return None
            kind = type(node).__name__
            if kind in ("CrossEntropy", "NLLLoss"):
                break
            node = next((n for n in node.next if n is not None), None)
        else:
            return None
        rec = self.rec
        target = node.saved[1] if kind == "CrossEntropy" and node.sparse else \
            node.saved[0] if kind == "NLLLoss" else None
        rec.n_classes = node.n_classes if kind == "CrossEntropy" else node.shape[1] if len(node.shape) > 1 else None
        if target is not None and target.size >= 8:
            labels = _classes(target)
            rec.batch_classes.append(len(labels))
            rec.labels_seen.update(labels.tolist()[:1000])
        producer = node.next[0]
        if kind == "CrossEntropy" and producer is not None and type(producer).__name__ == "Softmax":
            rec.softmax_into_ce = next((n for n, m in self.model.named_modules() if isinstance(m, nn.Softmax)), "")
        return target

    def _locate_nonfinite(self, root):
        """The first op that produced NaN/inf at this step, before the optimizer writes it anywhere:
        re-run the model on this step's input under detect_anomaly; if its output is finite, the
        NaN came from the loss, found in the graph (an op with finite inputs and a non-finite output)."""
        weights_bad = any(not np.isfinite(p._data).all() for p in self.model.parameters())
        self._busy = True
        try:
            with no_grad(), np.errstate(all="ignore"), detect_anomaly(self.model):
                self.model(*self._args)
        except AnomalyError as e:
            return {"op": e.op, "module": e.module, "cause": e.cause, "phase": e.phase,
                    "from_updates": weights_bad or "already non-finite" in e.cause or "overflowed" in e.cause}
        except Exception:
            pass
        finally:
            self._busy = False
        op = _first_nonfinite_op(root)
        if op is None:
            return None
        cause = _cause(op.name(), [a for a in (op.saved or ()) if isinstance(a, np.ndarray)], "forward")
        return {"op": op.name(), "module": "", "phase": "forward", "cause": cause,
                "from_updates": weights_bad or "overflowed" in cause}

    def _time_steps(self, fn, norms):
        saved = fn.saved or ()
        for name, m in self.monitor.layers:
            if any(a is p._data for a in saved for p in m._parameters.values() if p is not None):
                self.rec.time_grads[name] = list(norms)
                return

    # ----- bookkeeping -------------------------------------------------------------------
    def preflight(self, batch):
        """Run the preflight rules once on the first batch: ``batch`` has x, y, out, loss,
        labels (all the labels, for class balance, or None) and is_classifier."""
        if self._preflight_done:
            return
        self._preflight_done = True
        if batch["x"] is None:
            return
        self.rec.preflight = batch
        run(self.rules["preflight"], self.rec, self.book)

    def end_epoch(self, epochs):
        """Run the epoch rules on the per-epoch logs so far (Trainer)."""
        self.rec.epochs = list(epochs)
        run(self.rules["epoch"], self.rec, self.book)

    def _where(self, finding):
        if self.lines:
            from ..run import _script_line
            line = _script_line()
            if line:
                finding.evidence["script_line"] = line.rstrip(": ")
                finding.explanation += f" (at {line.rstrip(': ')})"

    def _record(self):
        s, rec = self.series, self.rec
        s["step"].append(rec.step)
        s["loss"].append(rec.loss)
        for name, g in rec.grads.items():
            s["grad_rms"].setdefault(name, []).append(g["grad_rms"])
            s["update_ratio"].setdefault(name, []).append(rec.ratios.get(name))
        for name, a in rec.acts.items():
            s["activations"].setdefault(name, []).append(a.get("dead_fraction", a.get("saturated_fraction")))


def _classes(target):
    """The distinct labels of a batch: a bincount for the usual small non-negative integer labels
    (np.unique cost 30 us a step inside training and imported numpy.ma, 15 ms, on first use)."""
    t = target.reshape(-1)
    if t.dtype.kind in "iu" and t.size:
        lo, hi = int(t.min()), int(t.max())
        if lo >= 0 and hi < 1 << 16:
            return np.flatnonzero(np.bincount(t))
    return np.unique(t)


def _probe(optimizer):
    """A parameter and its gradient array after this step: if backward() starts with that array
    still there and non-zero, zero_grad() was not called."""
    for group in optimizer.param_groups:
        for p in reversed(group["params"]):
            if p._grad is not None:
                return p, p._grad._data
    return None


def _finite(a):
    return not (isinstance(a, np.ndarray) and np.issubdtype(a.dtype, np.floating)) or bool(np.isfinite(a).all())


def _first_nonfinite_op(root):
    """In the graph below ``root`` (whose output is non-finite): the deepest op whose output (as
    saved by its consumer) is non-finite while its own saved inputs are finite."""
    found = root if root is not None and all(_finite(a) for a in (root.saved or ())) else None
    seen, stack = set(), [root]
    while stack:
        consumer = stack.pop()
        if consumer is None or id(consumer) in seen or consumer.next is None:
            continue
        seen.add(id(consumer))
        saved = consumer.saved or ()
        for i, producer in enumerate(consumer.next):
            if producer is None or type(producer).__name__ == "AccumulateGrad":
                continue
            if consumer.saves_inputs and i < len(saved) and not _finite(saved[i]) \
                    and all(_finite(a) for a in (producer.saved or ())):
                found = producer
            stack.append(producer)
    return found


def watch(model, optimizer, **kwargs):
    """Watch ``model`` trained by ``optimizer`` in any loop; returns the Doctor (``.report()``,
    ``.findings``, ``.summary()``, ``.detach()``). See ``Doctor`` for the arguments."""
    return Doctor(model, optimizer, **kwargs)
