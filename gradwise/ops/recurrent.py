"""One layer, one direction of an Elman RNN, LSTM or GRU over a whole sequence.

NOTE: primitives for speed: the input projection of every time step is one GEMM, the forward
loop does one small GEMM per step, and backpropagation through time is one loop inside
backward, followed by one GEMM each for the input, W_ih and W_hh gradients. Gate order and
weight layout are PyTorch's: LSTM (i, f, g, o), GRU (r, z, n).

Inputs are time-major: x (T, B, I), states (B, H), w_ih (G*H, I), w_hh (G*H, H), biases (G*H,).
"""
from ..autograd import Function, _Hooks
from ..backend import xp
from ..errors import ArgumentError


def _sigmoid_(a):
    """In-place logistic function via tanh: finite for any input, no temporary arrays."""
    a *= 0.5
    xp.tanh(a, out=a)
    a += 1
    a *= 0.5
    return a



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


class _Recurrence(Function):
    def _project(self, x, w_ih, *biases):
        t, b, i = x.shape
        xw = x.reshape(t * b, i) @ w_ih.T
        for bias in biases:
            if bias is not None:
                xw += bias
        return xw.reshape(t, b, -1)

    def _input_grads(self, dxw, dhw, x, h0, out, w_ih, w_hh, needs):
        """Gradients of x, w_ih, w_hh and the biases from the per-step gate gradients (one GEMM each)."""
        t, b, i = x.shape
        dxw2, dhw2 = dxw.reshape(t * b, -1), dhw.reshape(t * b, -1)
        dx = (dxw2 @ w_ih).reshape(t, b, i) if needs["x"] else None
        dw_ih = dxw2.T @ x.reshape(t * b, i) if needs["w_ih"] else None
        dw_hh = None
        if needs["w_hh"]:       # sum_t dhw[t]^T h[t-1], without building the shifted copy of h
            dw_hh = dhw[0].T @ h0
            if t > 1:
                dw_hh += dhw[1:].reshape((t - 1) * b, -1).T @ out[:-1].reshape((t - 1) * b, -1)
        db_ih = dxw2.sum(axis=0) if needs["b_ih"] else None
        if needs["b_hh"]:
            db_hh = db_ih.copy() if db_ih is not None and dhw is dxw else dhw2.sum(axis=0)
        else:
            db_hh = None
        return dx, dw_ih, dw_hh, db_ih, db_hh


def _needs(flags, names):
    return dict(zip(names, flags))


class LSTMSequence(_Recurrence):
    """NOTE: internally the gates are reordered to (i, f, o, g) and the sigmoid gates' weights are
    negated, so three in-place calls give all three sigmoids (1 / (1 + exp(-z)); exp is cheaper
    than tanh here, and exp overflowing to inf gives exactly 0): fewer and cheaper NumPy calls per
    time step, where the loop's cost lies. Parameters and gradients keep PyTorch's (i, f, g, o)
    layout."""
    @staticmethod
    def _internal(hid, like):
        order = xp.r_[0:2 * hid, 3 * hid:4 * hid, 2 * hid:3 * hid]
        scale = xp.ones_like(like, shape=(4 * hid,), order="C")      # like's dtype and device
        scale[:3 * hid] = -1.0
        return order, scale

    def forward(self, x, h0, c0, w_ih, w_hh, b_ih, b_hh):
        steps, hid = x.shape[0], w_hh.shape[1]
        order, scale = self._internal(hid, w_ih)
        bias = None if b_ih is None and b_hh is None else (
            (0 if b_ih is None else b_ih) + (0 if b_hh is None else b_hh))[order] * scale
        acts = self._project(x, w_ih[order] * scale[:, None], bias)      # (T, B, 4H), becomes activations
        w_hh_t = (w_hh[order] * scale[:, None]).T
        out = xp.empty_like(acts, shape=x.shape[:2] + (hid,), order="C")
        cs, tcs, tmp = xp.empty_like(out), xp.empty_like(out), xp.empty_like(h0)
        h, c_prev = h0, c0
        errstate = xp.errstate(over="ignore")
        errstate.__enter__()
        for t in range(steps):
            a = acts[t]
            a += h @ w_hh_t
            sig = a[:, :3 * hid]                # holds -z
            xp.exp(sig, out=sig)
            sig += 1.0
            xp.reciprocal(sig, out=sig)
            g = a[:, 3 * hid:]
            xp.tanh(g, out=g)
            c = cs[t]
            xp.multiply(a[:, hid:2 * hid], c_prev, out=c)
            xp.multiply(a[:, :hid], g, out=tmp)
            c += tmp
            xp.tanh(c, out=tcs[t])
            h = out[t]
            xp.multiply(a[:, 2 * hid:3 * hid], tcs[t], out=h)
            c_prev = c
        errstate.__exit__(None, None, None)
        self.save_for_backward(x, h0, c0, w_ih, w_hh, acts, cs, tcs, out)
        return out, out[-1].copy(), cs[-1].copy()

    def backward(self, grads):
        g_out, g_h, g_c = grads
        x, h0, c0, w_ih, w_hh, acts, cs, tcs, out = self.saved
        steps, hid = x.shape[0], w_hh.shape[1]
        sig, g = acts[..., :3 * hid], acts[..., 3 * hid:]
        f = sig[..., hid:2 * hid]
        # every per-gate factor for all steps at once, in place where possible; the loop keeps
        # only the recurrence. k[..., :H] * dc = d pre_i, k[..., H:2H] * dc = d pre_f,
        # k[..., 2H:] * dh = d pre_o, k_g * dc = d pre_g, dc += dh * k_c
        k = 1.0 - sig
        k *= sig
        k[..., :hid] *= g
        k[1:, :, hid:2 * hid] *= cs[:-1]
        k[0, :, hid:2 * hid] *= c0
        k[..., 2 * hid:] *= tcs
        k_g = g * g
        xp.subtract(1.0, k_g, out=k_g)
        k_g *= sig[..., :hid]
        k_c = tcs * tcs
        xp.subtract(1.0, k_c, out=k_c)
        k_c *= sig[..., 2 * hid:]
        k_i, k_f, k_o = k[..., :hid], k[..., hid:2 * hid], k[..., 2 * hid:]
        dh = xp.zeros_like(h0) if g_h is None else g_h.copy()
        dc = xp.zeros_like(c0) if g_c is None else g_c.copy()
        tmp = xp.empty_like(dc)
        dgates = xp.empty_like(acts)            # PyTorch's order: i, f, g, o
        norms = [] if _Hooks.time_steps is not None else None
        for t in range(steps - 1, -1, -1):
            if g_out is not None:
                dh += g_out[t]
            if norms is not None:
                norms.append(_norm(dh))
            xp.multiply(dh, k_c[t], out=tmp)
            dc += tmp
            d = dgates[t]
            xp.multiply(dc, k_i[t], out=d[:, :hid])
            xp.multiply(dc, k_f[t], out=d[:, hid:2 * hid])
            xp.multiply(dc, k_g[t], out=d[:, 2 * hid:3 * hid])
            xp.multiply(dh, k_o[t], out=d[:, 3 * hid:])
            dc *= f[t]
            dh = d @ w_hh
            _flush_vanished(t, dh, dc)
        if norms is not None:
            _Hooks.time_steps(self, norms[::-1])
        needs = _needs(self.needs_grad, ["x", "h0", "c0", "w_ih", "w_hh", "b_ih", "b_hh"])
        dx, dw_ih, dw_hh, db_ih, db_hh = self._input_grads(dgates, dgates, x, h0, out, w_ih, w_hh, needs)
        return dx, dh, dc, dw_ih, dw_hh, db_ih, db_hh


class GRUSequence(_Recurrence):
    def forward(self, x, h0, w_ih, w_hh, b_ih, b_hh):
        steps, hid = x.shape[0], w_hh.shape[1]
        xw = self._project(x, w_ih, b_ih)
        acts = xp.empty_like(xw)                          # r, z, n per step
        hn = xp.empty_like(xw, shape=x.shape[:2] + (hid,), order="C")    # W_hn h + b_hn, needed by backward
        out = xp.empty_like(hn)
        h = h0
        w_hh_t = w_hh.T
        for t in range(steps):
            hw = h @ w_hh_t
            if b_hh is not None:
                hw += b_hh
            a = acts[t]
            xp.add(xw[t, :, :2 * hid], hw[:, :2 * hid], out=a[:, :2 * hid])
            _sigmoid_(a[:, :2 * hid])
            r, z, n = a[:, :hid], a[:, hid:2 * hid], a[:, 2 * hid:]
            hn[t] = hw[:, 2 * hid:]
            xp.multiply(r, hn[t], out=n)
            n += xw[t, :, 2 * hid:]
            xp.tanh(n, out=n)
            new = out[t]
            xp.subtract(h, n, out=new)                     # h' = n + z * (h - n)
            new *= z
            new += n
            h = new
        self.save_for_backward(x, h0, w_ih, w_hh, acts, hn, out)
        return out, out[-1].copy()

    def backward(self, grads):
        g_out, g_h = grads
        x, h0, w_ih, w_hh, acts, hn, out = self.saved
        steps, hid = x.shape[0], w_hh.shape[1]
        dh = xp.zeros_like(h0) if g_h is None else g_h.copy()
        dxw, dhw = xp.empty_like(acts), xp.empty_like(acts)
        norms = [] if _Hooks.time_steps is not None else None
        for t in range(steps - 1, -1, -1):
            if g_out is not None:
                dh += g_out[t]
            if norms is not None:
                norms.append(_norm(dh))
            a = acts[t]
            r, z, n = a[:, :hid], a[:, hid:2 * hid], a[:, 2 * hid:]
            h_prev = out[t - 1] if t else h0
            dn = dh * (1 - z) * (1 - n * n)
            dr = dn * hn[t] * r * (1 - r)
            dz = dh * (h_prev - n) * z * (1 - z)
            dxw[t, :, :hid], dxw[t, :, hid:2 * hid], dxw[t, :, 2 * hid:] = dr, dz, dn
            dhw[t, :, :hid], dhw[t, :, hid:2 * hid], dhw[t, :, 2 * hid:] = dr, dz, dn * r
            dh = dh * z + dhw[t] @ w_hh
            _flush_vanished(t, dh)
        if norms is not None:
            _Hooks.time_steps(self, norms[::-1])
        needs = _needs(self.needs_grad, ["x", "h0", "w_ih", "w_hh", "b_ih", "b_hh"])
        dx, dw_ih, dw_hh, db_ih, db_hh = self._input_grads(dxw, dhw, x, h0, out, w_ih, w_hh, needs)
        return dx, dh, dw_ih, dw_hh, db_ih, db_hh


class RNNSequence(_Recurrence):
    def forward(self, x, h0, w_ih, w_hh, b_ih, b_hh, nonlinearity):
        steps = x.shape[0]
        out = self._project(x, w_ih, b_ih, b_hh)        # pre-activations, then hidden states, in place
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
        dx, dw_ih, dw_hh, db_ih, db_hh = self._input_grads(da, da, x, h0, out, w_ih, w_hh, needs)
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
