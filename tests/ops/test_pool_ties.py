"""max_pool2d's gradient goes to the first maximum (row-major) of each window, with ties,
overlapping and dilated windows, padding, and the disjoint-window fast path alike."""
import numpy as np
import pytest

import gradwise as gw
import gradwise.nn.functional as F


def _reference(x, g, k, s, d, p):
    xn = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=-np.inf)
    ref = np.zeros_like(xn)
    for n, c, i, j in np.ndindex(*g.shape):
        cells = [(i * s + a * d, j * s + b * d) for a in range(k) for b in range(k)]
        first = max(cells, key=lambda rc: (xn[n, c][rc], -cells.index(rc)))     # largest, then earliest
        ref[n, c][first] += g[n, c, i, j]
    return ref[:, :, p:p + x.shape[2], p:p + x.shape[3]]


@pytest.mark.parametrize("k, s, d, p, size", [(2, 2, 1, 0, 9), (2, 2, 1, 0, 8), (3, 3, 1, 0, 9), (2, 2, 2, 0, 9),
                                              (3, 2, 1, 1, 9), (2, 3, 1, 0, 9), (3, 3, 2, 1, 9)])
def test_gradient_routes_to_the_first_maximum(k, s, d, p, size):
    """size 8 with 2x2 and 9 with 3x3 windows tile the input exactly (no element left unwritten)."""
    rng = np.random.default_rng(0)
    x = gw.tensor(rng.integers(0, 3, (2, 3, size, size)).astype(np.float64), requires_grad=True)   # many ties
    y = F.max_pool2d(x, k, s, padding=p, dilation=d)
    g = rng.standard_normal(tuple(y.shape))
    y.backward(gw.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), _reference(x.detach().numpy(), g, k, s, d, p))
