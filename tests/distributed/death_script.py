"""Run by test_failures.py under mpiexec -n 2: rank 1 fails at step 3 of a DDP loop, either by
raising (``raise``) or by hanging outside any collective (``hang``); rank 0 must not wait forever."""
import sys
import time

import gradwise as gw
import gradwise.distributed as dist
import gradwise.functional as F
from gradwise import nn, optim

dist.init_process_group("mpi")
gw.manual_seed(0)
model = nn.parallel.DistributedDataParallel(nn.Linear(4, 2))
opt = optim.SGD(model.parameters(), lr=0.1)
for step in range(1000):
    if dist.get_rank() == 1 and step == 3:
        if sys.argv[1] == "raise":
            raise ValueError("rank 1 ran into bad data at step 3")
        time.sleep(3600)
    loss = F.mse_loss(model(gw.randn(8, 4)), gw.zeros(8, 2))
    opt.zero_grad()
    loss.backward()
    opt.step()
print("finished", dist.get_rank())
