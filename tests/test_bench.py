"""The benchmark suite's plumbing (never its timings: those belong in bench/, not in tests)."""
import json
import subprocess
import sys

import pytest

from gradwise import bench


@pytest.mark.parametrize("name", list(bench.WORKLOADS))
def test_every_workload_builds_and_steps(name):
    step, model = bench.build("gradwise", name)
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    step()
    changed = any((before[k] != v.numpy()).any() for k, v in model.state_dict().items())
    assert changed != name.startswith("I")         # training steps update weights, inference does not


def test_workloads_match_pytorch_parameter_counts():
    torch = pytest.importorskip("torch", reason="needs torch==2.13.0")
    for name in bench.WORKLOADS:
        ours = sum(p.size for p in bench.build("gradwise", name)[1].parameters())
        theirs = sum(p.numel() for p in bench.build("torch", name)[1].parameters())
        assert ours == theirs, name
    assert torch


def test_markdown_table():
    row = {"description": bench.WORKLOADS["W1"], "gradwise_ms": 4.0, "torch_ms": 6.0, "ratio": 1.5, "min_ratio": 1.4,
           "goal": 1.0, "samples_per_s": 32000.0, "ideal_fraction": 0.4, "gradwise_peak_mib": 120.0,
           "torch_peak_mib": 400.0, "gradwise_rise_mib": 5.0, "torch_rise_mib": 20.0}
    results = {"date": "2026-11-22", "machine": "x86_64, 2 cores", "matmul_gflops": 180.0, "numpy": "2",
               "torch": "2.13", "import_seconds": 0.15, "workloads": {"W1": row}}
    table = bench.markdown(results)
    expected = ("| W1 MLP 784-512-256-10, batch 128 | 4.00 | 6.00 | 1.50 | 1.40 | 1.00 | 32,000 | 40% | 120 / 400 "
                "| 5 / 20 |")
    assert expected in table
    assert "`import gradwise` 0.15 s" in table


def test_memory_worker_reports_peak():
    row = bench.memory("gradwise", "I1")
    assert row["peak_mib"] > 10 and row["rise_mib"] >= 0


def test_command_line(tmp_path):
    out = subprocess.run([sys.executable, "-m", "gradwise.cli", "bench", "--only", "I1", "--rounds", "1", "--no-memory",
                          "--json", str(tmp_path / "r.json")], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "I1 inference: W1 forward" in out.stdout
    saved = json.loads((tmp_path / "r.json").read_text())
    assert saved["workloads"]["I1"]["gradwise_ms"] > 0 and saved["matmul_gflops"] > 0
    bad = subprocess.run([sys.executable, "-m", "gradwise.cli", "bench", "--only", "W9"], capture_output=True,
                         text=True)
    assert bad.returncode != 0 and "unknown workload" in bad.stderr
