"""Collectives and DistributedDataParallel across 2 MPI ranks, and their errors without a group."""
import numpy as np
import pytest

import gradwise as gw
import gradwise.distributed as dist
from gradwise import nn

from .mpi import HERE, run


def test_every_collective_on_two_ranks():
    out = run([HERE / "collectives_script.py"]).stdout
    assert "rank 0 ok" in out and "rank 1 ok" in out


def test_ddp_with_sync_batchnorm_equals_one_process(tmp_path):
    """2 ranks at batch 8 each train as 1 process at batch 16: 20 Adam steps, float64, SyncBatchNorm;
    with plain BatchNorm (each rank normalises its own half) they do not."""
    script = HERE / "ddp_script.py"
    run([script, "single", tmp_path / "single.npz"], n=0)
    run([script, "ddp", tmp_path / "ddp.npz"])
    run([script, "ddp", tmp_path / "plain.npz", "--plain-bn"])
    single, ddp, plain = (np.load(tmp_path / f) for f in ("single.npz", "ddp.npz", "plain.npz"))
    for k in single:
        np.testing.assert_allclose(ddp[k], single[k], atol=1e-6, rtol=0, err_msg=k)
    assert max(np.abs(plain[k] - single[k]).max() for k in single) > 1e-3


def test_without_a_process_group_the_errors_say_what_to_do():
    assert not dist.is_initialized() and dist.get_rank() == 0 and dist.get_world_size() == 1
    with pytest.raises(dist.DistributedError, match="init_process_group"):
        dist.all_reduce(gw.ones(2))
    with pytest.raises(dist.DistributedError, match="init_process_group"):
        nn.parallel.DistributedDataParallel(nn.Linear(2, 2))
    with pytest.raises(dist.DistributedError, match="unknown backend"):
        dist.init_process_group("carrier-pigeon")


def test_sync_batchnorm_is_batchnorm_in_one_process():
    gw.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 5), nn.BatchNorm1d(5), nn.Conv1d(5, 2, 1), nn.BatchNorm1d(2))
    x = gw.randn(6, 4)
    ref = model[1](model[0](x))
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    assert isinstance(converted[1], nn.SyncBatchNorm) and isinstance(converted[3], nn.SyncBatchNorm)
    assert list(converted.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                                            "1.running_var", "1.num_batches_tracked", "2.weight", "2.bias",
                                            "3.weight", "3.bias", "3.running_mean", "3.running_var",
                                            "3.num_batches_tracked"]
    np.testing.assert_allclose(converted[1](converted[0](x)).numpy(), ref.numpy(), rtol=1e-6)
