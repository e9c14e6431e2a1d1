"""The ``gradwise`` command: ``gradwise train`` trains a model and keeps everything in a run folder."""
import argparse
import json
import os
import sys
import time
from pathlib import Path

from .arguments import non_negative_int, positive_int, real
from .errors import ArgumentError, GradwiseError, MissingFileError, ResumeError

DATA_DIRS = {"mnist": "mnist", "fashion-mnist": "fashion-mnist"}
RECORDED = ("model", "dataset", "data_dir", "epochs", "batch_size", "lr", "optimizer", "seed")
MAY_CHANGE_ON_RESUME = ("epochs", "data_dir")       # train longer; the same files moved elsewhere


def _parser():
    p = argparse.ArgumentParser(prog="gradwise", description="gradwise: deep learning that explains its training.")
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train a model (default: a small CNN on the bundled digits, under a minute)",
                       description="Train a model and write a run folder with checkpoints, metrics.csv and "
                                   "TensorBoard logs. With no options: a small CNN on the bundled 8x8 digits.")
    t.add_argument("--model", default=None, choices=["mlp", "cnn", "lenet5", "resnet", "vgg"],
                   help="the network: mlp, cnn (small CNN), lenet5 (28x28 images only), resnet (small ResNet), vgg "
                        "(VGG-style CNN); default cnn for digits, lenet5 for MNIST and Fashion-MNIST")
    t.add_argument("--dataset", default=None, choices=["digits", "mnist", "fashion-mnist"],
                   help="digits (bundled, offline), mnist or fashion-mnist (IDX .gz files in --data-dir)")
    t.add_argument("--data-dir", default=None,
                   help="folder with the dataset's .gz files (default: ../shared/data/<dataset> if present, "
                        "else ./data/<dataset>)")
    t.add_argument("--download", action="store_true", help="download a missing MNIST / Fashion-MNIST")
    t.add_argument("--epochs", type=_number("--epochs", positive_int), default=None,
                   help="passes over the training data (default 20 for digits, 5 otherwise)")
    t.add_argument("--batch-size", type=_number("--batch-size", positive_int), default=None,
                   help="samples per gradient step (default 64)")
    t.add_argument("--lr", type=_number("--lr", _positive_float), default=None,
                   help="learning rate (default 2e-3 for adam, 0.05 for sgd)")
    t.add_argument("--optimizer", default=None, choices=["sgd", "adam", "adamw", "rmsprop", "adagrad"],
                   help="the optimizer (default adam)")
    t.add_argument("--seed", type=_number("--seed", non_negative_int), default=None,
                   help="seed of the weights, the data order and the split (default 0)")
    t.add_argument("--out", default=None, help="parent folder of the run folder (default ./runs)")
    t.add_argument("--name", default=None, help="run folder name (default <dataset>-<model>-<time>)")
    t.add_argument("--resume", default=None, metavar="RUN_DIR_OR_CHECKPOINT",
                   help="continue an interrupted run from its newest checkpoint, with the options recorded in "
                        "its options.json (an option given here that contradicts them is an error; --epochs may "
                        "differ, to train longer)")
    t.add_argument("--quiet", action="store_true", help="no progress output")
    d = sub.add_parser("doctor", help="explain a run: print its findings and write report.html",
                       description="Print the training doctor's findings for a run folder and write a self-contained "
                                   "report.html with loss curves, gradient flow, update ratios and activation health "
                                   "(plots need matplotlib: pip install 'gradwise[plots]').")
    d.add_argument("run_dir", help="a run folder written by gradwise train (or gw.Trainer(run_dir=...))")
    sub.add_parser("bench", help="time gradwise against PyTorch on the standard workloads (gradwise bench --help)")
    sub.add_parser("run", help="run an unmodified PyTorch script on gradwise: gradwise run script.py [args]")
    from .rl.command import add_parser as add_rl_parser
    add_rl_parser(sub)
    return p


def _number(option, check):
    """An argparse type: parse the text as the check's kind, then check it (zero, negative, NaN ...)."""
    def parse(text):
        try:
            value = float(text) if check is _positive_float else int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{option} must be a number; got {text!r}") from None
        try:
            return check("gradwise train", option, value)
        except ArgumentError as e:
            raise argparse.ArgumentTypeError(str(e).split(": ", 1)[1]) from None
    return parse


def _positive_float(who, name, value):
    return real(who, name, value, low=0, low_open=True)


def doctor(args):
    from .diagnostics.report import write_report
    path, summary, drew = write_report(args.run_dir)
    print(summary)
    print(f"report: {path}" + ("" if drew else "  (text only: pip install 'gradwise[plots]' for the plots)"))


def _load(args):
    from .data import FashionMNIST, MNIST, Digits, stratified_split
    if args.dataset == "digits":
        ds = Digits()
        train, test = stratified_split(ds, ds.labels, test_fraction=0.2, seed=args.seed)
        return train, test, (1, 8, 8)
    data_dir = args.data_dir
    if data_dir is None:
        shared = Path("../shared/data") / DATA_DIRS[args.dataset]
        data_dir = shared if shared.exists() else Path("data") / DATA_DIRS[args.dataset]
    cls = MNIST if args.dataset == "mnist" else FashionMNIST
    return (cls(data_dir, train=True, download=args.download), cls(data_dir, train=False, download=args.download),
            (1, 28, 28))


def train(args):
    """``gradwise train``: a new run, or ``--resume`` of one with its recorded options."""
    import contextlib

    from .training.checkpoint import latest_checkpoint
    from .training.data_parallel import join_launcher
    from .training.lock import run_lock
    rank = join_launcher()          # under mpiexec -n N: N ranks train one model; rank 0 writes and prints
    if rank != 0:
        sys.stdout = open(os.devnull, "w")
    if args.resume:
        resume = Path(args.resume)
        if not resume.exists():
            raise MissingFileError(f"--resume {resume}: no such run folder or checkpoint")
        run_dir = resume if resume.is_dir() else resume.parent.parent
        _restore_options(args, run_dir)
        resume_from = latest_checkpoint(run_dir / "checkpoints") if resume.is_dir() else resume
    _fill_defaults(args)
    model_name = args.model
    if not args.resume:
        name = args.name or f"{args.dataset}-{model_name}-{time.strftime('%Y%m%d-%H%M%S')}"
        run_dir, resume_from = Path(args.out or "runs") / name, None
    with run_lock(run_dir) if rank == 0 else contextlib.nullcontext():
        return _train(args, run_dir, resume_from)


def _fill_defaults(args):
    args.dataset = args.dataset or "digits"
    args.optimizer = args.optimizer or "adam"
    args.model = args.model or ("cnn" if args.dataset == "digits" else "lenet5")
    args.epochs = args.epochs if args.epochs is not None else (20 if args.dataset == "digits" else 5)
    args.batch_size = args.batch_size if args.batch_size is not None else 64
    args.lr = args.lr if args.lr is not None else (0.05 if args.optimizer == "sgd" else 2e-3)
    args.seed = args.seed if args.seed is not None else 0


def _restore_options(args, run_dir):
    """Take the options recorded in run_dir/options.json; an option given now that contradicts one
    of them is a ResumeError (a run folder from before options were recorded keeps today's)."""
    if args.out is not None or args.name is not None:
        raise ResumeError("--out and --name name a new run folder; with --resume the run folder is the resumed one")
    path = run_dir / "options.json"
    if not path.exists():
        return
    try:
        recorded = json.loads(path.read_text())
        recorded = {k: recorded[k] for k in RECORDED}
    except (ValueError, KeyError, TypeError) as e:
        raise ResumeError(f"{path} is damaged ({type(e).__name__}: {e}); restore it, or start a new run") from None
    clashes = [f"--{k.replace('_', '-')} {getattr(args, k)} (the run used {recorded[k]})" for k in RECORDED
               if k not in MAY_CHANGE_ON_RESUME and getattr(args, k) is not None and getattr(args, k) != recorded[k]]
    if clashes:
        raise ResumeError(f"--resume {run_dir}: " + ", ".join(clashes) + ". A resumed run continues with its "
                          f"recorded options; drop these, or start a new run to change them.")
    for k in RECORDED:
        if getattr(args, k) is None:
            setattr(args, k, recorded[k])


def _train(args, run_dir, resume_from):
    import numpy as np

    from . import models
    from .serialization import atomic_write
    from .training import CSVLogger, ModelCheckpoint, TensorBoard, Trainer
    from .distributed.group import get_rank
    rank = get_rank()               # under mpiexec -n N: N ranks train one model; rank 0 writes and prints
    model_name, epochs, lr = args.model, args.epochs, args.lr
    train_ds, test_ds, shape = _load(args)
    if rank == 0:
        run_dir.mkdir(parents=True, exist_ok=True)
        options = {k: getattr(args, k) for k in RECORDED}
        atomic_write(run_dir / "options.json", (json.dumps(options, indent=1) + "\n").encode())
    model = models.get(model_name, shape, 10, generator=args.seed)
    from .distributed.group import active
    if active():        # batch norm over all ranks' batches: N ranks train as one process would
        from .nn import SyncBatchNorm
        model = SyncBatchNorm.convert_sync_batchnorm(model)
    callbacks = [ModelCheckpoint(run_dir / "checkpoints", every_n_steps=200), CSVLogger(run_dir / "metrics.csv")]
    try:
        import tensorboardX  # noqa: F401
        callbacks.append(TensorBoard(run_dir / "tensorboard", histogram_every_n_steps=100))
    except ImportError:
        print("(TensorBoard logs skipped: pip install 'gradwise[tensorboard]' to write them)")
    trainer = Trainer(model, loss="cross_entropy", optimizer=args.optimizer, lr=lr, metrics=["accuracy"],
                      callbacks=callbacks, seed=args.seed, run_dir=run_dir)
    if not args.quiet:
        n_params = sum(p.numel() for p in model.parameters())
        print(f"gradwise train: {model_name} ({n_params:,} parameters) on {args.dataset}, {epochs} epochs, "
              f"{args.optimizer} lr {lr:g}, batch {args.batch_size}, seed {args.seed}")
    started = time.perf_counter()
    trainer.fit(train_ds, epochs=epochs, batch_size=args.batch_size, validation_data=test_ds,
                resume_from=resume_from, verbose=not args.quiet)
    final = trainer.evaluate(test_ds, verbose=False)
    from .serialization import save
    if rank == 0:
        save(model.state_dict(), run_dir / "model.safetensors")
    print(f"test accuracy {final['accuracy']:.4f}  test loss {final['loss']:.4f}  "
          f"({time.perf_counter() - started:.1f} s)")
    print(f"run folder: {run_dir}  (model.safetensors, checkpoints/, metrics.csv, findings.json"
          f"{', tensorboard/' if any(isinstance(c, TensorBoard) for c in callbacks) else ''}); "
          f"explain it with: gradwise doctor {run_dir}")
    return float(np.asarray(final["accuracy"]))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["bench"]:           # the suite has its own options
        from .bench import main as bench_main
        return bench_main(argv[1:])
    if argv[:1] == ["run"]:             # everything after the script belongs to the script
        from .run import main as run_main
        return run_main(argv[1:])
    args = _parser().parse_args(argv)
    try:
        if args.command == "rl":
            from .rl.command import run as rl_run
            rl_run(args)
        else:
            {"train": train, "doctor": doctor}[args.command](args)
    except (FileNotFoundError, GradwiseError, ValueError, RuntimeError) as e:
        print(f"gradwise {args.command}: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
