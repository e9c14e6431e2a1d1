"""Run under mpiexec -n 2 by test_collectives.py: every collective, checked on every rank."""
import numpy as np

import gradwise as gw
import gradwise.distributed as dist

dist.init_process_group("mpi")
r, n = dist.get_rank(), dist.get_world_size()
assert dist.is_initialized() and n == 2
t = gw.tensor([1.0, 2.0]) * (r + 1)
dist.all_reduce(t)
assert np.allclose(t.numpy(), [3.0, 6.0]), t
t = gw.tensor([1.0, 2.0]) * (r + 1)
dist.all_reduce(t, op=dist.ReduceOp.AVG)
assert np.allclose(t.numpy(), [1.5, 3.0]), t
t = gw.tensor([float(r), -float(r)])
dist.all_reduce(t, op=dist.ReduceOp.MAX)
assert np.allclose(t.numpy(), [1.0, 0.0]), t
t = gw.tensor([[5.0, 6.0]]) if r == 0 else gw.zeros(1, 2)
dist.broadcast(t, src=0)
assert np.allclose(t.numpy(), [[5.0, 6.0]]), t
parts = [gw.zeros(3) for _ in range(n)]
dist.all_gather(parts, gw.full((3,), float(r)))
assert [p.tolist() for p in parts] == [[0.0] * 3, [1.0] * 3]
from gradwise.distributed.collectives import gather_rows
rows = gather_rows(np.full((r + 1, 2), r, np.int64))           # ragged: 1 row, then 2
assert rows.tolist() == [[0, 0], [1, 1], [1, 1]], rows
dist.barrier()
print(f"rank {r} ok")
