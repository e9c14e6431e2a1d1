"""Misuse probes: each tries one bad input and records whether gradwise answers with a clean
gradwise error (a subclass of gradwise.errors.GradwiseError, or gradwise's ShapeWarning where
PyTorch also only warns), a raw Python/NumPy exception, or nothing at all (silently wrong).

    python bench/probes.py            # prints the table per category, then every probe that is not clean
    python bench/probes.py --all      # every probe with its message
"""
import argparse
import gzip
import json
import os
import struct
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import gradwise as gw  # noqa: E402
import gradwise.functional as F  # noqa: E402
from gradwise import nn, optim  # noqa: E402
from gradwise.data import ArrayDataset, CharText, DataLoader, read_idx  # noqa: E402
from gradwise.errors import GradwiseError, ShapeWarning  # noqa: E402

PROBES = []
TMP = Path(tempfile.mkdtemp(prefix="gradwise-probes-"))
NAN, INF = float("nan"), float("inf")


def probe(category, name):
    def register(fn):
        PROBES.append((category, name, fn))
        return fn
    return register


def _p():
    return [nn.Parameter(gw.zeros(2))]


def _file(name, content):
    path = TMP / name
    path.write_bytes(content)
    return path


def _fit(x, y, loss="cross_entropy", model=None, **kw):
    model = model or nn.Linear(np.shape(x)[1], 2, generator=0)
    kw = {"epochs": 1, "verbose": False, "diagnostics": False, **kw}
    gw.Trainer(model, loss=loss, optimizer="sgd", lr=0.1).fit((x, y), **kw)


X = np.random.default_rng(0).normal(size=(16, 3)).astype(np.float32)
Y = np.arange(16) % 2

# ----- shapes -------------------------------------------------------------------------------
for _loss in ("mse_loss", "l1_loss", "huber_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits"):
    probe("shapes", f"{_loss}((N,1), (N,))")(lambda f=getattr(F, _loss): f(gw.full((8, 1), 0.5), gw.full((8,), 0.5)))
probe("shapes", "mse_loss((N,3), (1,)) warns")(lambda: F.mse_loss(gw.zeros(4, 3), gw.zeros(1)))
probe("shapes", "Trainer(loss='mse') with (N,) targets")(
    lambda: _fit(X, X[:, 0], loss="mse", model=nn.Linear(3, 1)))
probe("shapes", "Linear on unflattened images")(lambda: nn.Linear(784, 10)(gw.zeros(2, 28, 28)))
probe("shapes", "Conv2d on (N, H, W)")(lambda: nn.Conv2d(1, 4, 3)(gw.zeros(2, 28, 28)))
probe("shapes", "matmul (2,3) @ (4,5)")(lambda: gw.zeros(2, 3) @ gw.zeros(4, 5))
probe("shapes", "add (2,3) + (4,)")(lambda: gw.zeros(2, 3) + gw.zeros(4))
probe("shapes", "reshape 6 -> 4")(lambda: gw.zeros(6).reshape(4))
probe("shapes", "cross_entropy targets (N,1)")(lambda: F.cross_entropy(gw.zeros(4, 3), np.zeros((4, 1), np.int64)))
probe("shapes", "load_state_dict of another shape")(
    lambda: nn.Linear(3, 2).load_state_dict(nn.Linear(4, 2).state_dict()))
probe("shapes", "LSTM on (N, F) input")(lambda: nn.LSTM(3, 4)(gw.zeros(5, 4)))
probe("shapes", "cat of mismatched shapes")(lambda: gw.cat([gw.zeros(2, 3), gw.zeros(2, 4)]))

# ----- data ---------------------------------------------------------------------------------
probe("data", "string labels in fit")(lambda: _fit(X, np.array(["a", "b"] * 8)))
probe("data", "string inputs in DataLoader")(
    lambda: next(iter(DataLoader(ArrayDataset(np.array([["x"]] * 4), np.zeros(4)), batch_size=2))))
probe("data", "object array inputs")(
    lambda: next(iter(DataLoader(ArrayDataset(np.array([{}] * 4, dtype=object)), batch_size=2))))
probe("data", "NaN in the inputs")(lambda: ArrayDataset(np.full((4, 2), NAN), np.zeros(4)))
probe("data", "arrays of different lengths")(lambda: ArrayDataset(np.zeros((4, 2)), np.zeros(5)))
probe("data", "empty dataset")(lambda: ArrayDataset(np.zeros((0, 2))))
probe("data", "label beyond the output layer")(lambda: _fit(X, np.arange(16) % 5))
probe("data", "negative label")(lambda: F.cross_entropy(gw.zeros(2, 3), np.array([0, -2])))
probe("data", "a single array instead of (x, y)")(lambda: gw.Trainer(nn.Linear(3, 2), loss="mse").fit(X, verbose=False))
probe("data", "float class labels for cross_entropy (N,)")(lambda: F.cross_entropy(gw.zeros(4, 3), np.zeros(4)))

# ----- files --------------------------------------------------------------------------------
_st = json.dumps({"w": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}}).encode()
probe("files", "bf16 safetensors loads")(lambda: gw.load(_file("bf16.safetensors",
                                                              struct.pack("<Q", len(_st)) + _st + b"\x80?\x00@")))
probe("files", "truncated safetensors")(lambda: gw.load(_file("cut.safetensors", struct.pack("<Q", 500) + b"{}")))
probe("files", "safetensors with a bad JSON header")(lambda: gw.load(_file("json.safetensors",
                                                                          struct.pack("<Q", 3) + b"{x}")))
probe("files", "safetensors unknown dtype")(lambda: gw.load(_file("c64.safetensors", struct.pack("<Q", 61) + json.dumps(
    {"w": {"dtype": "C64", "shape": [1], "data_offsets": [0, 8]}}).encode().ljust(61) + bytes(8))))
probe("files", "corrupt MNIST .gz")(lambda: read_idx(_file("c-idx3-ubyte.gz", (lambda b: b[:20] + b"\xff" * 8 + b[28:])(
    gzip.compress(struct.pack(">HBBIII", 0, 8, 3, 2, 5, 5) + bytes(range(50)))))))
probe("files", "IDX header larger than the file")(lambda: read_idx(_file("big-idx1-ubyte",
                                                                         struct.pack(">HBBI", 0, 8, 1, 10 ** 9))))
probe("files", "not UTF-8 text")(lambda: CharText(_file("latin.txt", "d\xe9j\xe0 vu ".encode("latin-1") * 20), 4))
probe("files", "load of a missing file")(lambda: gw.load(TMP / "nothing.safetensors"))
probe("files", "weights file used as a checkpoint")(lambda: gw.training.load_checkpoint(
    (gw.save(nn.Linear(2, 2).state_dict(), TMP / "w.safetensors"), TMP / "w.safetensors")[1]))


def _edited_checkpoint(edit):
    trainer = gw.Trainer(nn.Linear(3, 2, generator=0), loss="cross_entropy", optimizer="adam")
    trainer.fit((X, Y), epochs=1, batch_size=8, verbose=False, diagnostics=False)
    path = TMP / "checkpoint-e0000-s00000002.safetensors"
    trainer.save_checkpoint(path)
    arrays, info = gw.load(path), json.loads(gw.serialization.metadata(path)["gradwise"])
    edit(info)
    gw.save(arrays, path, metadata={"gradwise": json.dumps(info)})
    trainer.load_checkpoint(path)


probe("files", "checkpoint header: epoch removed")(lambda: _edited_checkpoint(lambda i: i.pop("epoch")))
probe("files", "checkpoint header: step a string")(lambda: _edited_checkpoint(lambda i: i.update(global_step="3")))
probe("files", "checkpoint header: lr a string")(
    lambda: _edited_checkpoint(lambda i: i["optimizer"]["param_groups"][0].update(lr="fast")))
probe("files", "checkpoint header: generator state damaged")(
    lambda: _edited_checkpoint(lambda i: i["rng"].update({"gradwise.random:default": {"state": 1}})))

# ----- hyperparameters ----------------------------------------------------------------------
for _name, _make in [
        ("SGD(lr=nan)", lambda: optim.SGD(_p(), lr=NAN)), ("Adam(lr=inf)", lambda: optim.Adam(_p(), lr=INF)),
        ("SGD(lr=-1)", lambda: optim.SGD(_p(), lr=-1)),
        ("Adam(betas=(1.5, .9))", lambda: optim.Adam(_p(), betas=(1.5, .9))),
        ("RMSprop(eps=nan)", lambda: optim.RMSprop(_p(), eps=NAN)),
        ("SGD(lr='0.1')", lambda: optim.SGD(_p(), lr="0.1")),
        ("Conv2d(stride=0)", lambda: nn.Conv2d(1, 1, 3, stride=0)),
        ("Conv2d(kernel_size=0)", lambda: nn.Conv2d(1, 1, 0)),
        ("Conv2d(padding=-1)", lambda: nn.Conv2d(1, 1, 3, padding=-1)), ("MaxPool2d(0)", lambda: nn.MaxPool2d(0)),
        ("AvgPool2d(2, stride=0)", lambda: nn.AvgPool2d(2, stride=0)), ("Linear(-1, 3)", lambda: nn.Linear(-1, 3)),
        ("LSTM(hidden_size=0)", lambda: nn.LSTM(3, 0)), ("Dropout(nan)", lambda: nn.Dropout(NAN)),
        ("Dropout(1.5)", lambda: nn.Dropout(1.5)), ("BatchNorm1d(eps=nan)", lambda: nn.BatchNorm1d(3, eps=NAN)),
        ("DataLoader(batch_size=0)", lambda: DataLoader(ArrayDataset(X), batch_size=0)),
        ("DataLoader(batch_size=2.5)", lambda: DataLoader(ArrayDataset(X), batch_size=2.5)),
        ("StepLR(step_size=0)", lambda: optim.StepLR(optim.SGD(_p(), lr=0.1), 0)),
        ("fit(epochs=-1)", lambda: _fit(X, Y, epochs=-1)),
        ("fit(validation_split=1.5)", lambda: _fit(X, Y, validation_split=1.5)),
        ("huber_loss(delta=0)", lambda: F.huber_loss(gw.zeros(2), gw.zeros(2), delta=0)),
        ("max_pool2d(kernel_size=0)", lambda: F.max_pool2d(gw.zeros(1, 1, 4, 4), 0))]:
    probe("hyperparameters", _name)(_make)

# ----- autograd -----------------------------------------------------------------------------


def _inplace_after_save():
    w, x = gw.ones(3, requires_grad=True), gw.ones(3)        # x is saved by the product for w's gradient
    y = (w * x).sum()
    x.add_(1)
    y.backward()


def _backward_twice():
    a = gw.ones(3, requires_grad=True)
    b = (a * a).sum()
    b.backward()
    b.backward()


probe("autograd", "in-place change of a saved tensor")(_inplace_after_save)
probe("autograd", "backward twice without retain_graph")(_backward_twice)
probe("autograd", "backward of a non-scalar without gradient")(
    lambda: (gw.ones(3, requires_grad=True) * 2).backward())
probe("autograd", "backward on a tensor without grad")(lambda: gw.ones(3).sum().backward())
probe("autograd", "integer tensor requires_grad")(lambda: gw.tensor([1, 2]).requires_grad_())
probe("autograd", "custom backward returns a wrong shape")(lambda: _bad_function())


def _bad_function():
    from gradwise.autograd import Function

    class Bad(Function):
        def forward(self, x):
            return x * 2

        def backward(self, g):
            return (g[:1],)
    Bad.apply(gw.ones(3, requires_grad=True)).sum().backward()


# ----- numerics -----------------------------------------------------------------------------
probe("numerics", "binary_cross_entropy of values > 1")(lambda: F.binary_cross_entropy(gw.full((2,), 2.0), gw.ones(2)))
probe("numerics", "NaN targets in a dataset")(lambda: ArrayDataset(X, np.full(16, NAN)))
probe("numerics", "infinite inputs in a dataset")(lambda: ArrayDataset(np.full((4, 2), INF)))
probe("numerics", "label_smoothing=2")(lambda: F.cross_entropy(gw.zeros(2, 3), np.array([0, 1]), label_smoothing=2))
probe("numerics", "dropout p=nan (functional)")(lambda: F.dropout(gw.zeros(3), NAN))
probe("numerics", "unknown reduction")(lambda: F.mse_loss(gw.zeros(2), gw.zeros(2), reduction="avg"))
probe("numerics", "batch_norm of one sample in training")(lambda: nn.BatchNorm1d(3)(gw.zeros(1, 3)))

# ----- CLI ----------------------------------------------------------------------------------


def _cli(*args):
    """Runs gradwise train; a clean answer is exit code 2 with a message naming the problem."""
    env = {**os.environ, "PYTHONPATH": str(Path(gw.__file__).parents[1])}
    out = subprocess.run([sys.executable, "-m", "gradwise.cli", "train", "--quiet", *args], capture_output=True,
                         text=True, timeout=120, cwd=TMP, env=env)
    if out.returncode == 2 and "Traceback" not in out.stderr:
        raise _Clean(out.stderr.strip().splitlines()[-1])
    if out.returncode == 0:
        return None
    raise RuntimeError(f"exit {out.returncode}: {out.stderr.strip().splitlines()[-1]}")


class _Clean(GradwiseError):
    pass


for _args in (["--epochs", "0"], ["--epochs", "-2"], ["--lr", "nan"], ["--lr", "-1"], ["--batch-size", "0"],
              ["--seed", "-3"], ["--resume", "no-such-run"], ["--model", "lenet5"],
              ["--dataset", "mnist", "--data-dir", "nowhere"]):
    probe("CLI", "gradwise train " + " ".join(_args))(lambda a=_args: _cli(*a))


def _resume_contradiction():
    run = TMP / "runs" / "r"
    run.mkdir(parents=True, exist_ok=True)
    (run / "options.json").write_text(json.dumps({"model": "cnn", "dataset": "digits", "data_dir": None, "epochs": 2,
                                                  "batch_size": 64, "lr": 0.002, "optimizer": "adam", "seed": 0}))
    _cli("--resume", str(run), "--batch-size", "32")


probe("CLI", "--resume with a contradicting --batch-size")(_resume_contradiction)


# ----- concurrency --------------------------------------------------------------------------
def _second_run():
    import multiprocessing

    from gradwise.training.lock import run_lock
    ctx = multiprocessing.get_context("fork")
    ready, done = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold, args=(TMP / "shared-run", ready, done))
    holder.start()
    ready.wait(30)
    try:
        with run_lock(TMP / "shared-run"):
            pass
    finally:
        done.set()
        holder.join(30)


def _hold(folder, ready, done):
    from gradwise.training.lock import run_lock
    with run_lock(folder):
        ready.set()
        done.wait(30)


def _resume_other_batch():
    from gradwise.training import ModelCheckpoint
    folder = TMP / "ckpt"
    t = gw.Trainer(nn.Linear(3, 2, generator=0), loss="cross_entropy", optimizer="sgd", lr=0.1,
                   callbacks=[ModelCheckpoint(folder)])
    t.fit((X, Y), epochs=1, batch_size=8, verbose=False, diagnostics=False)
    t2 = gw.Trainer(nn.Linear(3, 2, generator=0), loss="cross_entropy", optimizer="sgd", lr=0.1)
    t2.fit((X, Y), epochs=2, batch_size=4, verbose=False, diagnostics=False, resume_from=folder)


def _resume_other_optimizer():
    from gradwise.training import ModelCheckpoint
    folder = TMP / "ckpt2"
    gw.Trainer(nn.Linear(3, 2, generator=0), loss="cross_entropy", optimizer="sgd", lr=0.1,
               callbacks=[ModelCheckpoint(folder)]).fit((X, Y), epochs=1, batch_size=8, verbose=False,
                                                        diagnostics=False)
    gw.Trainer(nn.Linear(3, 2, generator=0), loss="cross_entropy", optimizer="adam").fit(
        (X, Y), epochs=2, batch_size=8, verbose=False, diagnostics=False, resume_from=folder)


probe("concurrency", "a second run into a locked folder")(_second_run)
probe("concurrency", "resume with another batch size")(_resume_other_batch)
probe("concurrency", "resume with another optimizer")(_resume_other_optimizer)
probe("concurrency", "resume with another dataset size")(lambda: _resume_size())


def _resume_size():
    from gradwise.training import ModelCheckpoint
    folder = TMP / "ckpt3"
    gw.Trainer(nn.Linear(3, 2, generator=0), loss="cross_entropy", optimizer="sgd", lr=0.1,
               callbacks=[ModelCheckpoint(folder)]).fit((X, Y), epochs=1, batch_size=8, verbose=False,
                                                        diagnostics=False)
    gw.Trainer(nn.Linear(3, 2, generator=0), loss="cross_entropy", optimizer="sgd", lr=0.1).fit(
        (X[:12], Y[:12]), epochs=2, batch_size=8, verbose=False, diagnostics=False, resume_from=folder)


# ----- running ------------------------------------------------------------------------------
EXPECTED_TO_LOAD = {"bf16 safetensors loads"}       # probes of things that must now work


def run_probe(name, fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fn()
        except GradwiseError as e:
            return "clean", f"{type(e).__name__}: {e}"
        except Exception as e:       # noqa: BLE001 - a probe reports whatever escapes
            return "raw", f"{type(e).__name__}: {e}"
    shape_warnings = [w for w in caught if issubclass(w.category, ShapeWarning)]
    if shape_warnings:
        return "clean", f"ShapeWarning: {shape_warnings[0].message}"
    if name in EXPECTED_TO_LOAD:
        return "clean", "loaded"
    return "silent", "no error"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="print every probe and its message")
    args = parser.parse_args(argv)
    rows, table = [], {}
    for category, name, fn in PROBES:
        verdict, message = run_probe(name, fn)
        rows.append((category, name, verdict, message))
        counts = table.setdefault(category, {"probes": 0, "clean": 0, "raw": 0, "silent": 0})
        counts["probes"] += 1
        counts[verdict] += 1
    print("| category | probes | clean gradwise error | raw exception | silent |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for category, c in table.items():
        print(f"| {category} | {c['probes']} | {c['clean']} | {c['raw']} | {c['silent']} |")
    total = {k: sum(c[k] for c in table.values()) for k in ("probes", "clean", "raw", "silent")}
    print(f"| all | {total['probes']} | {total['clean']} | {total['raw']} | {total['silent']} |")
    for category, name, verdict, message in rows:
        if args.all or verdict != "clean":
            print(f"[{verdict}] {category}: {name}: {message[:300]}")
    return 0 if total["clean"] == total["probes"] else 1


if __name__ == "__main__":
    with warnings.catch_warnings():
        sys.exit(main())
