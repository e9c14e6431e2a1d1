"""bench/scaling_model.py: the ring all-reduce cost and the efficiency table it prints."""
import importlib.util
from pathlib import Path

import pytest

spec = importlib.util.spec_from_file_location("scaling_model", Path(__file__).parents[2] / "bench" / "scaling_model.py")
model = importlib.util.module_from_spec(spec)
spec.loader.exec_module(model)


def test_ring_cost_and_local_figures():
    assert model.ring(1e6, 2, 1e9, 1e-5) == pytest.approx(1e-3 + 2e-5)
    assert model.ring(1e6, 64, 1e9, 0) == pytest.approx(2 * 63 / 64 * 1e-3)
    latency, bandwidth = model.local_figures({"8": 2e-5, "1000008": 1e-3 + 2e-5})
    assert latency == pytest.approx(1e-5) and bandwidth == pytest.approx(1.000008e9)


def test_table_efficiency_falls_with_nodes_and_rises_with_bandwidth():
    result = {"allreduce_s": {"8": 2e-5, "33554432": 0.01}, "workloads": {
        "W4": {"params": 5_824_522, "1x2": {"step_s": 0.1}}}}
    rows = [r.split("|") for r in model.table(result, latency_us=5, node_gbytes=10).splitlines() if r.startswith("| W4")]
    eff = {(r[4].strip(), int(r[5])): float(r[8].strip(" %")) for r in rows}
    assert eff[("10 Gbit/s", 8)] > eff[("10 Gbit/s", 64)]
    assert eff[("100 Gbit/s", 64)] > eff[("10 Gbit/s", 64)]
