"""The training programs of the public pytorch/examples repository, on gradwise and on PyTorch.

    python bench/pytorch_examples.py PATH/TO/pytorch-examples [--steps 30] [--only mnist,vae]
                                     [--torch-python PATH] [--data ../shared/data] [--markdown out.md]

Each program runs unmodified, in its own fresh process per framework, from a scratch copy of its
folder (so nothing is written into the checkout): on gradwise through `gradwise run` (the import
hook maps torch to gradwise), on PyTorch as it is. bench/examples_shim.py stops it after
``--steps`` training steps (backward calls of the loss) and reports the mean of the last five
losses and the median milliseconds per step. MNIST comes from the data folder (placed where the
programs look for it, ../data/MNIST/raw); DCGAN uses its own `--dataset fake`. Both frameworks use
2 threads. The table compares the two frameworks' losses after the same number of steps (the
initial weights differ: each framework draws its own) and their speed.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from gradwise.bench import cpu_name, worker_env  # noqa: E402

HERE = Path(__file__).resolve().parent
SHIM = HERE / "examples_shim.py"

# name: (folder, script, arguments, setup scripts run first, needs MNIST)
PROGRAMS = {
    "mnist": ("mnist", "main.py", ["--epochs", "1", "--no-accel", "--log-interval", "1000"], [], True),
    "mnist_rnn": ("mnist_rnn", "main.py", ["--epochs", "1", "--log-interval", "1000"], [], True),
    "vae": ("vae", "main.py", ["--epochs", "1", "--no-accel", "--log-interval", "1000"], [], True),
    "regression": ("regression", "main.py", [], [], False),
    "dcgan": ("dcgan", "main.py", ["--dataset", "fake", "--niter", "1", "--batchSize", "16", "--ngf", "16",
                                   "--ndf", "16", "--workers", "0", "--outf", "out"], [], False),
    "word_language_model": ("word_language_model", "main.py", ["--epochs", "1", "--log-interval", "1000"], [], False),
    "word_language_model_transformer": ("word_language_model", "main.py",
                                        ["--epochs", "1", "--model", "Transformer", "--lr", "5",
                                         "--log-interval", "1000"], [], False),
    "reinforce": ("reinforcement_learning", "reinforce.py", [], [], False),
    "actor_critic": ("reinforcement_learning", "actor_critic.py", [], [], False),
    "time_sequence_prediction": ("time_sequence_prediction", "train.py", ["--steps", "2"],
                                 ["generate_sine_wave.py"], False),
}


def place_mnist(data, scratch):
    """The IDX files where torchvision's MNIST looks for them: <root>/MNIST/raw, with root ../data."""
    raw = scratch / "data" / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    source = Path(data) / "mnist"
    if not source.is_dir():
        source = Path(data)
    for f in source.glob("*-ubyte.gz"):
        shutil.copy(f, raw / f.name)
    if not list(raw.glob("*.gz")):
        raise FileNotFoundError(f"no MNIST IDX files (*-ubyte.gz) under {data}")


def complete_wikitext(folder):
    """Some checkouts (shallow or partial clones) lack the 12 MB train.txt: stand in the validation
    split, text of the same corpus and format, and say so."""
    train = folder / "train.txt"
    if not train.is_file() and (folder / "valid.txt").is_file():
        shutil.copy(folder / "valid.txt", train)
        print("  (wikitext-2 train.txt missing in this checkout: the validation split stands in)", flush=True)


def run_program(name, examples, framework, python, steps, data, threads=2):
    folder, script, args, setup, mnist = PROGRAMS[name]
    with tempfile.TemporaryDirectory(prefix=f"gw-{name}-") as tmp:
        scratch = Path(tmp)
        work = scratch / "work" / folder
        shutil.copytree(Path(examples) / folder, work)
        if mnist:
            place_mnist(data, scratch / "work")
        if folder == "word_language_model":
            complete_wikitext(work / "data" / "wikitext-2")
        env = dict(worker_env(threads), MPLBACKEND="Agg")     # the same threads for both frameworks
        for pre in setup:                       # e.g. generate the data file, on the same framework
            done = subprocess.run([python, str(SHIM), framework, "1000000", pre], cwd=work, env=env,
                                  capture_output=True, text=True, timeout=600)
            if done.returncode != 0:
                return _failed(framework, done.stderr)
        out = subprocess.run([python, str(SHIM), framework, str(steps), script, *args], cwd=work, env=env,
                             capture_output=True, text=True, timeout=1800)
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if out.returncode != 0 or not lines:
        return _failed(framework, out.stderr)
    return json.loads(lines[-1])


def _failed(framework, stderr):
    last = (stderr.strip().splitlines() or ["(no output)"])[-1]
    return {"framework": framework, "status": f"fails: {last[:160]}", "ms_per_step": None, "loss": None, "steps": 0}


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("examples", help="path to a checkout of github.com/pytorch/examples")
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--only", default=None)
    p.add_argument("--torch-python", default=os.environ.get("GRADWISE_BENCH_TORCH_PYTHON"))
    p.add_argument("--data", default=str(HERE.parent.parent / "shared" / "data"))
    p.add_argument("--markdown", default=None)
    args = p.parse_args(argv)
    names = args.only.split(",") if args.only else list(PROGRAMS)
    unknown = [n for n in names if n not in PROGRAMS]
    if unknown:
        p.error(f"unknown program(s) {unknown}; known: {', '.join(PROGRAMS)}")
    if not (Path(args.examples) / "mnist" / "main.py").is_file():
        p.error(f"{args.examples!r} is not a pytorch/examples checkout (no mnist/main.py)")
    rows = []
    for name in names:
        g = run_program(name, args.examples, "gradwise", sys.executable, args.steps, args.data)
        t = run_program(name, args.examples, "torch", args.torch_python, args.steps, args.data) \
            if args.torch_python else None
        ratio = t["ms_per_step"] / g["ms_per_step"] if t and t["ms_per_step"] and g["ms_per_step"] else None
        rows.append((name, g, t, ratio))
        print(f"{name:32} gradwise {g['status']:>6} loss {fmt(g['loss'], '.4f')} {fmt(g['ms_per_step'], '.1f')} ms"
              + (f" | PyTorch {t['status']} loss {fmt(t['loss'], '.4f')} {fmt(t['ms_per_step'], '.1f')} ms"
                 f" | ratio {fmt(ratio, '.2f')}" if t else ""), flush=True)
    table = [f"{args.steps} training steps per program, {cpu_name()}, 2 threads per framework, each run in its "
             "own process.", "",
             "| program | gradwise | loss gradwise | loss PyTorch | ms/step gradwise | ms/step PyTorch | ratio |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, g, t, ratio in rows:
        t = t or {}
        table.append(f"| {name} | {g['status']} | {fmt(g['loss'], '.4f')} | {fmt(t.get('loss'), '.4f')} | "
                     f"{fmt(g['ms_per_step'], '.1f')} | {fmt(t.get('ms_per_step'), '.1f')} | {fmt(ratio, '.2f')} |")
    table.append("")
    table.append("ratio = PyTorch ms per step / gradwise ms per step (above 1: gradwise is faster).")
    print("\n" + "\n".join(table))
    if args.markdown:
        Path(args.markdown).write_text("\n".join(table) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
