"""One layer, one direction of an Elman RNN, LSTM or GRU over a whole sequence.

NOTE: primitives for speed: the input projection of every time step is one GEMM, the forward
loop does one small GEMM per step, and backpropagation through time is one loop inside
backward, followed by one GEMM each for the input, W_ih and W_hh gradients. Gate order and
weight layout are PyTorch's: LSTM (i, f, g, o), GRU (r, z, n). The LSTM and GRU work
feature-major inside ((T, features, batch): each gate one contiguous block per step), the Elman
RNN batch-major; the returned output is a (T, B, H) view either way.

Inputs are time-major: x (T, B, I), states (B, H), w_ih (G*H, I), w_hh (G*H, H), biases (G*H,).
"""
from ..autograd import Function, _Hooks
from ..backend import xp
from ..errors import ArgumentError
from . import lstm_fused


def _norm(a):
    """Euclidean norm of the whole array (the doctor's per-time-step gradient norms)."""
    v = a.ravel()
    return float(xp.sqrt(xp.dot(v, v)))

VANISHED = 1e-30        # a gradient through time this small is flushed to exactly 0
FLUSH_EVERY = 8         # steps between the checks (a vanishing gradient shrinks by far less than 2^26 in 8)


def _flush_vanished(t, *states):
    """Set the gradient states (dh, dc) to exactly 0 once all of them are below VANISHED.

    NOTE: a gradient through time that vanishes goes on shrinking into float32's subnormal range,
    where the CPU's arithmetic is ~100x slower: the LSTM backward of 200 steps (W3@200) took 536
    ms against 29 ms for 100 steps, and PyTorch (which keeps subnormals unless
    ``torch.set_flush_denormal(True)``) shows the same 10x jump. What is flushed is below 1e-30,
    23 orders under any gradient float32 can still add to: the results are the same to float32
    precision, and the loop over zeros runs at full speed.
    """
    if t % FLUSH_EVERY or not all(s.size and float(xp.abs(s).max()) < VANISHED for s in states):
        return
    for s in states:
        s.fill(0)


def _project(x, w_ih, *biases):
    """x @ w_ih.T + biases for every step, batch-major: (T, B, G) (the Elman RNN)."""
    t, b, i = x.shape
    xw = x.reshape(t * b, i) @ w_ih.T
    for bias in biases:
        if bias is not None:
            xw += bias
    return xw.reshape(t, b, -1)


def _needs(flags, names):
    return dict(zip(names, flags))


def _gate_major(a):
    """(T, G, B) -> (G, T*B): one copy, so that a sum over time and batch is one GEMM."""
    return a.transpose(1, 0, 2).reshape(a.shape[1], -1)


def _input_grads(d_x, d_h, x, h0, hs, w_ih, needs):
    """Gradients of x, w_ih, w_hh and the biases of a recurrence, one GEMM each.

    ``d_h`` (G, T*B) is the gradient of the recurrent pre-activations W_hh h + b_hh, ``d_x`` the
    row blocks of the input pre-activations' gradient (the LSTM and RNN: [d_h]; the GRU: its r
    and z rows, then its own n row), ``hs`` (H, T*B) the hidden states, all with columns (t, b);
    transposed views of batch-major arrays serve as well as gate-major copies."""
    t, b, i = x.shape
    x2 = x.reshape(t * b, i)
    rows = xp.cumsum([0] + [blk.shape[0] for blk in d_x]).tolist()
    dx = dw_ih = db_ih = dw_hh = db_hh = None
    if needs["x"]:
        dx = d_x[0].T @ w_ih[:rows[1]]
        for blk, lo, hi in zip(d_x[1:], rows[1:-1], rows[2:]):
            dx += blk.T @ w_ih[lo:hi]
        dx = dx.reshape(t, b, i)
    if needs["w_ih"]:
        dw_ih = d_x[0] @ x2 if len(d_x) == 1 else xp.concatenate([blk @ x2 for blk in d_x])
    ones = xp.ones_like(d_h, shape=(t * b,)) if needs["b_ih"] or needs["b_hh"] else None
    if needs["b_ih"]:       # row sums as matrix-vector products: BLAS, 3x faster than .sum(axis=1) here
        db_ih = xp.concatenate([blk @ ones for blk in d_x])
    if needs["w_hh"]:       # sum_t d_h[t] h[t-1]^T: the columns of hs shifted by one step, no copy
        dw_hh = d_h[:, :b] @ h0
        if t > 1:
            dw_hh += d_h[:, b:] @ hs[:, :-b].T
    if needs["b_hh"]:
        db_hh = db_ih.copy() if db_ih is not None and d_x[0] is d_h else d_h @ ones
    return dx, dw_ih, dw_hh, db_ih, db_hh


def _project_fm(x, w, bias):
    """w @ x[t].T + bias for every step: (T, G, B), feature-major, in one batched product. The
    bias rides in the product as one more column of w against a row of ones (a separate add
    was one more pass over the whole (T, G, B) array)."""
    if bias is None:
        return xp.matmul(w, x.transpose(0, 2, 1))
    t, b, i = x.shape
    xa = xp.empty_like(x, shape=(t, i + 1, b), order="C")
    xa[:, :i] = x.transpose(0, 2, 1)
    xa[:, i] = 1.0
    return xp.matmul(xp.concatenate([w, bias[:, None]], axis=1), xa)


def _live_steps(g_out):
    """Which time steps have a non-zero output gradient (None: none given)."""
    return None if g_out is None else g_out.reshape(g_out.shape[0], -1).any(axis=1).tolist()


class LSTMSequence(Function):
    """NOTE: feature-major inside: every per-step array is (features, batch), so each gate is one
    contiguous block and the recurrent product is W @ h, 1.5x faster here than h @ W.T on the
    (batch, features) layout (small GEMMs, Intel Xeon, OpenBLAS). The gates are reordered to
    (i, f, o, g) and the sigmoid gates' weights negated, so three in-place calls give all three
    sigmoids (1 / (1 + exp(-z)); exp overflowing to inf gives exactly 0). Parameters and
    gradients keep PyTorch's (i, f, g, o) layout.

    With a C compiler on the machine and float32 on the CPU, the time loops run compiled
    (``ops/lstm_fused.py``) on buffers of their own (kept on ``self.compiled`` for the
    backward). What is left is mostly matrix products: at the W3 shape the forward's and
    backward's per-step products take ~3.1 of the op's ~7.2 ms and the weights' gradient 2.2
    (Intel Xeon), as in PyTorch's own CPU LSTM, which is oneDNN's fused layer
    (``aten::mkldnn_rnn_layer``)."""
    @staticmethod
    def _internal(hid, like):
        order = xp.r_[0:2 * hid, 3 * hid:4 * hid, 2 * hid:3 * hid]
        scale = xp.ones_like(like, shape=(4 * hid,), order="C")      # like's dtype and device
        scale[:3 * hid] = -1.0
        return order, scale

    def forward(self, x, h0, c0, w_ih, w_hh, b_ih, b_hh):
        steps, batch, hid = x.shape[0], x.shape[1], w_hh.shape[1]
        grad = any(self.needs_grad)
        order, scale = self._internal(hid, w_ih)
        bias = None if b_ih is None and b_hh is None else \
            ((0 if b_ih is None else b_ih) + (0 if b_hh is None else b_hh))
        found = lstm_fused.kernels(w_hh) if x.dtype == h0.dtype == c0.dtype == w_hh.dtype == w_ih.dtype and steps \
            else None
        self.compiled = None
        if found is not None:           # the time loop compiled (ops/lstm_fused.py), w (4H, H + I + 1) built once
            w = xp.concatenate([w_hh, w_ih, xp.zeros_like(w_hh[:, :1]) if bias is None else bias[:, None]], axis=1)
            w = w[order]
            w[:3 * hid] *= -1.0
            out, h_n, c_n, self.compiled = lstm_fused.forward(found, x, h0, c0, w, grad)
            self.save_for_backward(w_ih, w_hh)
            return out, h_n, c_n
        bias = None if bias is None else bias[order] * scale
        w_x, w_h = w_ih[order] * scale[:, None], w_hh[order] * scale[:, None]
        acts = _project_fm(x, w_x, bias)        # (T, 4H, B), becomes activations
        hs = xp.empty_like(acts, shape=(steps, hid, batch), order="C")
        cs = xp.empty_like(hs)
        rec, tmp, tc = xp.empty_like(acts[0]), xp.empty_like(hs[0]), xp.empty_like(hs[0])
        # the backward's per-gate factors, made here step by step while the gates are in cache:
        # k[:, :H] * dc = d pre_i, k[:, H:2H] * dc = d pre_f, k[:, 2H:] * dh = d pre_o,
        # k_g * dc = d pre_g, dc += dh * k_c
        k = xp.empty_like(acts[:, :3 * hid]) if grad else None
        k_g, k_c = (xp.empty_like(hs), xp.empty_like(hs)) if grad else (None, None)
        h, c_prev = h0.T, c0.T
        errstate = xp.errstate(over="ignore")
        errstate.__enter__()
        for t in range(steps):
            a = acts[t]
            xp.matmul(w_h, h, out=rec)
            a += rec
            sig = a[:3 * hid]                   # holds -z
            xp.exp(sig, out=sig)
            sig += 1.0
            xp.reciprocal(sig, out=sig)
            g = a[3 * hid:]
            xp.tanh(g, out=g)
            c = cs[t]
            xp.multiply(a[hid:2 * hid], c_prev, out=c)
            xp.multiply(a[:hid], g, out=tmp)
            c += tmp
            xp.tanh(c, out=tc)
            h = hs[t]
            xp.multiply(a[2 * hid:3 * hid], tc, out=h)
            if grad:
                kk, kg, kc = k[t], k_g[t], k_c[t]
                xp.subtract(1.0, sig, out=kk)
                kk *= sig
                kk[:hid] *= g
                kk[hid:2 * hid] *= c_prev
                kk[2 * hid:] *= tc
                xp.multiply(g, g, out=kg)
                xp.subtract(1.0, kg, out=kg)
                kg *= a[:hid]
                xp.multiply(tc, tc, out=kc)
                xp.subtract(1.0, kc, out=kc)
                kc *= a[2 * hid:3 * hid]
            c_prev = c
        errstate.__exit__(None, None, None)
        out = hs.transpose(0, 2, 1)             # (T, B, H), a view
        self.save_for_backward(x, h0, c0, w_ih, w_hh, acts, k, k_g, k_c, out)
        return out, h.T.copy(), c.T.copy()

    def backward(self, grads):
        g_out, g_h, g_c = grads
        needs = _needs(self.needs_grad, ["x", "h0", "c0", "w_ih", "w_hh", "b_ih", "b_hh"])
        want_norms = _Hooks.time_steps is not None
        if self.compiled is not None:       # the loops in C, on the forward's buffers (ops/lstm_fused.py)
            w_ih, w_hh = self.saved
            *grads, norms = lstm_fused.backward(self.compiled, w_ih, w_hh, g_out, g_h, g_c, needs, want_norms,
                                                VANISHED, FLUSH_EVERY)
            if norms is not None:
                _Hooks.time_steps(self, norms)
            return tuple(grads)
        x, h0, c0, w_ih, w_hh, acts, k, k_g, k_c, out = self.saved
        hid = w_hh.shape[1]
        f = acts[:, hid:2 * hid]
        k_i, k_f, k_o = k[:, :hid], k[:, hid:2 * hid], k[:, 2 * hid:]
        dh = xp.zeros_like(k_g[0]) if g_h is None else g_h.T.copy()
        dc = xp.zeros_like(k_g[0]) if g_c is None else g_c.T.copy()
        steps, batch = acts.shape[0], acts.shape[2]
        dgates = xp.empty_like(dh, shape=(4 * hid, steps, batch)).transpose(1, 0, 2)   # i, f, g, o; gate-major
        live = _live_steps(g_out)
        tmp, w_t, norms = xp.empty_like(dc), w_hh.T.copy(), [] if want_norms else None
        for t in range(steps - 1, -1, -1):
            if live is not None and live[t]:
                dh += g_out[t].T
            if norms is not None:
                norms.append(_norm(dh))
            xp.multiply(dh, k_c[t], out=tmp)
            dc += tmp
            d = dgates[t]
            xp.multiply(dc, k_i[t], out=d[:hid])
            xp.multiply(dc, k_f[t], out=d[hid:2 * hid])
            xp.multiply(dc, k_g[t], out=d[2 * hid:3 * hid])
            xp.multiply(dh, k_o[t], out=d[3 * hid:])
            dc *= f[t]
            dh = w_t @ d
            _flush_vanished(t, dh, dc)
        if norms is not None:
            _Hooks.time_steps(self, norms[::-1])        # collected last step first
        d2 = _gate_major(dgates)
        dx, dw_ih, dw_hh, db_ih, db_hh = _input_grads([d2], d2, x, h0, _gate_major(out.transpose(0, 2, 1)),
                                                         w_ih, needs)
        return dx, dh.T.copy(), dc.T.copy(), dw_ih, dw_hh, db_ih, db_hh


class GRUSequence(Function):
    """NOTE: feature-major inside, like the LSTM; the r and z rows of the weights are negated so
    that exp, +1 and reciprocal give both sigmoids. When a gradient is needed, the forward also
    keeps the per-gate factors of the backward (dn = dh * k_n, dr = dn * k_r, dz = dh * k_z),
    computed step by step while r, z and n are in cache: cheaper than 11 passes over all steps
    afterwards, and the backward loop is eight NumPy calls a step."""
    def forward(self, x, h0, w_ih, w_hh, b_ih, b_hh):
        steps, batch, hid = x.shape[0], x.shape[1], w_hh.shape[1]
        grad = any(self.needs_grad)
        scale = xp.ones_like(w_ih, shape=(3 * hid,), order="C")
        scale[:2 * hid] = -1.0
        bias = None
        if b_ih is not None or b_hh is not None:        # the r and z parts of b_hh add to the input's
            bias = (xp.zeros_like(w_ih[:, 0]) if b_ih is None else b_ih) * scale
            if b_hh is not None:
                bias[:2 * hid] -= b_hh[:2 * hid]
        xw = _project_fm(x, w_ih * scale[:, None], bias)               # (T, 3H, B)
        b_hn = None if b_hh is None else b_hh[2 * hid:, None]
        w_h = w_hh * scale[:, None]
        acts = xp.empty_like(xw)                          # r, z, n per step
        hs = xp.empty_like(xw, shape=(steps, hid, batch), order="C")
        hw, hn, one_z = xp.empty_like(xw[0]), xp.empty_like(hs[0]), xp.empty_like(hs[0])
        k_n, k_r, k_z = (xp.empty_like(hs) for _ in range(3)) if grad else (None, None, None)
        h = h0.T
        errstate = xp.errstate(over="ignore")
        errstate.__enter__()
        for t in range(steps):
            xp.matmul(w_h, h, out=hw)
            a = acts[t]
            rz = a[:2 * hid]
            xp.add(xw[t, :2 * hid], hw[:2 * hid], out=rz)          # -pre-activation
            xp.exp(rz, out=rz)
            rz += 1.0
            xp.reciprocal(rz, out=rz)
            r, z, n = a[:hid], a[hid:2 * hid], a[2 * hid:]
            if b_hn is None:
                hn[...] = hw[2 * hid:]                          # W_hn h + b_hn
            else:
                xp.add(hw[2 * hid:], b_hn, out=hn)
            xp.multiply(r, hn, out=n)
            n += xw[t, 2 * hid:]
            xp.tanh(n, out=n)
            new = hs[t]
            diff = k_z[t] if grad else new                  # h - n, kept for k_z when grad
            xp.subtract(h, n, out=diff)
            xp.multiply(diff, z, out=new)                   # h' = n + z * (h - n)
            new += n
            if grad:
                xp.subtract(1.0, z, out=one_z)
                diff *= z
                diff *= one_z                               # k_z = (h - n) z (1 - z)
                kn = k_n[t]
                xp.multiply(n, n, out=kn)
                xp.subtract(1.0, kn, out=kn)
                kn *= one_z                                 # (1 - n^2)(1 - z)
                kr = k_r[t]
                xp.subtract(1.0, r, out=kr)
                kr *= r
                kr *= hn                                    # r (1 - r) (W_hn h + b_hn)
            h = new
        errstate.__exit__(None, None, None)
        out = hs.transpose(0, 2, 1)             # (T, B, H), a view
        self.save_for_backward(x, h0, w_ih, w_hh, acts, k_n, k_r, k_z, out)
        return out, h.T.copy()

    def backward(self, grads):
        g_out, g_h = grads
        x, h0, w_ih, w_hh, acts, k_n, k_r, k_z, out = self.saved
        steps, hid = acts.shape[0], w_hh.shape[1]
        hs = out.transpose(0, 2, 1)             # (T, H, B), contiguous
        r, z = acts[:, :hid], acts[:, hid:2 * hid]
        dh = xp.zeros_like(hs[0]) if g_h is None else g_h.T.copy()
        d_h = xp.empty_like(acts)               # gradient of W_hh h + b_hh: dr, dz, dn * r
        dn = xp.empty_like(hs)                  # the n row of the input's gradient
        tmp, w_t = xp.empty_like(dh), w_hh.T.copy()
        live = _live_steps(g_out)
        norms = [] if _Hooks.time_steps is not None else None
        for t in range(steps - 1, -1, -1):
            if live is not None and live[t]:
                dh += g_out[t].T
            if norms is not None:
                norms.append(_norm(dh))
            d, dn_t = d_h[t], dn[t]
            xp.multiply(dh, k_n[t], out=dn_t)
            xp.multiply(dn_t, k_r[t], out=d[:hid])
            xp.multiply(dh, k_z[t], out=d[hid:2 * hid])
            xp.multiply(dn_t, r[t], out=d[2 * hid:])
            xp.multiply(dh, z[t], out=tmp)
            dh = w_t @ d
            dh += tmp
            _flush_vanished(t, dh)
        if norms is not None:
            _Hooks.time_steps(self, norms[::-1])
        needs = _needs(self.needs_grad, ["x", "h0", "w_ih", "w_hh", "b_ih", "b_hh"])
        d2 = _gate_major(d_h)
        dx, dw_ih, dw_hh, db_ih, db_hh = _input_grads([d2[:2 * hid], _gate_major(dn)], d2, x, h0,
                                                         _gate_major(hs), w_ih, needs)
        return dx, dh.T.copy(), dw_ih, dw_hh, db_ih, db_hh


class RNNSequence(Function):
    def forward(self, x, h0, w_ih, w_hh, b_ih, b_hh, nonlinearity):
        steps = x.shape[0]
        out = _project(x, w_ih, b_ih, b_hh)             # pre-activations, then hidden states, in place
        h = h0
        w_hh_t = w_hh.T
        for t in range(steps):
            a = out[t]
            a += h @ w_hh_t
            if nonlinearity == "tanh":
                xp.tanh(a, out=a)
            else:
                xp.maximum(a, 0, out=a)
            h = a
        self.nonlinearity = nonlinearity
        self.save_for_backward(x, h0, w_ih, w_hh, out)
        return out, out[-1].copy()

    def backward(self, grads):
        g_out, g_h = grads
        x, h0, w_ih, w_hh, out = self.saved
        dh = xp.zeros_like(h0) if g_h is None else g_h.copy()
        da = xp.empty_like(out)
        norms = [] if _Hooks.time_steps is not None else None
        for t in range(x.shape[0] - 1, -1, -1):
            if g_out is not None:
                dh += g_out[t]
            if norms is not None:
                norms.append(_norm(dh))
            h = out[t]
            d = da[t]
            if self.nonlinearity == "tanh":
                xp.multiply(dh, 1 - h * h, out=d)
            else:
                xp.multiply(dh, h > 0, out=d)
            dh = d @ w_hh
            _flush_vanished(t, dh)
        if norms is not None:
            _Hooks.time_steps(self, norms[::-1])
        needs = _needs(self.needs_grad, ["x", "h0", "w_ih", "w_hh", "b_ih", "b_hh"])
        d2 = da.reshape(-1, da.shape[2]).T                  # (H, T*B) views of the batch-major arrays
        dx, dw_ih, dw_hh, db_ih, db_hh = _input_grads([d2], d2, x, h0, out.reshape(-1, out.shape[2]).T, w_ih, needs)
        return dx, dh, dw_ih, dw_hh, db_ih, db_hh, None


def lstm_sequence(x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None):
    """LSTM over a time-major sequence. Returns (output (T, B, H), h_n (B, H), c_n (B, H))."""
    return LSTMSequence.apply(x, h0, c0, w_ih, w_hh, b_ih, b_hh)


def gru_sequence(x, h0, w_ih, w_hh, b_ih=None, b_hh=None):
    """GRU over a time-major sequence. Returns (output (T, B, H), h_n (B, H))."""
    return GRUSequence.apply(x, h0, w_ih, w_hh, b_ih, b_hh)


def rnn_sequence(x, h0, w_ih, w_hh, b_ih=None, b_hh=None, nonlinearity="tanh"):
    """Elman RNN (tanh or relu) over a time-major sequence. Returns (output (T, B, H), h_n (B, H))."""
    if nonlinearity not in ("tanh", "relu"):
        raise ArgumentError(f"rnn: nonlinearity must be 'tanh' or 'relu'; got {nonlinearity!r}")
    return RNNSequence.apply(x, h0, w_ih, w_hh, b_ih, b_hh, nonlinearity)
