"""A training run used by test_resume.py: python resume_script.py RUN_DIR OUT_FILE [--resume] [--kill-at N]

Dropout (random masks), batch norm (running statistics), Adam, a StepLR schedule, shuffling and
mid-epoch checkpoints: everything a resume has to restore exactly.
"""
import os
import signal
import sys

import numpy as np

import gradwise as gw
from gradwise import nn, optim
from gradwise.training import Callback, LearningRateScheduler, ModelCheckpoint


class KillAt(Callback):
    def __init__(self, step):
        self.step = step

    def on_batch_end(self, batch, logs):
        if self.trainer.global_step == self.step:
            os.kill(os.getpid(), signal.SIGKILL)        # no cleanup, no flush: a real crash


def main():
    run_dir, out = sys.argv[1], sys.argv[2]
    kill_at = int(sys.argv[sys.argv.index("--kill-at") + 1]) if "--kill-at" in sys.argv else None
    rng = np.random.default_rng(0)
    x = rng.normal(size=(72, 6)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64) + (x[:, 2] > 1)
    model = nn.Sequential(nn.Linear(6, 16, generator=1), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.3, generator=2),
                          nn.Linear(16, 3, generator=3))
    opt = optim.Adam(model.parameters(), lr=0.01)
    callbacks = [LearningRateScheduler(optim.StepLR(opt, step_size=1, gamma=0.7)),
                 ModelCheckpoint(run_dir, every_n_steps=4, keep=2)]
    if kill_at is not None:
        callbacks.append(KillAt(kill_at))
    trainer = gw.Trainer(model, nn.CrossEntropyLoss(), opt, metrics=["accuracy"], callbacks=callbacks, seed=5)
    trainer.fit((x, y), epochs=3, batch_size=8, resume_from=run_dir if "--resume" in sys.argv else None,
                verbose=False)
    gw.save(model.state_dict(), out)


if __name__ == "__main__":
    main()
