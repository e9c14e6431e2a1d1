"""The ``gradwise`` command: ``gradwise train`` trains a model and keeps everything in a run folder."""
import argparse
import os
import sys
import time
from pathlib import Path

DATA_DIRS = {"mnist": "mnist", "fashion-mnist": "fashion-mnist"}


def _parser():
    p = argparse.ArgumentParser(prog="gradwise", description="gradwise: deep learning that explains its training.")
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train a model (default: a small CNN on the bundled digits, under a minute)",
                       description="Train a model and write a run folder with checkpoints, metrics.csv and "
                                   "TensorBoard logs. With no options: a small CNN on the bundled 8x8 digits.")
    t.add_argument("--model", default=None, choices=["mlp", "cnn", "lenet5", "resnet", "vgg"],
                   help="the network: mlp, cnn (small CNN), lenet5 (28x28 images only), resnet (small ResNet), vgg "
                        "(VGG-style CNN); default cnn for digits, lenet5 for MNIST and Fashion-MNIST")
    t.add_argument("--dataset", default="digits", choices=["digits", "mnist", "fashion-mnist"],
                   help="digits (bundled, offline), mnist or fashion-mnist (IDX .gz files in --data-dir)")
    t.add_argument("--data-dir", default=None,
                   help="folder with the dataset's .gz files (default: ../shared/data/<dataset> if present, "
                        "else ./data/<dataset>)")
    t.add_argument("--download", action="store_true", help="download a missing MNIST / Fashion-MNIST")
    t.add_argument("--epochs", type=int, default=None, help="passes over the training data (default 20 for digits, 5 "
                                                            "otherwise)")
    t.add_argument("--batch-size", type=int, default=64, help="samples per gradient step (default 64)")
    t.add_argument("--lr", type=float, default=None, help="learning rate (default 2e-3 for adam, 0.05 for sgd)")
    t.add_argument("--optimizer", default="adam", choices=["sgd", "adam", "adamw", "rmsprop", "adagrad"],
                   help="the optimizer (default adam)")
    t.add_argument("--seed", type=int, default=0, help="seed of the weights, the data order and the split")
    t.add_argument("--out", default="runs", help="parent folder of the run folder (default ./runs)")
    t.add_argument("--name", default=None, help="run folder name (default <dataset>-<model>-<time>)")
    t.add_argument("--resume", default=None, metavar="RUN_DIR_OR_CHECKPOINT",
                   help="continue an interrupted run from its newest checkpoint")
    t.add_argument("--quiet", action="store_true", help="no progress output")
    d = sub.add_parser("doctor", help="explain a run: print its findings and write report.html",
                       description="Print the training doctor's findings for a run folder and write a self-contained "
                                   "report.html with loss curves, gradient flow, update ratios and activation health "
                                   "(plots need matplotlib: pip install 'gradwise[plots]').")
    d.add_argument("run_dir", help="a run folder written by gradwise train (or gw.Trainer(run_dir=...))")
    sub.add_parser("bench", help="time gradwise against PyTorch on the standard workloads (gradwise bench --help)")
    sub.add_parser("run", help="run an unmodified PyTorch script on gradwise: gradwise run script.py [args]")
    return p


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
    import numpy as np

    from . import models
    from .training import CSVLogger, ModelCheckpoint, TensorBoard, Trainer
    from .training.checkpoint import latest_checkpoint
    from .training.data_parallel import join_launcher
    rank = join_launcher()          # under mpiexec -n N: N ranks train one model; rank 0 writes and prints
    if rank != 0:
        sys.stdout = open(os.devnull, "w")
    model_name = args.model or ("cnn" if args.dataset == "digits" else "lenet5")
    epochs = args.epochs or (20 if args.dataset == "digits" else 5)
    lr = args.lr or (0.05 if args.optimizer == "sgd" else 2e-3)
    train_ds, test_ds, shape = _load(args)
    if args.resume:
        resume = Path(args.resume)
        run_dir = resume if resume.is_dir() else resume.parent.parent
        resume_from = latest_checkpoint(run_dir / "checkpoints") if resume.is_dir() else resume
    else:
        name = args.name or f"{args.dataset}-{model_name}-{time.strftime('%Y%m%d-%H%M%S')}"
        run_dir, resume_from = Path(args.out) / name, None
    if rank == 0:
        run_dir.mkdir(parents=True, exist_ok=True)
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
        {"train": train, "doctor": doctor}[args.command](args)
    except (FileNotFoundError, ValueError, RuntimeError) as e:
        print(f"gradwise {args.command}: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
