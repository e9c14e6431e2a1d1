"""Matrix product with NumPy's rules (1-D, 2-D, batched and broadcast)."""
from ..autograd import Function
from ..backend import xp
from ..errors import ShapeError
from .util import unbroadcast


class MatMul(Function):
    def forward(self, a, b):
        a, b = xp.asarray(a), xp.asarray(b)
        if a.ndim == 0 or b.ndim == 0:
            raise ShapeError(f"matmul: both operands need at least 1 dimension; got shapes {a.shape} and {b.shape}"
                             f" (use * to multiply by a scalar)")
        k_a = a.shape[-1]
        k_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
        if k_a != k_b:
            raise ShapeError(f"matmul: cannot multiply shapes {a.shape} and {b.shape}: the inner dimensions "
                             f"{k_a} and {k_b} differ")
        self.save_for_backward(a, b)
        if b.ndim == 2 and a.ndim > 2 and a.flags.c_contiguous:
            # NOTE: one GEMM over all leading dims instead of one small GEMM per batch entry
            return (a.reshape(-1, k_a) @ b).reshape(*a.shape[:-1], b.shape[1])
        return a @ b

    def backward(self, g):
        a, b = self.saved
        na, nb = self.needs_grad
        # treat 1-D operands as matrices (row vector on the left, column on the right)
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        if a.ndim == 1 and b.ndim == 1:
            g = g.reshape(1, 1)
        elif a.ndim == 1:
            g = xp.expand_dims(g, -2)
        elif b.ndim == 1:
            g = xp.expand_dims(g, -1)
        ga = gb = None
        if na:
            if g.ndim > 2 and b2.ndim == 2:
                ga = (g.reshape(-1, g.shape[-1]) @ b2.T).reshape(*g.shape[:-1], b2.shape[0])
            else:
                ga = g @ xp.swapaxes(b2, -1, -2)
            ga = unbroadcast(ga, a2.shape).reshape(a.shape)
        if nb:
            if b2.ndim == 2 and a2.ndim > 2:
                # NOTE: the weight gradient of a batched input is one GEMM over all leading dims
                gb = a2.reshape(-1, a2.shape[-1]).T @ g.reshape(-1, g.shape[-1])
            else:
                gb = unbroadcast(xp.swapaxes(a2, -1, -2) @ g, b2.shape)
            gb = gb.reshape(b.shape)
        return ga, gb


def matmul(a, b):
    """Matrix product a @ b with NumPy's rules: 1-D, 2-D, and batched with broadcasting.

    Args:
        a: (..., n, k) or (k,)
        b: (..., k, m) or (k,)
    """
    return MatMul.apply(a, b)


class Linear(Function):
    """y = x @ W.T + b, the dense layer.

    NOTE: a primitive for speed: one node instead of three (transpose, matmul, add), and the
    weight gradient is computed as g.T @ x directly in W's (out, in) layout. As a composite it
    came out transposed, and the optimizer's update then walked two memory orders at once:
    47 of 150 ms of the W4 benchmark step (see bench/ and the commit message).
    """
    def forward(self, x, weight, bias):
        if x.shape[-1] != weight.shape[1]:
            raise ShapeError(f"linear: input of shape {x.shape} does not match weight {weight.shape}: the last "
                             f"dimension must be {weight.shape[1]}")
        x2 = x.reshape(-1, x.shape[-1])
        out = x2 @ weight.T
        if bias is not None:
            out += bias
        self.save_for_backward(x2, weight)
        self.lead = x.shape[:-1]
        return out.reshape(*self.lead, weight.shape[0])

    def backward(self, g):
        x2, weight = self.saved
        nx, nw, nb = self.needs_grad
        g2 = g.reshape(-1, weight.shape[0])
        gx = (g2 @ weight).reshape(*self.lead, weight.shape[1]) if nx else None
        gw = g2.T @ x2 if nw else None
        gb = g2.sum(axis=0) if nb else None
        return gx, gw, gb


def linear(input, weight, bias=None):
    """input @ weight.T + bias, the dense (fully connected) layer.

    Args:
        input: (..., in_features). weight: (out_features, in_features). bias: (out_features,).
    """
    return Linear.apply(input, weight, bias)
