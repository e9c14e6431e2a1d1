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


def test_train_writes_a_run_folder_and_resumes(tmp_path, capsys):
    assert cli.main(["train", "--epochs", "2", "--out", str(tmp_path), "--name", "r", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "test accuracy" in out and "run folder" in out
    run = tmp_path / "r"
    assert (run / "model.safetensors").exists() and (run / "metrics.csv").exists()
    assert list((run / "checkpoints").glob("checkpoint-*.safetensors"))
    assert cli.main(["train", "--epochs", "3", "--resume", str(run), "--quiet"]) == 0
    assert len((run / "metrics.csv").read_text().strip().splitlines()) == 1 + 3     # header + epochs 1..3


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
