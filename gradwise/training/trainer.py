"""Trainer: fit, evaluate and predict, Keras-style, on any gradwise model."""
import contextlib
import copy
import time

import numpy as np

from .. import nn, optim
from ..autograd import no_grad
from ..arguments import non_negative_int, real
from ..backend import to_device
from ..data import ArrayDataset, DataLoader, Subset
from ..data.checks import check_first_batch
from ..data.dataset import fetch
from ..errors import ArgumentError, ArgumentTypeError, DataError, FileFormatError, GradwiseError, ShapeError
from ..tensor import Tensor
from . import data_parallel, metrics as M
from .callbacks import ProgressBar
from .checkpoint import (check_config, load_checkpoint, optimizer_arrays, restore_optimizer, rng_states,
                         save_checkpoint, set_rng_states, write_config)
from .lock import run_lock

LOSSES = {"cross_entropy": nn.CrossEntropyLoss, "categorical_crossentropy": nn.CrossEntropyLoss,
          "nll": nn.NLLLoss, "mse": nn.MSELoss, "mean_squared_error": nn.MSELoss, "mae": nn.L1Loss,
          "l1": nn.L1Loss, "huber": nn.HuberLoss, "bce": nn.BCELoss, "binary_crossentropy": nn.BCELoss,
          "bce_with_logits": nn.BCEWithLogitsLoss}


class History:
    """Per-epoch logs of a fit: ``history.epochs`` (list of dicts) and ``history.history``
    (name -> list of values, as in Keras)."""
    def __init__(self, epochs=None):
        self.epochs = list(epochs or [])
        self.findings = []          # the training doctor's findings (gradwise.diagnostics.Finding)

    @property
    def history(self):
        keys = dict.fromkeys(k for e in self.epochs for k in e)
        return {k: [e.get(k) for e in self.epochs] for k in keys}

    def __getitem__(self, key):
        return self.history[key]

    def __len__(self):
        return len(self.epochs)

    def __repr__(self):
        return f"History({len(self.epochs)} epochs, keys={list(self.history)})"


def _as_dataset(data, who):
    if isinstance(data, (tuple, list)) and len(data) == 2:
        return ArrayDataset(*data)
    if isinstance(data, (np.ndarray, Tensor)):
        raise ArgumentTypeError(f"{who}: expected a Dataset or an (x, y) pair of arrays; got a single "
                        f"{type(data).__name__} of shape {tuple(data.shape)}. Pass (inputs, targets).")
    if hasattr(data, "__len__") and hasattr(data, "__getitem__"):
        if len(data) == 0:
            raise DataError(f"{who}: the dataset is empty")
        return data
    raise ArgumentTypeError(f"{who}: expected a Dataset or an (x, y) pair of arrays; got {type(data).__name__}")


class Trainer:
    """Train a model with a loss and an optimizer, Keras-style.

    Args:
        model: an nn.Module mapping inputs to outputs.
        loss: a loss module or callable ``(output, target) -> scalar tensor``, or a name:
            cross_entropy, nll, mse, mae, huber, bce, bce_with_logits.
        optimizer: an Optimizer, or a name (sgd, adam, adamw, rmsprop, adagrad) used with ``lr``.
        metrics: names (accuracy, top_5_accuracy, precision, recall, f1, mae, mse) or Metrics.
        callbacks: Callback instances (EarlyStopping, ModelCheckpoint, TensorBoard ...).
        seed: seed of the data order and the validation split.
        clip_grad_norm: if set, clip the total gradient norm to this before every step.
        run_dir: folder for the doctor's findings.json and diagnostics.json (``gradwise doctor``).

    Example:
        >>> trainer = gw.Trainer(model, loss="cross_entropy", optimizer="adam", metrics=["accuracy"])
        >>> history = trainer.fit((x, y), epochs=5, batch_size=64, validation_split=0.1)
    """
    def __init__(self, model, loss, optimizer="adam", metrics=None, callbacks=None, lr=None, seed=0,
                 clip_grad_norm=None, run_dir=None):
        if not isinstance(model, nn.Module):
            raise ArgumentTypeError(f"Trainer: model must be an nn.Module; got {type(model).__name__}")
        self.model = model
        if isinstance(loss, str):
            if loss.lower() not in LOSSES:
                raise ArgumentError(f"unknown loss {loss!r}; known: {', '.join(LOSSES)}")
            loss = LOSSES[loss.lower()]()
        self.loss_fn = loss
        if isinstance(optimizer, str):
            optimizer = optim.get(optimizer, model.parameters(), **({} if lr is None else {"lr": lr}))
        self.optimizer = optimizer
        logits = isinstance(loss, nn.BCEWithLogitsLoss)
        self.metrics = [M.get(m, from_logits=logits) for m in (metrics or [])]
        self.callbacks = list(callbacks or [])
        if clip_grad_norm is not None:
            clip_grad_norm = real("Trainer", "clip_grad_norm", clip_grad_norm, low=0, low_open=True)
        self.seed = non_negative_int("Trainer", "seed", seed)
        self.clip_grad_norm, self.run_dir = clip_grad_norm, run_dir
        self.train_data = self.last_batch = None
        self.batch_size, self.shuffle = None, True
        self._active = []
        self.stop_training = False
        self.global_step = self.epoch = self.batch_in_epoch = 0
        self.epochs = self.steps_per_epoch = 0
        self.history = History()
        self.resumed = False
        self._running = {"loss_sum": 0.0, "count": 0}
        self._parallel = None       # under mpiexec: training.data_parallel.DataParallel

    # ----- fit ---------------------------------------------------------------------------
    def fit(self, data, epochs=1, batch_size=32, validation_data=None, validation_split=None, shuffle=True,
            resume_from=None, verbose=True, diagnostics=True):
        """Train for ``epochs`` epochs; returns the History.

        Args:
            data: a Dataset or an (x, y) pair of arrays.
            batch_size: samples per gradient step (1: stochastic, len(data): batch gradient descent).
            validation_data: a Dataset or (x, y) evaluated after every epoch (val_* logs).
            validation_split: instead, hold out this fraction of ``data`` (its last samples).
            resume_from: a checkpoint file or folder; training continues exactly where it stopped.
            diagnostics: run the training doctor (see ``gradwise.diagnostics.Diagnostics``).

        While it trains, ``run_dir`` and every ModelCheckpoint folder are locked: a second run into
        the same folder gets a RunLockedError instead of overwriting this one's files.
        """
        with contextlib.ExitStack() as stack:
            for folder in self._folders():
                stack.enter_context(run_lock(folder))
            return self._fit(data, epochs, batch_size, validation_data, validation_split, shuffle, resume_from,
                             verbose, diagnostics)

    def _folders(self):
        from ..distributed.group import get_rank
        from .callbacks import ModelCheckpoint
        if get_rank() != 0:         # under mpiexec only rank 0 writes, so only it holds the locks
            return []
        folders = [self.run_dir] + [cb.dirpath for cb in self.callbacks if isinstance(cb, ModelCheckpoint)]
        return list(dict.fromkeys(str(f) for f in folders if f is not None))

    def _fit(self, data, epochs, batch_size, validation_data, validation_split, shuffle, resume_from, verbose,
             diagnostics):
        epochs = non_negative_int("fit", "epochs", epochs)
        train = _as_dataset(data, "fit")
        if validation_split is not None:
            if validation_data is not None:
                raise ArgumentError("fit: give validation_data or validation_split, not both")
            if not 0 < validation_split < 1:
                raise ArgumentError(f"fit: validation_split must be in (0, 1); got {validation_split}")
            n_val = int(round(len(train) * validation_split))
            validation_data = Subset(train, np.arange(len(train) - n_val, len(train)))
            train = Subset(train, np.arange(len(train) - n_val))
        val = _as_dataset(validation_data, "fit(validation_data)") if validation_data is not None else None
        loader = DataLoader(train, batch_size, shuffle=shuffle, seed=self.seed)
        check_first_batch("fit", train, batch_size)
        self._parallel = data_parallel.setup(self)      # None in a single process
        if self._parallel is not None:
            loader, verbose = self._parallel.loader(train, batch_size, shuffle, self.seed), verbose and \
                self._parallel.rank == 0
        self.epochs, self.steps_per_epoch = epochs, len(loader)
        self.train_data, self.batch_size, self.shuffle = train, batch_size, shuffle
        from ..diagnostics.callback import Diagnostics
        if diagnostics and not any(isinstance(cb, Diagnostics) for cb in self.callbacks):
            self.callbacks.append(Diagnostics(log_dir=self.run_dir, verbose=verbose))
        # the doctor runs last, so its "health:" line follows the epoch's progress line
        doctor = [cb for cb in self.callbacks if isinstance(cb, Diagnostics)]
        callbacks = [cb for cb in self.callbacks if cb not in doctor] + ([ProgressBar()] if verbose else []) + doctor
        if self._parallel is not None:
            callbacks = self._parallel.callbacks(callbacks)
        self._active = callbacks
        for cb in callbacks:
            cb.trainer = self
        start_epoch, start_batch = 0, 0
        if resume_from is not None:
            start_epoch, start_batch = self.load_checkpoint(resume_from)
            loader.seed = self.seed                 # the checkpoint's seed decides the data order
        elif self.run_dir is not None:
            write_config(self.run_dir, self.config())
        if verbose:
            kind = ("stochastic" if batch_size == 1 else "batch" if batch_size >= len(train) else "mini-batch")
            print(f"Training on {len(train):,} samples, batch {batch_size}: {len(loader)} iterations per epoch "
                  f"({kind} gradient descent)" + (f"; resuming at epoch {start_epoch + 1}, batch {start_batch + 1}"
                                                   if self.resumed else ""))
        self.stop_training = False
        for cb in callbacks:
            cb.on_train_begin({})
        for epoch in range(start_epoch, epochs):
            self.epoch, started = epoch, time.perf_counter()
            if not (self.resumed and epoch == start_epoch and start_batch):
                self._reset_running()
            self.batch_in_epoch = start_batch if epoch == start_epoch else 0
            for cb in callbacks:
                cb.on_epoch_begin(epoch, {})
            self.model.train()
            for b, batch in enumerate(loader.batches(epoch, self.batch_in_epoch), start=self.batch_in_epoch):
                for cb in callbacks:
                    cb.on_batch_begin(b, {})
                logs = self._train_step(batch)
                self.global_step += 1
                self.batch_in_epoch = b + 1
                for cb in callbacks:
                    cb.on_batch_end(b, logs)
                if self.stop_training:
                    break
            logs = self._epoch_logs()
            if val is not None:
                logs.update({f"val_{k}": v for k, v in self.evaluate(val, batch_size, verbose=False).items()})
            logs["lr"] = self.optimizer.param_groups[0]["lr"]
            logs["seconds"] = time.perf_counter() - started
            self.history.epochs.append(logs)
            for cb in callbacks:
                cb.on_epoch_end(epoch, logs)
            self.batch_in_epoch = 0
            if self.stop_training:
                break
        else:
            self.epoch = max(epochs, start_epoch)
        for cb in callbacks:
            cb.on_train_end({})
        return self.history

    def _train_step(self, batch):
        if not isinstance(batch, (tuple, list)) or len(batch) < 2:
            raise DataError("fit: each sample must be (input, target); this dataset gives one field")
        x, y = _to_model(self.model, batch[0]), _to_model(self.model, batch[1])
        self.last_batch = (x, y)
        out = (self._parallel.net if self._parallel is not None else self.model)(x)
        _check_targets(self.loss_fn, out, y)
        loss = self.loss_fn(out, y)
        self.optimizer.zero_grad()
        loss.backward()
        if self.clip_grad_norm is not None:
            optim.clip_grad_norm_(self.model.parameters(), self.clip_grad_norm)
        for cb in self._active:
            cb.on_after_backward(self.batch_in_epoch, {})
        self.optimizer.step()
        value, n, outputs, targets = loss.item(), len(x), to_device(out._data, "cpu"), to_device(y._data, "cpu")
        if self._parallel is not None:          # the whole batch, from every rank
            value, n, outputs, targets = self._parallel.gather(value, n, outputs, targets)
        self._running["loss_sum"] += value * n
        self._running["count"] += n
        for m in self.metrics:
            m.update(outputs, targets)
        return {"loss": value}

    def _reset_running(self):
        self._running = {"loss_sum": 0.0, "count": 0}
        for m in self.metrics:
            m.reset()

    def _epoch_logs(self):
        r = self._running
        logs = {"loss": r["loss_sum"] / r["count"] if r["count"] else float("nan")}
        logs.update({m.name: m.result() for m in self.metrics})
        return logs

    def find_lr(self, data, start_lr=1e-7, end_lr=10.0, num_iter=100, batch_size=32):
        """Learning-rate range test: returns an LRFinderResult with ``.suggestion``. The model and
        optimizer are restored afterwards. See ``gradwise.diagnostics.lr_finder``."""
        from ..diagnostics.lr_finder import find_lr
        return find_lr(self, _as_dataset(data, "find_lr"), start_lr, end_lr, num_iter, batch_size)

    # ----- evaluate / predict ------------------------------------------------------------
    def evaluate(self, data, batch_size=256, verbose=True):
        """Loss and metrics on ``data`` (a Dataset or (x, y)), in evaluation mode, no gradients."""
        ds = _as_dataset(data, "evaluate")
        metrics = [copy.copy(m) for m in self.metrics]     # fresh counters; training's stay untouched
        for m in metrics:
            m.reset()
        was_training = self.model.training
        self.model.eval()
        total, count = 0.0, 0
        try:
            with no_grad():
                for x, y, *_ in DataLoader(ds, batch_size).batches(0):
                    x, y = _to_model(self.model, x), _to_model(self.model, y)
                    out = self.model(x)
                    total += self.loss_fn(out, y).item() * len(x)
                    count += len(x)
                    for m in metrics:
                        m.update(to_device(out._data, "cpu"), to_device(y._data, "cpu"))
        finally:
            self.model.train(was_training)
        logs = {"loss": total / count, **{m.name: m.result() for m in metrics}}
        if verbose:
            print("evaluate: " + "  ".join(f"{k} {v:.4f}" for k, v in logs.items()))
        return logs

    def predict(self, x, batch_size=256):
        """Model outputs for inputs ``x`` (an array, a Tensor or a Dataset whose first field is
        the input), as one ndarray, in evaluation mode."""
        ds = x if hasattr(x, "__len__") and hasattr(x, "__getitem__") and not isinstance(x, (np.ndarray, Tensor)) \
            else ArrayDataset(np.asarray(getattr(x, "_data", x)))
        was_training = self.model.training
        self.model.eval()
        outs = []
        try:
            with no_grad():
                for start in range(0, len(ds), batch_size):
                    inputs = fetch(ds, np.arange(start, min(start + batch_size, len(ds))))[0]
                    outs.append(to_device(self.model(_to_model(self.model, Tensor(inputs)))._data, "cpu"))
        finally:
            self.model.train(was_training)
        return np.concatenate(outs)

    # ----- checkpoints -------------------------------------------------------------------
    def config(self):
        """What a resumed run must share with the original to continue it exactly (checked on
        resume, and written to run_dir/trainer.json)."""
        group = {k: v for k, v in self.optimizer.param_groups[0].items() if k != "params"}
        return {"loss": type(self.loss_fn).__name__, "optimizer": type(self.optimizer).__name__,
                "optimizer_hyperparameters": group, "batch_size": self.batch_size, "shuffle": self.shuffle,
                "dataset_size": None if self.train_data is None else len(self.train_data),
                "metrics": [m.name for m in self.metrics], "clip_grad_norm": self.clip_grad_norm, "seed": self.seed}

    def save_checkpoint(self, path):
        """Save everything needed to continue this run exactly (see ``fit(resume_from=...)``)."""
        arrays = {f"model.{k}": v for k, v in self.model.state_dict().items()}
        opt_arrays, opt_info = optimizer_arrays(self.optimizer)
        arrays.update(opt_arrays)
        info = {
            "epoch": self.epoch, "batch_in_epoch": self.batch_in_epoch, "global_step": self.global_step,
            # an epoch's end reached early (stop_training mid-epoch) is not the end of the epoch
            "epoch_finished": self.batch_in_epoch >= getattr(self, "steps_per_epoch", 0),
            "seed": self.seed, "optimizer": opt_info, "rng": rng_states(self.model),
            "running": self._running, "metrics": [m.state_dict() for m in self.metrics],
            "callbacks": [{"type": type(cb).__name__, "state": cb.state_dict()} for cb in self.callbacks
                          if cb.state_dict()],
            "history": self.history.epochs, "config": self.config(),
        }
        save_checkpoint(path, arrays, _json_safe(info))

    def load_checkpoint(self, path):
        """Restore a checkpoint into this trainer; returns (epoch, batch) to continue from."""
        arrays, info = load_checkpoint(path)
        check_config(path, info.get("config"), self.config())
        self.model.load_state_dict({k[6:]: v for k, v in arrays.items() if k.startswith("model.")})
        try:
            restore_optimizer(self.optimizer, {k: v for k, v in arrays.items() if k.startswith("optimizer.")},
                              info["optimizer"])
            set_rng_states(self.model, info["rng"])
        except GradwiseError:
            raise
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as e:
            raise FileFormatError(path, f"the optimizer or generator state in this checkpoint does not fit this "
                                        f"trainer ({type(e).__name__}: {e}); the file was edited or damaged, or "
                                        f"belongs to another model") from None
        saved = list(info["callbacks"])         # matched by type, in order; others start fresh
        for cb in self.callbacks:
            match = next((s for s in saved if s["type"] == type(cb).__name__), None)
            if match is not None:
                saved.remove(match)
                cb.load_state_dict(match["state"])
        for m, state in zip(self.metrics, info["metrics"]):
            m.load_state_dict(state)
        self.global_step, self.seed = info["global_step"], info["seed"]
        self._running = info["running"]
        self.history = History(info["history"])
        self.resumed = True
        epoch, batch = info["epoch"], info["batch_in_epoch"]
        if len(self.history.epochs) > epoch:        # that epoch's end was reached (logs and all) before the save
            if info.get("epoch_finished", True):
                epoch, batch = epoch + 1, 0
            else:                                   # stopped early: continue it; its logs are made again at its end
                self.history = History(info["history"][:epoch])
        return epoch, batch                         # else continue it (possibly with no batch left)


_ELEMENTWISE = (nn.MSELoss, nn.L1Loss, nn.HuberLoss, nn.BCELoss, nn.BCEWithLogitsLoss)


def _check_targets(loss_fn, out, y):
    """An elementwise loss in fit compares each output with its own target: any other shape is an
    error here (even one that broadcasts, which F.mse_loss only warns about, as PyTorch does)."""
    if isinstance(loss_fn, _ELEMENTWISE) and tuple(out.shape) != tuple(y.shape):
        hint = (" Give the targets the output's shape, e.g. y.reshape(-1, 1) for a model with one output."
                if tuple(out.shape) == tuple(y.shape) + (1,) else "")
        raise ShapeError(f"fit: {type(loss_fn).__name__} needs targets of the model output's shape "
                         f"{tuple(out.shape)}; got targets of shape {tuple(y.shape)}.{hint}")


def _to_model(model, t):
    """A batch tensor on the device of the model's parameters (the data is read on the host)."""
    p = next(model.parameters(), None)
    return t if p is None or type(p._data) is np.ndarray else t.to(p.device)


def _json_safe(obj):
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj
