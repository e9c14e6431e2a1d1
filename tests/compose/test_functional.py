"""gradwise.functional against PyTorch 2.13 on the shared cases (fixtures), with float64 gradchecks."""
from pathlib import Path

import numpy as np
import pytest

import gradwise as gw
import gradwise.functional as F
from tests.compose.cases import CASES, make_inputs, make_weight
from tests.helpers import check_op

DATA = gw.load(Path(__file__).parent / "fixtures" / "functional.safetensors")
# the padding row gets no gradient by design, so finite differences disagree there
NO_GRADCHECK = {"embedding_padding_negative"}


def test_every_case_has_a_fixture():
    assert {k.split(".")[1] for k in DATA if k.startswith("out.")} == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_pytorch(name):
    fn = CASES[name][3]
    inputs = make_inputs(name)
    expected = DATA[f"out.{name}"]
    out = check_op(lambda *xs: fn(F, *xs), inputs, lambda *a: expected, atol=1e-6, rtol=1e-5,
                   grad=name not in NO_GRADCHECK)
    xs = [gw.tensor(a, requires_grad=True) for a in inputs]
    (fn(F, *xs) * gw.tensor(make_weight(name, tuple(out.shape)))).sum().backward()
    for k, x in enumerate(xs):
        g = np.zeros_like(inputs[k]) if x.grad is None else x.grad.numpy()
        np.testing.assert_allclose(g, DATA[f"grad.{name}.{k}"], atol=1e-6, rtol=1e-5, err_msg=f"gradient {k}")


def test_inplace_activation_changes_its_input_and_keeps_the_graph():
    x = gw.tensor([-1.0, 2.0, -3.0], requires_grad=True)
    h = x * 2
    y = F.relu(h, inplace=True)
    assert y is h
    np.testing.assert_array_equal(h.numpy(), [0, 4, 0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 2, 0])
    plain = gw.tensor([-1.0, 0.5])
    F.hardtanh(plain, 0.0, 0.25, inplace=True)
    np.testing.assert_array_equal(plain.numpy(), [0, 0.25])


def test_dropout_signatures():
    x = gw.ones(4, 3, 5, 5)
    y = F.dropout2d(x, 0.5, True, generator=0)
    per_channel = y.numpy().reshape(12, 25)
    assert all(len(set(row)) == 1 for row in per_channel)            # a channel is kept or dropped whole
    assert set(np.unique(per_channel)) <= {0.0, 2.0}
    assert F.dropout2d(x, 0.5, training=False) is x
    assert F.dropout(x, 0.3, False, False) is x                     # PyTorch's (input, p, training, inplace)
    with pytest.raises(ValueError, match="fraction dropped"):
        F.dropout2d(x, 1.5)
    with pytest.raises(ValueError, match="3 or 4 dimensions"):
        F.dropout2d(gw.ones(2, 3))


def test_one_hot():
    out = F.one_hot(gw.tensor([[0, 2], [1, 0]]), 4)
    assert out.dtype == np.int64 and out.shape == (2, 2, 4)
    np.testing.assert_array_equal(out.numpy()[0], [[1, 0, 0, 0], [0, 0, 1, 0]])
    assert F.one_hot(gw.tensor([3, 1])).shape == (2, 4)
    with pytest.raises(ValueError, match="outside"):
        F.one_hot(gw.tensor([5]), 3)


def test_embedding_max_norm_renormalises_the_rows_looked_up():
    w = gw.tensor(np.array([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]]), requires_grad=True)
    out = F.embedding(gw.tensor([0, 1]), w, max_norm=1.0)
    np.testing.assert_allclose(out.numpy(), [[0.6, 0.8], [0.3, 0.4]], atol=1e-6)
    np.testing.assert_allclose(w.numpy()[2], [6.0, 8.0])          # rows not looked up are untouched


def test_clear_errors():
    x = gw.ones(1, 1, 4, 4)
    with pytest.raises(ValueError, match="exactly one"):
        F.interpolate(x)
    with pytest.raises(ValueError, match="unknown mode"):
        F.interpolate(x, scale_factor=2, mode="bicubic2")
    with pytest.raises(ValueError, match="align_corners"):
        F.interpolate(x, scale_factor=2, align_corners=True)
    with pytest.raises(gw.errors.ShapeError, match="needs 3-D"):
        F.interpolate(x, size=3, mode="linear")
    with pytest.raises(gw.errors.ShapeError, match="smaller than the axis"):
        F.pad(x, (4, 0), mode="reflect")
    with pytest.raises(ValueError, match="unknown mode"):
        F.pad(x, (1, 1), mode="mirror")
    with pytest.raises(ValueError, match="even"):
        F.glu(gw.ones(2, 3))
    with pytest.raises(ValueError, match="batchmean"):
        F.kl_div(x, x, reduction="avg")
    with pytest.raises(gw.errors.ShapeError, match="equal groups"):
        F.group_norm(gw.ones(2, 6, 3), 4)
