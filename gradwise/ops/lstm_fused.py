"""The LSTM's time loops in compiled code (``fused_kernels.c``), for float32 on the CPU.

NOTE: why. In NumPy an LSTM step is 22 calls on (H, B) blocks in the forward and 8 in the
backward, each a pass through the cache; here each step's gate arithmetic is one loop, and the
whole time loop, the per-step matrix products included (by the BLAS NumPy itself uses, its
address from ``gradwise/blas.py``), is one call: no Python between the steps (~15 us a step).
The buffers are gate-major, (G, T, B): the input projection is one GEMM, and the backward's
(G, T*B) operands are views of them, not copies. Measured on an AMD EPYC Zen 4 (in-process A/B,
alternating, minimum over 15 rounds, two runs): the op at the W3 shape forward 8.84 and 7.86 ->
6.52 and 5.97 ms, backward 11.70 and 10.18 -> 9.76 and 8.52 ms (with the step kernels called
from a Python loop, an intermediate version: 7.50 -> 6.13 and 9.43 -> 8.19 ms). On AVX-512
CPUs, batches of 32 or more run as column blocks side by side on OpenBLAS's threads (``_split``):
the forward loop at the W3 shape 6.9 -> 5.8 ms, the W3 step -16 to -20% (Intel Xeon, in-process
A/B, alternating, 12 rounds).

The NumPy path in ``recurrent.py`` is the reference: same layouts of the parameters and
gradients, same results to float32 precision (tests/ops/test_fused.py).
"""
import numpy as np

from .. import blas
from ..backend import xp
from . import fused


def kernels(*arrays):
    """(the compiled kernels, the BLAS gemm's (address, 64-bit ints?)) when the compiled loops can
    run on these float32 arrays, else None."""
    jit = fused.kernels(*arrays)
    gemm = None if jit is None else blas.gemm_address(np.float32)
    return None if gemm is None else (jit, gemm)


def project(x, w, bias):
    """w @ x[t].T + bias for every step as one GEMM: (G, T, B), gate-major."""
    t, b, i = x.shape
    out = fused.empty_aligned(x, (w.shape[0], t, b))
    if bias is None:
        xp.matmul(w, x.reshape(t * b, i).T, out=out.reshape(-1, t * b))
        return out
    xa = xp.empty_like(x, shape=(i + 1, t, b), order="C")
    xa[:i] = x.transpose(2, 0, 1)
    xa[i] = 1.0
    xp.matmul(xp.concatenate([w, bias[:, None]], axis=1), xa.reshape(i + 1, t * b), out=out.reshape(-1, t * b))
    return out


def flat(a):
    """A (T, G, B) view over a C-contiguous buffer, time-major or gate-major, for the compiled
    kernels: (the flat buffer, floats between time steps, floats between rows); None otherwise."""
    buf = a if a.flags.c_contiguous else a.transpose(1, 0, 2)
    if not buf.flags.c_contiguous:
        return None
    return buf.reshape(-1), a.strides[0] // a.itemsize, a.strides[1] // a.itemsize


def forward(found, x, h0, c0, w_x, w_h, bias, grad):
    """The recurrence over all steps; ``w_x``, ``w_h``, ``bias`` in the NumPy path's internal
    form (gates i, f, o, g, the sigmoid gates' negated). Returns (acts (T, 4H, B) view of the
    gate-major buffer, holding the forget gates; hs (H, T, B); h_prev (H, T*B): the state before
    each step, h0 first, a view of the same buffer; cs (T, H, B); k, k_g, k_c: the backward's
    factors, None without ``grad``)."""
    (jit, (gemm, ilp64)), a = found, fused.address
    steps, batch, hid = x.shape[0], x.shape[1], w_h.shape[1]
    acts = project(x, w_x, bias)                                       # (4H, T, B)
    states = fused.empty_aligned(acts, (hid, steps + 1, batch))        # h0, then the step's h
    states[:, 0] = h0.T
    cs = fused.empty_aligned(acts, (steps, hid, batch))
    rec = fused.empty_aligned(acts, (4 * hid, batch))
    k = fused.empty_aligned(acts, (steps if grad else 1, 3 * hid, batch))
    k_g, k_c = (fused.empty_aligned(acts, (steps if grad else 1, hid, batch)) for _ in range(2))
    c0t = fused.empty_aligned(acts, (hid, batch))
    c0t[...] = c0.T
    pool, threads = _split(jit, batch, hid)
    args = (a(w_h), a(c0t), a(acts), a(rec), a(cs), a(states), a(k), a(k_g), a(k_c), steps, hid, batch, int(grad))
    if pool is not None:
        jit.lib.lstm_forward_split(pool, threads, *args)
    else:
        jit.lib.lstm_forward(gemm, ilp64, *args)
    h_prev = states.reshape(hid, -1)[:, :steps * batch]
    return acts.transpose(1, 0, 2), states[:, 1:], h_prev, cs, *((k, k_g, k_c) if grad else (None, None, None))


def backward(found, w_hh, a_flat, k, k_g, k_c, dh, dc, d_flat, g_out, live, want_norms, vanished, flush_every):
    """Backpropagation through time into the gate gradients ``d_flat`` (``flat`` of a (T, 4H, B)
    view, PyTorch's gate order), updating ``dh`` and ``dc`` in place; returns the per-step norms
    of dh (time order) when ``want_norms``."""
    (jit, (gemm, ilp64)), a = found, fused.address
    steps, hid, batch = k_g.shape
    w = xp.ascontiguousarray(w_hh.T)                # (H, 4H): the step's product dh = w d reads its rows
    pool, threads = _split(jit, batch, hid)
    sumsq = np.zeros((threads, steps)) if want_norms else None
    flags = None if live is None else np.asarray(live, dtype=np.uint8)
    strides = None if g_out is None else np.array([s // g_out.itemsize for s in g_out.strides], dtype=np.int_)
    args = (a(w), a(dh), a(dc), a(k), a(k_g), a(k_c), a(a_flat[0]), a_flat[1], a_flat[2], a(d_flat[0]), d_flat[1],
            d_flat[2], None if g_out is None else a(g_out), None if strides is None else a(strides),
            None if flags is None else a(flags), None if sumsq is None else a(sumsq), vanished, flush_every, steps, hid,
            batch)
    if pool is not None:
        jit.lib.lstm_backward_split(pool, threads, *args)
    else:
        jit.lib.lstm_backward(gemm, ilp64, *args)
    return None if sumsq is None else np.sqrt(sumsq.sum(axis=0)).tolist()


#: the narrowest batch split among threads (each block is a multiple of 16 columns)
MIN_SPLIT_BATCH = 32


def _split(jit, batch, hid):
    """(pool, threads) when the loops run as batch blocks side by side on OpenBLAS's threads (an
    AVX-512 CPU, a batch of 32 or more in multiples of 16, hidden size a multiple of 8), else
    (None, 1).

    NOTE: why. The recurrence of one sample never reads another's, so the blocks need no
    synchronisation between time steps, where OpenBLAS's two-thread product of each step
    synchronises twice. Each block's products are the kernel file's own (small_product: OpenBLAS
    cannot be called from its own threads)."""
    if batch % 16 or batch < MIN_SPLIT_BATCH or hid % 8 or not fused.cpu_has("avx512f"):
        return None, 1
    pool, threads = jit.pool()
    return (pool, threads) if pool is not None else (None, 1)
