"""Level-wise batching of tree networks against one node at a time (issue 14).

Workload: a TreeLSTM (embedding 64, hidden 128) over a batch of ListOps trees (the paper's
generator settings), forward + backward, float32. Two ways over the same trees and weights:
  level-wise  ``cell(x, trees)``: all nodes of one depth, in every tree, in a few large ops
  per-node    ``run_per_node(cell, x, trees)``: ``cell.node`` once per node, children first
Both are gradwise in one process (no thread-pool interference between frameworks here); the
rounds alternate and the median per step is reported, with the ratio per-node / level-wise.

    python bench/tree_batching.py [--trees 64] [--rounds 5] [--cell lstm|rnn]
"""
import argparse
import os
import statistics
import time

import numpy as np

import gradwise as gw
from gradwise import nn
from gradwise.data.datasets.listops import ListOps
from gradwise.nn.layers.tree import run_per_node
from gradwise.bench import cpu_name  # noqa: E402


def step(run, cell, x, batch):
    x = gw.tensor(x, requires_grad=True)
    out, root = run(cell, x, batch)
    (out.sum() + (root[0] if isinstance(root, tuple) else root).sum()).backward()
    cell.zero_grad()


def main(argv=None):
    p = argparse.ArgumentParser(description="TreeLSTM: level-wise batching vs one node at a time")
    p.add_argument("--trees", type=int, default=64)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--cell", choices=["lstm", "rnn"], default="lstm")
    p.add_argument("--hidden", type=int, default=128)
    args = p.parse_args(argv)
    data = ListOps(args.trees, seed=0)
    batch, _, _ = data.tree_batch(range(args.trees))
    cell = (nn.TreeLSTM if args.cell == "lstm" else nn.RecursiveCell)(64, args.hidden, generator=0)
    x = np.random.default_rng(0).standard_normal((batch.num_nodes, 64)).astype(np.float32)
    ways = {"level-wise": lambda c, x, b: c(x, b), "per-node": run_per_node}
    times = {k: [] for k in ways}
    for name, run in ways.items():        # warm-up
        step(run, cell, x, batch)
    for _ in range(args.rounds):
        for name, run in ways.items():
            t = time.perf_counter()
            step(run, cell, x, batch)
            times[name].append(time.perf_counter() - t)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"{'Tree' + args.cell.upper() if args.cell == 'lstm' else 'RecursiveCell'} 64->{args.hidden}, "
          f"{args.trees} ListOps trees, {batch.num_nodes} nodes, {len(batch.levels)} levels; "
          f"forward + backward, float32")
    print(f"CPU: {cpu_name()}, {os.cpu_count()} cores; numpy {np.__version__}; "
          f"threads OMP={os.environ.get('OMP_NUM_THREADS', 'default')}")
    for k, v in med.items():
        print(f"  {k:11s} {v * 1000:9.1f} ms per step  ({min(times[k]) * 1000:.1f} ms best)")
    print(f"  ratio per-node / level-wise: {med['per-node'] / med['level-wise']:.1f}x (median), "
          f"{min(times['per-node']) / min(times['level-wise']):.1f}x (best rounds)")
    return med


if __name__ == "__main__":
    main()
