"""check_op: the declarative test of one op (forward against a NumPy reference, dtype kept,
float64 numerical gradient check), and seeded input generators."""
import contextlib

import numpy as np

import gradwise as gw
from gradwise.autograd import AccumulateGrad


def arr(*shape, seed=0, low=-2.0, high=2.0, away=0.0):
    """Seeded float64 values in [low, high); with ``away`` > 0 none lies within ``away`` of 0
    (keeps inputs away from the kinks of relu, abs, max ...)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(low, high, size=shape)
    if away:
        x = np.where(np.abs(x) < away, np.sign(x + 1e-12) * away + x, x)
    return x


def check_op(fn, inputs, reference, atol=1e-6, rtol=1e-6, grad=True, **gradcheck_kw):
    """Check ``fn`` on tensors made from ``inputs`` (float64 ndarrays become tensors that require
    grad; anything else is passed through) against ``reference`` on the raw inputs."""
    expected = reference(*inputs)
    tensors = [gw.tensor(a.copy(), requires_grad=True) if _is_float_array(a) else a for a in inputs]
    out = fn(*tensors)
    outs = out if isinstance(out, (list, tuple)) else [out]
    exps = expected if isinstance(expected, (list, tuple)) else [expected]
    for o, e in zip(outs, exps):
        assert o.shape == np.shape(e), f"shape {o.shape} != reference {np.shape(e)}"
        np.testing.assert_allclose(o.numpy(), e, atol=atol, rtol=rtol)
    # float32 in, float32 out, and float32 gradients all the way back (no silent float64 detour)
    single = [gw.tensor(a.astype(np.float32), requires_grad=True) if _is_float_array(a) else a for a in inputs]
    with record_leaf_grad_dtypes() as dtypes:
        out32 = fn(*single)
        outs32 = out32 if isinstance(out32, (list, tuple)) else [out32]
        for o, e in zip(outs32, exps):
            assert o.dtype == np.float32, f"float32 inputs gave {o.dtype}"
            np.testing.assert_allclose(o.numpy(), e, atol=1e-4, rtol=1e-3)
        if grad:
            sum(((o * 1.0).sum() for o in outs32 if o.requires_grad), gw.tensor(0.0)).backward()
    assert all(d == np.float32 for d in dtypes), f"float32 inputs got gradients of dtypes {dtypes}"
    if grad:
        assert gw.gradcheck(fn, tensors, **gradcheck_kw)
    return out


@contextlib.contextmanager
def record_leaf_grad_dtypes():
    """Record the dtype of every gradient that reaches a leaf (before the leaf casts it)."""
    seen = []
    original = AccumulateGrad.backward

    def spy(self, grad):
        seen.append(grad.dtype)
        return original(self, grad)
    AccumulateGrad.backward = spy
    try:
        yield seen
    finally:
        AccumulateGrad.backward = original


def _is_float_array(a):
    return isinstance(a, np.ndarray) and np.issubdtype(a.dtype, np.floating)
