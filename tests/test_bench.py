"""The benchmark suite's plumbing (never its timings: those belong in bench/, not in tests)."""
import json
import subprocess
import sys

import pytest

from gradwise import bench
from gradwise.bench import workloads


@pytest.mark.parametrize("name", workloads.all_names(scaling=False) + ["W1@32", "W3@100", "C@56"])
def test_every_workload_builds_and_steps(name):
    step, model = workloads.build("gradwise", name)
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    step()
    changed = any((before[k] != v.numpy()).any() for k, v in model.state_dict().items())
    assert changed != name.startswith(("I", "A"))   # training steps update weights; inference and A1 do not


def test_workloads_match_pytorch_parameter_counts():
    pytest.importorskip("torch", reason="needs torch==2.13.0")
    for name in workloads.all_names():
        ours = sum(p.numel() for p in workloads.build("gradwise", name)[1].parameters())
        theirs = sum(p.numel() for p in workloads.build("torch", name)[1].parameters())
        assert ours == theirs, name


def test_summary_and_markdown_table():
    rec = {"step_s": [0.004, 0.005, 0.004], "peak_mib": 100.0, "params": 535818}
    runs = {"gradwise": [dict(rec), dict(rec, step_s=[0.004])],
            "torch": [dict(rec, step_s=[0.006], peak_mib=300.0), dict(rec, step_s=[0.008], peak_mib=300.0)]}
    row = bench.summarize("W1", runs, gflops=200.0)
    assert row["ratio"] == pytest.approx(1.75) and (row["ratio_low"], row["ratio_high"]) == pytest.approx((1.5, 2.0))
    assert row["ideal_fraction"] == pytest.approx(6 * 535818 * 128 / 200e9 / 0.004)
    machine = {"cpu": "Test CPU", "vector": ["avx2"], "cores": 2, "threads": 2, "numpy": "2", "blas": "openblas",
               "matmul_gflops": 200.0}
    results = {"date": "2026-12-01", "machine": machine, "rounds": 2, "import_seconds": 0.15,
               "torch": {"version": "2.13.0", "cpu_capability": "AVX2", "threads": 2}, "workloads": {"W1": row}}
    table = bench.markdown(results)
    assert "| W1 MLP 784-512-256-10, batch 128 | 1.75 | 1.50-2.00 | 1.20 | 4.00 | 7.00 |" in table
    assert "Test CPU (avx2)" in table and "`import gradwise` 0.15 s" in table and "held to" not in table
    held = bench.markdown(dict(results, isa="avx2"))
    assert "Test CPU (avx2) with both frameworks held to AVX2 code (GRADWISE_MARCH=haswell, " in held
    state = {"fma_one": 90.0, "fma_two": 88.0, "trip_ns": 74.0, "bits": 256}
    moded = bench.markdown(dict(results, state_before=state, state_after=dict(state, trip_ns=360.0, fma_two=90.4)))
    assert "`import gradwise` 0.15 s; the two cores' round trip 74 ns before the run, 360 after, multiply-adds 88-90" \
        in moded


def test_machine_state_probe_reads_the_multiply_adds_and_the_round_trip():
    from gradwise.bench import state
    found = state.measure(1)
    if found is None:
        pytest.skip("needs a C compiler and two CPUs")
    assert found[0]["fma_one"] > 1 and found[0]["fma_two"] > 1 and found[0]["trip_ns"] > 0
    assert found[0]["bits"] in (128, 256, 512) and "round trip" in state.describe(found[0])


def test_isa_avx2_builds_the_kernels_for_haswell(monkeypatch):
    from gradwise.ops import fused
    monkeypatch.setenv("GRADWISE_MARCH", "haswell")
    assert "-march=haswell" in fused._flags() and "-march=native" not in fused._flags()
    monkeypatch.delenv("GRADWISE_MARCH")
    assert "-march=native" in fused._flags()
    assert set(bench.ISA_ENV["avx2"]) >= {"GRADWISE_MARCH", "OPENBLAS_CORETYPE", "ATEN_CPU_CAPABILITY"}


def test_worker_runs_in_its_own_process():
    rec = bench.run_worker(sys.executable, "gradwise", "I1", seconds=0.05, threads=1)
    assert rec["framework"] == "gradwise" and len(rec["step_s"]) == 5 and rec["peak_mib"] > 10
    with pytest.raises(bench.WorkerError, match="unknown framework"):
        bench.run_worker(sys.executable, "jax", "I1", seconds=0.05, threads=1)


def test_command_line(tmp_path):
    out = subprocess.run([sys.executable, "-m", "gradwise.cli", "bench", "--only", "I1", "--rounds", "1",
                          "--seconds", "0.05", "--torch-python", "/nonexistent/python", "--json",
                          str(tmp_path / "r.json"), "--history", str(tmp_path / "h.jsonl")],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 2 and "is not a Python that can import torch" in out.stderr
    env_free = subprocess.run([sys.executable, "-m", "gradwise.cli", "bench", "--only", "I1", "--rounds", "1",
                               "--seconds", "0.05", "--json", str(tmp_path / "r.json"), "--history",
                               str(tmp_path / "h.jsonl")], capture_output=True, text=True, timeout=300,
                              env={"PATH": "/usr/bin:/bin", "GRADWISE_BENCH_TORCH_PYTHON": ""})
    assert env_free.returncode == 0, env_free.stderr
    assert "I1      inference: W1 forward" in env_free.stdout
    saved = json.loads((tmp_path / "r.json").read_text())
    assert saved["workloads"]["I1"]["gradwise_ms"] > 0 and saved["machine"]["matmul_gflops"] > 0
    assert len((tmp_path / "h.jsonl").read_text().splitlines()) == 1
    bad = subprocess.run([sys.executable, "-m", "gradwise.cli", "bench", "--only", "W9"], capture_output=True,
                         text=True)
    assert bad.returncode != 0 and "unknown workload" in bad.stderr
