"""Run by test_trainer_mpi.py: a Trainer fit (float64 MLP with SyncBatchNorm, Adam, accuracy,
checkpoints every 4 steps) in one process or under mpiexec; rank 0 saves the final weights and
the history to OUT.npz.

usage: trainer_script.py OUT RUN_DIR [--kill-rank R --kill-at STEP] [--resume]
"""
import argparse
import os
import signal

import numpy as np

import gradwise as gw
import gradwise.distributed as dist
from gradwise import nn
from gradwise.training import Callback, ModelCheckpoint

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("run_dir")
p.add_argument("--kill-rank", type=int, default=None)
p.add_argument("--kill-at", type=int, default=None)
p.add_argument("--resume", action="store_true")
args = p.parse_args()

if dist.launched_by_mpi():
    dist.init_process_group("mpi")
rng = np.random.default_rng(0)
x, y = rng.normal(size=(96, 6)), rng.integers(0, 3, 96)
x[:, 0] += y                                        # learnable
gw.manual_seed(0)
model = nn.Sequential(nn.Linear(6, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 3)).double()
model = nn.SyncBatchNorm.convert_sync_batchnorm(model)


class Kill(Callback):
    def on_batch_end(self, batch, logs):
        if dist.get_rank() == args.kill_rank and self.trainer.global_step == args.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)


trainer = gw.Trainer(model, loss="cross_entropy", optimizer=gw.optim.Adam(model.parameters(), lr=0.01),
                     metrics=["accuracy"], seed=4,
                     callbacks=[ModelCheckpoint(f"{args.run_dir}/checkpoints", every_n_steps=4, keep=10), Kill()])
history = trainer.fit((x[:80], y[:80]), epochs=3, batch_size=16, validation_data=(x[80:], y[80:]),
                      resume_from=f"{args.run_dir}/checkpoints" if args.resume else None)
if dist.get_rank() == 0:
    state = {k: v.numpy() for k, v in model.state_dict().items()}
    np.savez(args.out, **state, loss=history["loss"], accuracy=history["accuracy"], val_loss=history["val_loss"])
print(f"rank {dist.get_rank()} done")
