"""The Trainer under mpiexec -n 2: the same run as one process, rank 0 alone prints and writes,
and a run killed with SIGKILL resumes from its checkpoint to the same end."""
import numpy as np

from .mpi import HERE, run

SCRIPT = HERE / "trainer_script.py"


def _same(a, b, atol):
    for k in a:
        np.testing.assert_allclose(b[k], a[k], atol=atol, rtol=0, err_msg=k)


def test_two_ranks_train_as_one_process_and_only_rank_0_speaks(tmp_path):
    run([SCRIPT, tmp_path / "one.npz", tmp_path / "one"], n=0)
    proc = run([SCRIPT, tmp_path / "two.npz", tmp_path / "two"])
    one, two = np.load(tmp_path / "one.npz"), np.load(tmp_path / "two.npz")
    _same(one, two, atol=1e-6)          # weights, running statistics, loss, accuracy, val_loss per epoch
    assert proc.stdout.count("epoch 3/3") == 1 and proc.stdout.count("Training on 80 samples") == 1
    assert "rank 1 done" in proc.stdout and "rank 0 done" in proc.stdout
    assert len(list((tmp_path / "two" / "checkpoints").glob("*.safetensors"))) == 6


def test_a_run_killed_with_sigkill_resumes_to_the_uninterrupted_end(tmp_path):
    run([SCRIPT, tmp_path / "full.npz", tmp_path / "full"])
    killed = run([SCRIPT, tmp_path / "cut.npz", tmp_path / "cut", "--kill-rank", "1", "--kill-at", "10"],
                 check=False)
    assert killed.returncode != 0 and not (tmp_path / "cut.npz").exists()
    assert (tmp_path / "cut" / "checkpoints" / "checkpoint-e0001-s00000008.safetensors").exists()
    run([SCRIPT, tmp_path / "cut.npz", tmp_path / "cut", "--resume"])
    _same(np.load(tmp_path / "full.npz"), np.load(tmp_path / "cut.npz"), atol=0)


def test_gradwise_train_under_mpiexec_writes_one_run_folder(tmp_path):
    proc = run(["-m", "gradwise.cli", "train", "--epochs", "1", "--out", tmp_path, "--name", "two"])
    assert proc.stdout.count("test accuracy") == 1 and proc.stdout.count("epoch 1/1") == 1
    assert (tmp_path / "two" / "model.safetensors").exists() and (tmp_path / "two" / "metrics.csv").exists()


def test_pytorch_path_of_the_sampler():
    from gradwise.distributed import DistributedSampler
    from gradwise.utils.data.distributed import DistributedSampler as alias
    assert alias is DistributedSampler
