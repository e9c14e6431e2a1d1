"""Run by tests/distributed/test_ddp.py: 20 Adam steps of a float64 MLP with SyncBatchNorm, either in
one process at batch 16 (``single``) or under mpiexec with DDP at batch 16 / N per rank (``ddp``);
rank 0 writes the final state to OUT (.npz)."""
import sys

import numpy as np

import gradwise as gw
import gradwise.distributed as dist
import gradwise.functional as F
from gradwise import nn, optim

mode, out = sys.argv[1], sys.argv[2]
B, STEPS = 16, 20
rng = np.random.default_rng(0)
x_all, y_all = rng.normal(size=(64, 6)), rng.integers(0, 3, 64)

gw.manual_seed(0)
model = nn.Sequential(nn.Linear(6, 12), nn.BatchNorm1d(12), nn.ReLU(), nn.Linear(12, 3)).double()
model = nn.SyncBatchNorm.convert_sync_batchnorm(model) if "--plain-bn" not in sys.argv else model
rank, world = 0, 1
if mode == "ddp":
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    if rank == 1:               # different initial weights on rank 1: DDP must copy rank 0's
        with gw.no_grad():
            for p in model.parameters():
                p.add_(1.0)
    net = nn.parallel.DistributedDataParallel(model, bucket_cap_mb=0.0005)    # several buckets
else:
    net = model
opt = optim.Adam(net.parameters(), lr=0.01)
sampler = dist.DistributedSampler(range(64), num_replicas=world, rank=rank, shuffle=True, seed=3)
per_rank = B // world
for step in range(STEPS):
    epoch, b = divmod(step, 64 // B)
    sampler.set_epoch(epoch)
    idx = sampler.indices()[b * per_rank:(b + 1) * per_rank]
    loss = F.cross_entropy(net(gw.tensor(x_all[idx])), gw.tensor(y_all[idx]))
    opt.zero_grad()
    loss.backward()
    opt.step()
if rank == 0:
    np.savez(out, **{k: v.numpy() for k, v in model.state_dict().items()})
