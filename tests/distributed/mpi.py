"""Helpers for tests that launch scripts under ``mpiexec -n 2`` (skipped without mpi4py)."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def mpiexec():
    """The mpiexec next to this Python (the MPICH wheel puts it there), else the one on PATH."""
    pytest.importorskip("mpi4py", reason="data-parallel tests need mpi4py and MPICH: pip install 'gradwise[mpi]'")
    local = Path(sys.executable).parent / "mpiexec"
    found = str(local) if local.exists() else shutil.which("mpiexec")
    if found is None:
        pytest.skip("no mpiexec found (pip install mpich puts one next to python)")
    return found


def run(args, n=2, timeout=120, env=None, check=True):
    """Run ``python args...`` under ``mpiexec -n n``; returns the CompletedProcess."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", **(env or {})}
    cmd = [mpiexec(), "-n", str(n), sys.executable, *map(str, args)] if n else [sys.executable, *map(str, args)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=full_env, cwd=ROOT)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc
