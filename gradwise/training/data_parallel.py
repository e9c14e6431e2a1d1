"""The Trainer under ``mpiexec``: what changes when a fit runs on several ranks.

- The model is wrapped in DistributedDataParallel (rank 0's weights everywhere, gradients
  averaged after every backward); ``batch_size`` stays the global batch: each rank takes
  ``batch_size / N`` samples of it through a DistributedSampler over the DataLoader's own
  order, so N ranks train exactly as one process would (with SyncBatchNorm for batch norm).
- Every step's loss, outputs and targets are gathered from all ranks, so the logs and the
  metrics are those of the whole batch and identical on every rank (early stopping and
  schedules decide alike); the doctor's activation statistics are reduced over the ranks too
  (gradients and weights are identical after the averaging).
- Only rank 0 prints, logs and writes (checkpoints, CSV, TensorBoard, findings.json); every rank
  reads the same checkpoint when resuming.
"""
import os
import sys

import numpy as np

from ..data import DataLoader
from ..distributed import group
from ..distributed.collectives import ReduceOp, allreduce_array, gather_rows
from ..distributed.ddp import DistributedDataParallel
from ..distributed.sampler import DistributedSampler
from .callbacks import Callback, CSVLogger, ModelCheckpoint, ProgressBar, TensorBoard

#: callbacks that write files or draw progress: rank 0's job alone
RANK_ZERO_ONLY = (ModelCheckpoint, CSVLogger, TensorBoard, ProgressBar)


def join_launcher():
    """Join the ranks when started by mpiexec with more than one rank (``gradwise train``); returns
    this process's rank (0 in a plain run)."""
    if not group.is_initialized() and group.launched_by_mpi() and group.is_available():
        group.init_process_group("mpi")
        if group.get_world_size() == 1:
            group.destroy_process_group()
    return group.get_rank()


class _ShardLoader(DataLoader):
    """One rank's part of every batch: the DataLoader's epoch order, dealt out by a DistributedSampler."""
    def __init__(self, dataset, batch_size, shuffle, seed):
        world = group.get_world_size()
        super().__init__(dataset, batch_size // world, shuffle=shuffle, seed=seed)
        self.global_batch = batch_size
        self.sampler = DistributedSampler(dataset, shuffle=shuffle, seed=seed)

    def __len__(self):
        return -(-self.sampler.num_samples // self.batch_size)

    def order(self, epoch):
        return self.sampler.indices(epoch)

    def batches(self, epoch, start=0):
        """This rank's share of each global batch of ``epoch``, from batch ``start`` on."""
        order = np.asarray(self.order(epoch), dtype=np.int64)
        return (self._fetch(order[b * self.batch_size:(b + 1) * self.batch_size]) for b in range(start, len(self)))


class DataParallel:
    """The Trainer's handle on the process group (None in a single process: see ``setup``)."""
    def __init__(self, trainer):
        self.rank, self.world = group.get_rank(), group.get_world_size()
        self.net = DistributedDataParallel(trainer.model)
        self.model = trainer.model

    def loader(self, train, batch_size, shuffle, seed):
        if batch_size % self.world:
            raise ValueError(f"fit: batch_size {batch_size} is the global batch, split over {self.world} ranks; "
                             f"pick a multiple of {self.world}")
        return _ShardLoader(train, batch_size, shuffle, seed)

    def callbacks(self, callbacks):
        """Rank 0 keeps them all; the others drop the writers and stay silent."""
        if self.rank != 0:
            for cb in callbacks:
                if type(cb).__name__ == "Diagnostics":
                    cb.log_dir, cb.verbose = None, False
            callbacks = [cb for cb in callbacks if not isinstance(cb, RANK_ZERO_ONLY)]
        return callbacks + [_Ranks(silent=self.rank != 0)]

    def gather(self, loss, n, out, target):
        """The whole batch's mean loss, size, outputs and targets, the same on every rank."""
        sums = np.array([loss * n, n], np.float64)
        allreduce_array(sums, ReduceOp.SUM)
        return float(sums[0] / sums[1]), int(sums[1]), gather_rows(out), gather_rows(target)


def _unit_reduce(values, how):
    """Per-unit statistics over the ranks: "any" (active on some rank's samples) or "mean"."""
    out = np.ascontiguousarray(values, np.float64 if how == "mean" else np.uint8)
    allreduce_array(out, ReduceOp.AVG if how == "mean" else ReduceOp.MAX)
    return out.astype(bool) if how == "any" else out


def setup(trainer):
    """A DataParallel for this trainer inside a process group of several ranks, else None."""
    if not group.active():
        return None
    current = getattr(trainer, "_parallel", None)
    return current if current is not None and current.model is trainer.model else DataParallel(trainer)


class _Ranks(Callback):
    """Runs last at the start of fit: lets the doctor's activation statistics see every rank's
    batch (its monitor exists only after its on_train_begin), and silences ranks other than 0
    until fit ends (rank 0 speaks for the run; errors still reach stderr)."""
    def __init__(self, silent):
        self.silent, self._stdout = silent, None

    def on_train_begin(self, logs):
        for cb in self.trainer._active:
            monitor = getattr(cb, "monitor", None)
            if monitor is not None and hasattr(monitor, "unit_reduce"):
                monitor.unit_reduce = _unit_reduce
        if self.silent:
            self._stdout, sys.stdout = sys.stdout, open(os.devnull, "w")

    def on_train_end(self, logs):
        if self._stdout is not None:
            sys.stdout.close()
            sys.stdout, self._stdout = self._stdout, None
