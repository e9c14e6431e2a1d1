"""Export a model, run the file in onnxruntime and compare with gradwise on two batch sizes."""
import numpy as np
import pytest

import gradwise as gw

ort = pytest.importorskip("onnxruntime", reason="ONNX export tests need onnxruntime (pip install onnxruntime)")
pytest.importorskip("onnx", reason="ONNX export tests need onnx (pip install onnx)")


def float_input(*shape):
    return lambda n, seed: np.random.default_rng(seed).standard_normal((n,) + shape).astype(np.float32)


def int_input(high, *shape):
    return lambda n, seed: np.random.default_rng(seed).integers(0, high, (n,) + shape)


def roundtrip(model, make_input, path, batches=(2, 5), atol=1e-5, batch_axis=0, **kw):
    """Export with a dynamic batch axis and check onnxruntime's outputs against gradwise's."""
    model.eval()
    example = make_input(batches[0], 0)
    if batch_axis:
        example = np.moveaxis(example, 0, batch_axis)
    gw.onnx.export(model, gw.tensor(example), str(path), input_names=["x"],
                   dynamic_axes={"x": {batch_axis: "batch"}}, **kw)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for n in batches:
        x = make_input(n, n + 1)
        if batch_axis:
            x = np.moveaxis(x, 0, batch_axis)
        with gw.no_grad():
            expected = gw.onnx.trace.flat_tensors(model(gw.tensor(x)))
        got = session.run(None, {"x": x})
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert g.shape == e.shape, f"batch {n}: onnxruntime gave {g.shape}, gradwise {e.shape}"
            np.testing.assert_allclose(g, e.numpy(), atol=atol, rtol=atol)
    return session
