"""Each case of cases.py, run on gradwise, gives what PyTorch 2.13 gave (fixtures/torch_results.json,
written by fixtures/make_fixtures.py): values, shapes and dtypes."""
import json
import os

import numpy as np
import pytest

import gradwise
from tests.compat.cases import CASES

with open(os.path.join(os.path.dirname(__file__), "fixtures", "torch_results.json")) as f:
    EXPECTED = json.load(f)["cases"]


def normalize(v):
    if isinstance(v, gradwise.Tensor):
        a = v.numpy()
        return {"tensor": a.tolist(), "dtype": str(a.dtype), "shape": list(a.shape)}
    if isinstance(v, np.ndarray):
        return {"tensor": v.tolist(), "dtype": str(v.dtype), "shape": list(v.shape)}
    if isinstance(v, (list, tuple)):
        return [normalize(x) for x in v]
    if isinstance(v, np.generic):
        return v.item()
    return v


def same(got, want, path):
    if isinstance(want, dict):
        assert isinstance(got, dict), f"{path}: expected a tensor, got {got!r}"
        assert got["shape"] == want["shape"], f"{path}: shape {got['shape']} != PyTorch's {want['shape']}"
        assert got["dtype"] == want["dtype"], f"{path}: dtype {got['dtype']} != PyTorch's {want['dtype']}"
        np.testing.assert_allclose(np.asarray(got["tensor"], dtype=float), np.asarray(want["tensor"], dtype=float),
                                   rtol=1e-5, atol=1e-6, err_msg=path)
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), f"{path}: {got!r} != PyTorch's {want!r}"
        for i, (g, w) in enumerate(zip(got, want)):
            same(g, w, f"{path}[{i}]")
    elif isinstance(want, float):
        assert got == pytest.approx(want, rel=1e-5, abs=1e-6), f"{path}: {got!r} != PyTorch's {want!r}"
    else:
        assert got == want, f"{path}: {got!r} != PyTorch's {want!r}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_matches_pytorch(name):
    assert name in EXPECTED, f"{name} has no PyTorch result: rerun tests/compat/fixtures/make_fixtures.py"
    same(normalize(CASES[name](gradwise)), EXPECTED[name], name)
