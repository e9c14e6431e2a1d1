"""Predicted data-parallel efficiency on many machines, from what bench/scaling.py measured here.

    python bench/scaling_model.py [--results bench/results/scaling.json] [--compute W4=0.102,W6=0.060]
        [--latency-us 5] [--node-gbytes 10]

(--compute: seconds per step of a node instead of the measured ones, e.g. from a quieter run of
``gradwise bench``; --latency-us, --node-gbytes: a node's MPI latency and all-reduce bandwidth, GB/s, instead of
the ones measured here.)

Model (weak scaling: every node keeps the workload's batch, the global batch grows with N):
- compute per step = the measured step of 1 process x 2 threads on this 2-core machine (a node);
- gradwise all-reduces after backward, bucket by bucket, without overlapping the compute, so
  step = compute + communication, and efficiency = compute / step;
- one ring all-reduce of b bytes over N nodes costs 2(N-1)/N * b / bandwidth + 2(N-1) * latency;
- bandwidth = the link (10 or 100 Gbit/s), but no more than the all-reduce bandwidth MPI reached
  between two processes here (a node cannot move and sum data faster than it did locally);
- latency per ring step = the MPI latency measured here + the network's: assumed 10 us for
  10 Gbit/s Ethernet (TCP) and 2 us for 100 Gbit/s RDMA (InfiniBand, RoCE);
- gradients are float32, in buckets of 25 MiB (DistributedDataParallel's default); SyncBatchNorm
  adds 3 small all-reduces per batch-norm layer per step (latency only).
"""
import argparse
import json
import math
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "scaling.json"
LINKS = {10: 10e-6, 100: 2e-6}          # Gbit/s -> assumed network latency per message, s
NODES = (8, 64)
BUCKET = 25 * 2 ** 20
SYNC_BN_LAYERS = {"W6": 9}              # batch-norm layers of the ResNet workload


def ring(nbytes, n, bandwidth, latency):
    """Seconds for one ring all-reduce of ``nbytes`` over ``n`` nodes."""
    return 2 * (n - 1) / n * nbytes / bandwidth + 2 * (n - 1) * latency


def local_figures(allreduce_s):
    """(latency s, bandwidth B/s) of MPI here, from 2-rank all-reduce times: for N=2 the ring
    formula is b / bandwidth + 2 * latency."""
    times = {int(k): v for k, v in allreduce_s.items()}
    latency = times[min(times)] / 2
    big = max(times)
    return latency, big / max(times[big] - 2 * latency, 1e-12)


def table(result, compute_override=None, latency_us=None, node_gbytes=None):
    latency_here, bw_here = local_figures(result["allreduce_s"])
    if node_gbytes is not None:
        bw_here = node_gbytes * 1e9
    if latency_us is not None:
        latency_here = latency_us * 1e-6
    lines = [f"MPI of a node (2 ranks, shared memory{'' if latency_us is None else ', given'}): latency {latency_here * 1e6:.1f} us, all-reduce bandwidth "
             f"{bw_here / 1e9:.2f} GB/s", "",
             "| workload | gradient MiB | compute ms (1 node) | link | nodes | all-reduce ms | step ms | "
             "efficiency | speed-up |", "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, w in result["workloads"].items():
        nbytes = 4 * w["params"]
        compute = (compute_override or {}).get(name, w["1x2"]["step_s"])
        variants = [(name, 0)]
        if name in SYNC_BN_LAYERS:
            variants.append((f"{name} with SyncBatchNorm", SYNC_BN_LAYERS[name]))
        for label, bn_layers in variants:
            for gbit, net_latency in LINKS.items():
                bandwidth = min(gbit * 1e9 / 8, bw_here)
                latency = latency_here + net_latency
                for n in NODES:
                    buckets = math.ceil(nbytes / BUCKET)
                    comm = ring(nbytes, n, bandwidth, latency) + (buckets - 1) * 2 * (n - 1) * latency
                    comm += 3 * bn_layers * 2 * (n - 1) * latency
                    eff = compute / (compute + comm)
                    lines.append(f"| {label} | {nbytes / 2 ** 20:.1f} | {compute * 1e3:.1f} | {gbit} Gbit/s | {n} | "
                                 f"{comm * 1e3:.1f} | {(compute + comm) * 1e3:.1f} | {eff:.0%} | {n * eff:.1f}x |")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--results", default=str(RESULTS))
    p.add_argument("--compute", default=None, help="NAME=seconds,... per-node step times to use instead")
    p.add_argument("--latency-us", type=float, default=None, help="node MPI latency to use instead, in us")
    p.add_argument("--node-gbytes", type=float, default=None, help="node all-reduce bandwidth to use instead, GB/s")
    args = p.parse_args(argv)
    override = {k: float(v) for k, v in (kv.split("=") for kv in args.compute.split(","))} if args.compute else None
    path = Path(args.results)
    if not path.exists():
        raise SystemExit(f"{path} is missing: run python bench/scaling.py first (it measures the inputs)")
    result = json.loads(path.read_text())
    print(f"Inputs measured {result['date']} on {result['cpu']} ({result['machine']}).")
    print(table(result, override, args.latency_us, args.node_gbytes))


if __name__ == "__main__":
    main()
