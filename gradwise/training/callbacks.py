"""Callbacks: everything optional in training (early stopping, checkpoints, logging, progress).

Each hook gets a ``logs`` dict; ``self.trainer`` is the running Trainer (set
``trainer.stop_training = True`` to stop after the current batch). Callbacks with state
(``state_dict``/``load_state_dict``) are saved in checkpoints and restored on resume.
"""
import csv
import math
import os
import sys
from pathlib import Path

import numpy as np
from ..errors import ArgumentError, UnknownKeyError


class Callback:
    trainer = None

    def on_train_begin(self, logs): pass
    def on_train_end(self, logs): pass
    def on_epoch_begin(self, epoch, logs): pass
    def on_epoch_end(self, epoch, logs): pass
    def on_batch_begin(self, batch, logs): pass
    def on_after_backward(self, batch, logs): pass      # gradients ready (and clipped), before the step
    def on_batch_end(self, batch, logs): pass

    def state_dict(self):
        return {}

    def load_state_dict(self, state):
        pass


def _mode(monitor, mode):
    if mode not in ("auto", "min", "max"):
        raise ArgumentError(f"mode must be 'auto', 'min' or 'max'; got {mode!r}")
    if mode == "auto":
        mode = "max" if any(k in monitor for k in ("acc", "precision", "recall", "f1")) else "min"
    return mode


def _monitored(logs, monitor, who):
    if monitor not in logs:
        raise UnknownKeyError(f"{who}: '{monitor}' is not in the logs; available: {', '.join(sorted(logs))} "
                       f"(val_* keys need validation_data or validation_split)")
    return float(logs[monitor])


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    Args:
        restore_best_weights: put the weights of the best epoch back at the end.
    """
    def __init__(self, monitor="val_loss", patience=0, min_delta=0.0, mode="auto", restore_best_weights=False):
        self.monitor, self.patience, self.min_delta = monitor, patience, abs(min_delta)
        self.mode, self.restore_best_weights = _mode(monitor, mode), restore_best_weights
        self.best, self.wait, self.best_epoch, self.stopped_epoch = None, 0, None, None
        self._best_weights = None

    def _improved(self, value):
        if self.best is None:
            return True
        return value < self.best - self.min_delta if self.mode == "min" else value > self.best + self.min_delta

    def on_epoch_end(self, epoch, logs):
        value = _monitored(logs, self.monitor, "EarlyStopping")
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self._best_weights = {k: v.clone() for k, v in self.trainer.model.state_dict().items()}
            return
        self.wait += 1
        if self.wait > self.patience:
            self.stopped_epoch = epoch
            self.trainer.stop_training = True

    def on_train_end(self, logs):
        if self.stopped_epoch is not None:
            print(f"EarlyStopping: {self.monitor} did not improve for {self.patience + 1} epochs; stopped after "
                  f"epoch {self.stopped_epoch + 1} (best {self.best:.4g} at epoch {self.best_epoch + 1})")
        if self.restore_best_weights and self._best_weights is not None:
            self.trainer.model.load_state_dict(self._best_weights)

    def state_dict(self):
        return {"best": self.best, "wait": self.wait, "best_epoch": self.best_epoch}

    def load_state_dict(self, state):
        self.best, self.wait, self.best_epoch = state["best"], state["wait"], state["best_epoch"]


class ModelCheckpoint(Callback):
    """Save full training checkpoints (model, optimizer, schedule, callbacks, RNG and data
    position) into ``dirpath`` as ``checkpoint-e{epoch}-s{step}.safetensors``, atomically.

    Args:
        every_n_steps: also save every N optimizer steps (mid-epoch), for crash recovery.
        save_best_only: at epoch ends, save only when ``monitor`` improved (as best.safetensors).
        keep: how many periodic checkpoints to keep (the newest).
    """
    def __init__(self, dirpath, monitor="val_loss", save_best_only=False, mode="auto", every_n_steps=None, keep=2):
        self.dirpath, self.monitor, self.save_best_only = Path(dirpath), monitor, save_best_only
        self.mode, self.every_n_steps, self.keep = _mode(monitor, mode), every_n_steps, keep
        self.best = None

    def _save(self, name=None):
        self.dirpath.mkdir(parents=True, exist_ok=True)
        t = self.trainer
        path = self.dirpath / (name or f"checkpoint-e{t.epoch:04d}-s{t.global_step:08d}.safetensors")
        t.save_checkpoint(path)
        if name is None:
            for old in sorted(self.dirpath.glob("checkpoint-e*-s*.safetensors"))[:-self.keep]:
                old.unlink(missing_ok=True)     # (another process may have pruned it)
        return path

    def on_batch_end(self, batch, logs):
        if self.every_n_steps and self.trainer.global_step % self.every_n_steps == 0:
            self._save()

    def on_epoch_end(self, epoch, logs):
        if not self.save_best_only:
            self._save()
            return
        value = _monitored(logs, self.monitor, "ModelCheckpoint")
        if self.best is None or (value < self.best if self.mode == "min" else value > self.best):
            self.best = value
            self._save("best.safetensors")

    def state_dict(self):
        return {"best": self.best}

    def load_state_dict(self, state):
        self.best = state["best"]


class TerminateOnNaN(Callback):
    """Stop as soon as the loss is NaN or infinite."""
    def on_batch_end(self, batch, logs):
        loss = logs.get("loss")
        if loss is not None and not math.isfinite(loss):
            print(f"TerminateOnNaN: the loss became {loss} at step {self.trainer.global_step}; stopping. A learning "
                  f"rate that is too high is the usual cause.")
            self.trainer.stop_training = True


class LearningRateScheduler(Callback):
    """Step a schedule during training.

    Args:
        schedule: an ``optim`` schedule (StepLR, OneCycleLR, ReduceLROnPlateau ...), or a
            function ``(epoch, lr) -> lr`` (Keras style).
        interval: "epoch" or "batch" (OneCycleLR steps per batch).
        monitor: the log ReduceLROnPlateau watches.
    """
    def __init__(self, schedule, interval="epoch", monitor="val_loss"):
        if interval not in ("epoch", "batch"):
            raise ArgumentError(f"LearningRateScheduler: interval must be 'epoch' or 'batch'; got {interval!r}")
        self.schedule, self.interval, self.monitor = schedule, interval, monitor

    def _set_from_function(self, epoch):
        for g in self.trainer.optimizer.param_groups:
            g["lr"] = float(self.schedule(epoch, g["lr"]))

    def on_epoch_begin(self, epoch, logs):
        if callable(self.schedule) and not hasattr(self.schedule, "step"):
            self._set_from_function(epoch)

    def on_batch_end(self, batch, logs):
        if self.interval == "batch" and hasattr(self.schedule, "step"):
            self.schedule.step()

    def on_epoch_end(self, epoch, logs):
        if self.interval != "epoch" or not hasattr(self.schedule, "step"):
            return
        if type(self.schedule).__name__ == "ReduceLROnPlateau":
            self.schedule.step(_monitored(logs, self.monitor, "LearningRateScheduler"))
        else:
            self.schedule.step()

    def state_dict(self):
        return self.schedule.state_dict() if hasattr(self.schedule, "state_dict") else {}

    def load_state_dict(self, state):
        if state and hasattr(self.schedule, "load_state_dict"):
            self.schedule.load_state_dict(state)


class CSVLogger(Callback):
    """Append each epoch's logs to a CSV file (metrics.csv); a resumed run keeps appending."""
    def __init__(self, filename, append=False):
        self.filename, self.append = Path(filename), append
        self._keys = None

    def on_train_begin(self, logs):
        self.filename.parent.mkdir(parents=True, exist_ok=True)
        if not (self.append or self.trainer.resumed) and self.filename.exists():
            self.filename.unlink()

    def on_epoch_end(self, epoch, logs):
        row = {"epoch": epoch + 1, **{k: v for k, v in logs.items() if np.isscalar(v)}}
        new = not self.filename.exists() or self.filename.stat().st_size == 0
        if self._keys is None:
            if new:
                self._keys = list(row)
            else:
                with open(self.filename, newline="") as f:
                    self._keys = next(csv.reader(f))
        with open(self.filename, "a", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=self._keys, extrasaction="ignore")
            if new:
                writer.writeheader()
            writer.writerow(row)
            f.flush()
            os.fsync(f.fileno())


class TensorBoard(Callback):
    """Write TensorBoard event files: loss per step, every log per epoch, and per-layer weight and
    gradient histograms every ``histogram_every_n_steps`` steps (needs ``pip install tensorboardX``).

    With ``graph=True`` the first training batch's graph goes to the Graphs tab.
    View with ``tensorboard --logdir <log_dir>``.
    """
    def __init__(self, log_dir, histogram_every_n_steps=100, log_every_n_steps=1, graph=True):
        self.log_dir, self.hist_every, self.log_every = str(log_dir), histogram_every_n_steps, log_every_n_steps
        self.writer = None
        self.graph, self._capture = graph, None

    def on_batch_begin(self, batch, logs):
        if self.graph and self._capture is None:
            from .tensorboard_graph import GraphCapture
            self._capture = GraphCapture(self.trainer.model)
            handle = self.trainer.model.register_forward_hook(lambda m, args, out: self._write_graph(handle, out))

    def _write_graph(self, handle, out):
        handle.remove()
        self._capture.stop()
        self.graph = False
        from ..onnx.trace import flat_tensors
        outs = [t for t in flat_tensors(out) if t._node is not None]      # (logits, state) ... all recorded
        if outs:
            self.writer._get_file_writer().add_onnx_graph(self._capture.finish(outs))

    def on_train_begin(self, logs):
        try:
            from tensorboardX import SummaryWriter
        except ImportError:
            raise ImportError("the TensorBoard callback needs tensorboardX: "
                              "pip install 'gradwise[tensorboard]'") from None
        self.writer = SummaryWriter(self.log_dir)

    def on_batch_end(self, batch, logs):
        step = self.trainer.global_step
        if self.log_every and step % self.log_every == 0:
            for k, v in logs.items():
                if np.isscalar(v) and math.isfinite(v):
                    self.writer.add_scalar(f"step/{k}", v, step)
        if self.hist_every and step % self.hist_every == 0:
            for name, p in self.trainer.model.named_parameters():
                self.writer.add_histogram(f"weights/{name}", p._data, step)
                if p._grad is not None:
                    self.writer.add_histogram(f"gradients/{name}", p._grad._data, step)

    def on_epoch_end(self, epoch, logs):
        for k, v in logs.items():
            if np.isscalar(v) and math.isfinite(v):
                self.writer.add_scalar(f"epoch/{k}", v, epoch + 1)
        self.writer.flush()

    def on_train_end(self, logs):
        if self._capture is not None:
            self._capture.stop()
        if self.writer is not None:
            self.writer.close()


class ProgressBar(Callback):
    """A tqdm bar per epoch with loss, metrics, it/s and time left when the output is a terminal;
    otherwise one clean line per epoch."""
    def __init__(self, stream=None, mininterval=0.1):
        self.stream, self.bar, self.mininterval = stream, None, mininterval

    def on_epoch_begin(self, epoch, logs):
        t = self.trainer
        stream = self.stream or sys.stderr
        if stream.isatty():
            from tqdm import tqdm
            self.bar = tqdm(total=t.steps_per_epoch, initial=t.batch_in_epoch, desc=f"epoch {epoch + 1}/{t.epochs}",
                            unit="it", file=stream, leave=False, dynamic_ncols=True, mininterval=self.mininterval,
                            miniters=1)

    def on_batch_end(self, batch, logs):
        if self.bar is not None:
            self.bar.set_postfix({k: f"{v:.4g}" for k, v in logs.items()}, refresh=False)
            self.bar.update(1)

    def on_epoch_end(self, epoch, logs):
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        parts = [f"{k} {v:.4g}" for k, v in logs.items() if k not in ("seconds",) and np.isscalar(v)]
        print(f"epoch {epoch + 1}/{self.trainer.epochs}  " + "  ".join(parts) + f"  ({logs.get('seconds', 0):.1f} s)",
              file=self.stream or sys.stdout, flush=True)
