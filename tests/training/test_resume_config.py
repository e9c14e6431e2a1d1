"""A resume continues the original run or says why it cannot: the data order comes from the
checkpoint, and another batch size, dataset size, optimizer or loss is a ResumeError; two runs
in one folder are refused with a RunLockedError."""
import multiprocessing
import time

import numpy as np
import pytest

import gradwise as gw
from gradwise import nn, optim
from gradwise.errors import ResumeError, RunLockedError
from gradwise.training import Callback, ModelCheckpoint
from gradwise.training.lock import run_lock

RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 4)).astype(np.float32)
Y = (X[:, 0] > 0).astype(np.int64)


class StopAt(Callback):
    def __init__(self, step):
        self.step = step

    def on_batch_end(self, batch, logs):
        if self.trainer.global_step == self.step:
            self.trainer.stop_training = True


def _trainer(folder, seed=0, optimizer="sgd", loss="cross_entropy", extra=()):
    model = nn.Linear(4, 2, generator=0)
    return gw.Trainer(model, loss=loss, optimizer=optimizer, lr=0.1, seed=seed,
                      callbacks=[ModelCheckpoint(folder, every_n_steps=3), *extra])


def _weights(trainer):
    return {k: v.numpy().copy() for k, v in trainer.model.state_dict().items()}


def test_the_data_order_comes_from_the_checkpoint_not_the_new_trainer(tmp_path):
    straight = _trainer(tmp_path / "a", seed=7)
    straight.fit((X, Y), epochs=3, batch_size=8, verbose=False, diagnostics=False)
    first = _trainer(tmp_path / "b", seed=7, extra=[StopAt(8)])            # stops mid-epoch 2, saved at step 6
    first.fit((X, Y), epochs=3, batch_size=8, verbose=False, diagnostics=False)
    resumed = _trainer(tmp_path / "b", seed=0)                              # the default seed, not the run's
    mid_epoch = tmp_path / "b" / "checkpoint-e0001-s00000006.safetensors"
    resumed.fit((X, Y), epochs=3, batch_size=8, verbose=False, diagnostics=False, resume_from=mid_epoch)
    assert resumed.seed == 7
    for k, v in _weights(straight).items():
        np.testing.assert_array_equal(_weights(resumed)[k], v, err_msg=k)


@pytest.mark.parametrize("change, clash", [
    (dict(batch_size=4), "batch_size: checkpoint 8, now 4"),
    (dict(data=(X[:30], Y[:30])), "dataset_size: checkpoint 40, now 30"),
    (dict(optimizer="adam"), "optimizer: checkpoint 'SGD', now 'Adam'"),
    (dict(loss="nll"), "loss: checkpoint 'CrossEntropyLoss', now 'NLLLoss'"),
    (dict(shuffle=False), "shuffle: checkpoint True, now False"),
])
def test_a_resume_that_cannot_continue_the_run_is_an_error(tmp_path, change, clash):
    _trainer(tmp_path).fit((X, Y), epochs=1, batch_size=8, verbose=False, diagnostics=False)
    trainer = _trainer(tmp_path, optimizer=change.get("optimizer", "sgd"), loss=change.get("loss", "cross_entropy"))
    before = _weights(trainer)
    with pytest.raises(ResumeError, match=clash):
        trainer.fit(change.get("data", (X, Y)), epochs=2, batch_size=change.get("batch_size", 8),
                    shuffle=change.get("shuffle", True), verbose=False, diagnostics=False, resume_from=tmp_path)
    for k, v in before.items():
        np.testing.assert_array_equal(_weights(trainer)[k], v)               # nothing was restored half-way


def test_run_dir_records_the_trainer_configuration(tmp_path):
    import json
    trainer = gw.Trainer(nn.Linear(4, 2), loss="cross_entropy", optimizer=optim.SGD(nn.Linear(4, 2).parameters(),
                                                                                   lr=0.3), run_dir=tmp_path)
    trainer.optimizer = optim.SGD(trainer.model.parameters(), lr=0.3)
    trainer.fit((X, Y), epochs=1, batch_size=16, verbose=False, diagnostics=False)
    config = json.loads((tmp_path / "trainer.json").read_text())
    assert config["batch_size"] == 16 and config["optimizer"] == "SGD" and config["dataset_size"] == 40
    assert config["optimizer_hyperparameters"]["lr"] == 0.3


def _hold(folder, ready, release):
    with run_lock(folder):
        ready.set()
        release.wait(30)


def test_a_second_run_in_the_same_folder_is_refused(tmp_path):
    ctx = multiprocessing.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    other = ctx.Process(target=_hold, args=(tmp_path, ready, release))
    other.start()
    try:
        assert ready.wait(30)
        trainer = gw.Trainer(nn.Linear(4, 2), loss="cross_entropy", run_dir=tmp_path)
        with pytest.raises(RunLockedError, match=rf"{tmp_path} is in use by another training run \(pid {other.pid}"):
            trainer.fit((X, Y), epochs=1, verbose=False, diagnostics=False)
        assert trainer.global_step == 0
    finally:
        release.set()
        other.join(30)
    gw.Trainer(nn.Linear(4, 2), loss="cross_entropy", run_dir=tmp_path).fit((X, Y), epochs=1, verbose=False,
                                                                              diagnostics=False)


def test_a_killed_run_leaves_no_stale_lock(tmp_path):
    ctx = multiprocessing.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    other = ctx.Process(target=_hold, args=(tmp_path, ready, release))
    other.start()
    assert ready.wait(30)
    other.kill()
    other.join(30)
    with run_lock(tmp_path):
        with run_lock(tmp_path):                # the same process may take it again (the CLI, then fit)
            pass
    assert (tmp_path / ".gradwise.lock").exists()
    time.sleep(0)


def test_a_run_stopped_mid_epoch_resumes_the_rest_of_that_epoch(tmp_path):
    """stop_training at step 5 of a 10-step epoch: the epoch-end checkpoint must not count the
    epoch as done, so a resume trains its last 5 batches and ends where an unstopped run ends."""
    full = gw.Trainer(nn.Linear(4, 2, generator=0), loss="cross_entropy", optimizer="sgd", lr=0.1, seed=0)
    full.fit((X, Y), epochs=2, batch_size=4, verbose=False, diagnostics=False)
    folder = tmp_path / "ckpt"
    stopped = gw.Trainer(nn.Linear(4, 2, generator=0), loss="cross_entropy", optimizer="sgd", lr=0.1, seed=0,
                         callbacks=[ModelCheckpoint(folder), StopAt(5)])
    stopped.fit((X, Y), epochs=2, batch_size=4, verbose=False, diagnostics=False)
    assert stopped.global_step == 5
    resumed = gw.Trainer(nn.Linear(4, 2, generator=1), loss="cross_entropy", optimizer="sgd", lr=0.1, seed=0,
                         callbacks=[ModelCheckpoint(folder)])
    history = resumed.fit((X, Y), epochs=2, batch_size=4, verbose=False, diagnostics=False, resume_from=folder)
    assert resumed.global_step == full.global_step == 20 and len(history.epochs) == 2
    for k, v in _weights(full).items():
        np.testing.assert_array_equal(_weights(resumed)[k], v)
