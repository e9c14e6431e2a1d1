"""The LSTM's time loops in compiled code (``lstm_kernels.c``), for float32 on the CPU.

NOTE: why. In NumPy an LSTM step is 22 calls on (H, B) blocks in the forward and 8 in the
backward, each a pass through the cache; here each step's gate arithmetic is one loop, and the
whole time loop, the per-step matrix products included (by the BLAS NumPy itself uses, its
address from ``gradwise/blas.py``), is one call: no Python between the steps (~15 us a step).
Each step's product takes the input and the bias too (w (4H, H + I + 1) against the states
buffer's [h_{t-1}; x_t; 1]): no separate input projection, whose (4H, T, B) result was written
and read back once more, and the weight gradient is one GEMM against the same buffer. On AVX2
and AVX-512 CPUs, batches of 32 or more run as column blocks side by side on OpenBLAS's threads
(``_split``), every buffer block-major (see the C file), and each block's part of the weight
gradient is OpenBLAS's one-thread sgemm on the block's own thread, right after its loop.
Measured on an Intel Xeon, fresh
processes alternating, 5 rounds: the W3 step 10.7 -> 8.5 ms against the previous version (input
projection as a GEMM of its own, blocks side by side in every row, the weight gradient as three
products, the output copied out by NumPy).

The NumPy path in ``recurrent.py`` is the reference: same results to float32 precision
(tests/ops/test_fused.py).
"""
from types import SimpleNamespace

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


def _own(buf, per_column, lo, hi, *shape):
    """Block [lo, hi)'s part of a loop's own flat buffer (``per_column`` floats a batch column)."""
    return buf[per_column * lo:per_column * hi].reshape(*shape, hi - lo)


def forward(found, x, h0, c0, w, grad):
    """The recurrence over all steps (one at least); ``w`` (4H, H + I + 1) is [w_hh | w_ih |
    bias] in the NumPy path's internal form (gates i, f, o, g, the sigmoid gates' rows negated).
    Returns (out (T, B, H), h_n (B, H), c_n (B, H), what ``backward`` needs (the block plan and
    the loops' buffers), None without ``grad``)."""
    (jit, (gemm, ilp64)), a = found, fused.address
    steps, batch, inp = x.shape
    hid = w.shape[0] // 4
    kdim = w.shape[1]
    pool, offs = _split(jit, batch, hid)
    blocks = list(zip(offs, offs[1:]))
    states = fused.empty_aligned(x, (kdim, (steps + 1) * batch))       # [h_{t-1}; x_t; 1], block-major
    c0b = fused.empty_aligned(x, (hid * batch,))
    for lo, hi in blocks:                           # x_t and the ones: the kernel's, step by step
        states[:hid, steps * lo:steps * lo + hi - lo] = h0[lo:hi].T
        _own(c0b, hid, lo, hi, hid)[...] = c0[lo:hi].T
    kept = steps if grad else 1
    rec = fused.empty_aligned(x, (4 * hid * batch,))
    f, cs = fused.empty_aligned(x, (steps * hid * batch,)), fused.empty_aligned(x, (steps * hid * batch,))
    k = fused.empty_aligned(x, (kept * 3 * hid * batch,))
    k_g, k_c = fused.empty_aligned(x, (kept * hid * batch,)), fused.empty_aligned(x, (kept * hid * batch,))
    plan = np.asarray(offs, dtype=np.int_)
    x_strides = np.array([s // x.itemsize for s in x.strides], dtype=np.int_)
    out = xp.empty_like(x, shape=(steps, batch, hid), order="C")
    jit.lib.lstm_forward(None if pool else gemm, ilp64, pool, a(plan), len(blocks), a(w), kdim, a(x), a(x_strides),
                         a(c0b), a(states), a(rec), a(f), a(cs), a(k), a(k_g), a(k_c), a(out), steps, hid, batch,
                         int(grad))
    c_n = xp.empty_like(x, shape=(batch, hid), order="C")
    for lo, hi in blocks:
        c_n[lo:hi] = _own(cs, steps * hid, lo, hi, steps, hid)[-1].T
    run = SimpleNamespace(found=found, pool=pool, offs=offs, plan=plan, states=states, f=f, k=k, k_g=k_g, k_c=k_c,
                          steps=steps, hid=hid, inp=inp) if grad else None
    return out, out[-1].copy(), c_n, run


def backward(run, w_ih, w_hh, g_out, g_h, g_c, needs, want_norms, vanished, flush_every):
    """Backpropagation through time and the weights' gradients, from the forward's ``run``.
    Returns (dx, dh0, dc0, dw_ih, dw_hh, db_ih, db_hh, the per-step norms of dh in time order
    when ``want_norms``), None for a gradient not in ``needs``."""
    (jit, (gemm, ilp64)), a = run.found, fused.address
    steps, hid, inp, offs = run.steps, run.hid, run.inp, run.offs
    batch, blocks = offs[-1], list(zip(offs, offs[1:]))
    dh, dc = fused.empty_aligned(w_hh, (hid * batch,)), fused.empty_aligned(w_hh, (hid * batch,))
    for lo, hi in blocks:
        _own(dh, hid, lo, hi, hid)[...] = 0 if g_h is None else g_h[lo:hi].T
        _own(dc, hid, lo, hi, hid)[...] = 0 if g_c is None else g_c[lo:hi].T
    d = fused.empty_aligned(w_hh, (4 * hid, steps * batch))           # PyTorch's gate order, block-major
    w_t = xp.ascontiguousarray(w_hh.T)              # (H, 4H): the step's product dh = w_t d reads its rows
    sumsq = np.zeros((len(blocks), steps)) if want_norms else None
    if g_out is not None and g_out.dtype != np.float32:
        g_out = g_out.astype(np.float32)
    strides = None if g_out is None else np.array([s // g_out.itemsize for s in g_out.strides], dtype=np.int_)
    kdim = hid + inp + 1
    weights = needs["w_ih"] or needs["w_hh"] or needs["b_ih"] or needs["b_hh"]
    # each block's part of the weight gradient on its own thread: by the compiled product,
    # transposed (K, 4H), or by OpenBLAS held to one thread (set_threads), (4H, K) (lstm_kernels.c)
    set_threads = blas.set_threads_address() if run.pool and weights and not jit.has_gemm else None
    own = run.pool and weights and (jit.has_gemm or set_threads is not None)
    shape = (len(blocks), kdim, 4 * hid) if jit.has_gemm else (len(blocks), 4 * hid, kdim)
    parts = np.empty(shape, dtype=np.float32) if own else None
    jit.lib.lstm_backward(None if run.pool else gemm, ilp64, run.pool, a(run.plan), len(blocks), a(w_t), a(dh),
                          a(dc), a(run.k), a(run.k_g), a(run.k_c), a(run.f), a(d),
                          None if g_out is None else a(g_out), None if strides is None else a(strides),
                          None if sumsq is None else a(sumsq), vanished, flush_every, steps, hid, batch,
                          gemm, set_threads, blas.pool()[1], a(run.states), kdim, None if parts is None else a(parts))
    dx = dw_ih = dw_hh = db_ih = db_hh = None
    if weights:                                     # (4H, H + I + 1): [w_hh | w_ih | bias]
        if parts is None:
            dw = d @ run.states[:, :steps * batch].T
        else:
            dw = parts.sum(axis=0).T if jit.has_gemm else parts.sum(axis=0)
        dw_hh = dw[:, :hid].copy() if needs["w_hh"] else None
        dw_ih = dw[:, hid:hid + inp].copy() if needs["w_ih"] else None
        db_ih = dw[:, -1].copy() if needs["b_ih"] else None
        db_hh = dw[:, -1].copy() if needs["b_hh"] else None
    if needs["x"]:
        dx = xp.empty_like(w_ih, shape=(steps, batch, inp), order="C")
        for lo, hi in blocks:
            dx[:, lo:hi] = (d[:, steps * lo:steps * hi].T @ w_ih).reshape(steps, hi - lo, inp)
    dh0, dc0 = (xp.empty_like(w_hh, shape=(batch, hid), order="C") for _ in range(2))
    for lo, hi in blocks:
        dh0[lo:hi], dc0[lo:hi] = _own(dh, hid, lo, hi, hid).T, _own(dc, hid, lo, hi, hid).T
    norms = None if sumsq is None else np.sqrt(sumsq.sum(axis=0)).tolist()
    return dx, dh0, dc0, dw_ih, dw_hh, db_ih, db_hh, norms


#: the narrowest batch split among threads (each block is a multiple of 16 columns)
MIN_SPLIT_BATCH = 32


def _split(jit, batch, hid):
    """(pool, the blocks' first columns and the batch) when the loops run as batch blocks side by
    side on OpenBLAS's threads (an AVX2 or AVX-512 build of the kernels, a batch of 32 or more
    in multiples of 16, hidden size a multiple of 8), else (None, [0, batch]): one block, each
    step's product by OpenBLAS.

    NOTE: why. The recurrence of one sample never reads another's, so the blocks need no
    synchronisation between time steps, where OpenBLAS's two-thread product of each step
    synchronises twice. Each block's products are the kernel file's own (small_product: OpenBLAS
    cannot be called from its own threads)."""
    if batch % 16 or batch < MIN_SPLIT_BATCH or hid % 8 or fused.vector_floats() < 8:
        return None, [0, batch]
    pool, threads = jit.pool()
    if pool is None:
        return None, [0, batch]
    count = min(threads, batch // 16)
    return pool, [batch // 16 * i // count * 16 for i in range(count + 1)]
