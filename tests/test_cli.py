import json
import subprocess
import sys

import pytest

from gradwise import cli


def test_help_explains_every_option():
    out = subprocess.run([sys.executable, "-m", "gradwise.cli", "train", "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    for option in ("--model", "--dataset", "--data-dir", "--epochs", "--batch-size", "--lr", "--optimizer", "--seed",
                   "--out", "--resume"):
        assert option in out.stdout
    top = subprocess.run([sys.executable, "-m", "gradwise.cli", "--help"], capture_output=True, text=True)
    assert "train" in top.stdout


def test_train_writes_a_run_folder_and_resumes_with_its_recorded_options(tmp_path, capsys):
    assert cli.main(["train", "--epochs", "2", "--batch-size", "128", "--seed", "3", "--lr", "0.004", "--out",
                     str(tmp_path), "--name", "r", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "test accuracy" in out and "run folder" in out
    run = tmp_path / "r"
    assert (run / "model.safetensors").exists() and (run / "metrics.csv").exists()
    assert list((run / "checkpoints").glob("checkpoint-*.safetensors"))
    assert json.loads((run / "trainer.json").read_text())["batch_size"] == 128
    assert cli.main(["train", "--epochs", "3", "--resume", str(run), "--quiet"]) == 0     # batch, seed, lr restored
    assert len((run / "metrics.csv").read_text().strip().splitlines()) == 1 + 3     # header + epochs 1..3
    options = json.loads((run / "options.json").read_text())
    assert (options["batch_size"], options["seed"], options["lr"], options["epochs"]) == (128, 3, 0.004, 3)
    capsys.readouterr()
    assert cli.main(["train", "--resume", str(run), "--batch-size", "64", "--optimizer", "sgd", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "--batch-size 64 (the run used 128), --optimizer sgd (the run used adam)" in err


@pytest.mark.parametrize("args, message", [
    (["--epochs", "0"], "--epochs must be a positive int; got 0"),
    (["--epochs", "-2"], "--epochs must be a positive int; got -2"),
    (["--epochs", "2.5"], "--epochs must be a number; got '2.5'"),
    (["--lr", "nan"], "--lr must be a finite number > 0; got nan"),
    (["--lr", "inf"], "--lr must be a finite number > 0; got inf"),
    (["--lr", "0"], "--lr must be a finite number > 0; got 0.0"),
    (["--batch-size", "0"], "--batch-size must be a positive int; got 0"),
    (["--seed", "-1"], "--seed must be an int >= 0; got -1"),
])
def test_bad_numbers_exit_2_naming_the_option_and_value(args, message, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["train", *args, "--quiet"])
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_resume_of_a_missing_folder_and_out_with_resume(tmp_path, capsys):
    assert cli.main(["train", "--resume", str(tmp_path / "nope"), "--quiet"]) == 2
    assert "no such run folder" in capsys.readouterr().err
    assert cli.main(["train", "--resume", str(tmp_path), "--name", "x", "--quiet"]) == 2
    assert "--out and --name name a new run folder" in capsys.readouterr().err


def test_lenet_on_digits_is_refused_clearly(tmp_path, capsys):
    assert cli.main(["train", "--model", "lenet5", "--out", str(tmp_path), "--quiet"]) == 2
    assert "lenet5 is built for 28x28 images" in capsys.readouterr().err


def test_missing_mnist_is_a_clear_error(tmp_path, capsys):
    assert cli.main(["train", "--dataset", "mnist", "--data-dir", str(tmp_path / "nothing"), "--quiet"]) == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("args", [["--optimizer", "nope"], ["--dataset", "cifar"]])
def test_bad_choices(args):
    with pytest.raises(SystemExit):
        cli.main(["train", *args])
