"""Matrix product with NumPy's rules (1-D, 2-D, batched and broadcast)."""
from ..autograd import Function
from .. import backend, blas
from ..backend import xp
from ..errors import ArgumentError, ShapeError
from . import gemm
from .util import unbroadcast


class MatMul(Function):
    def forward(self, a, b):
        a, b = backend.asarray(a, b), backend.asarray(b, a)
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
            return gemm.matmul(a.reshape(-1, k_a), b).reshape(*a.shape[:-1], b.shape[1])
        return gemm.matmul(a, b) if a.ndim == b.ndim == 2 else a @ b

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
                ga = gemm.matmul(g.reshape(-1, g.shape[-1]), b2.T).reshape(*g.shape[:-1], b2.shape[0])
            elif g.ndim == b2.ndim == 2:
                ga = gemm.matmul(g, b2.T)
            else:
                ga = g @ xp.swapaxes(b2, -1, -2)
            ga = unbroadcast(ga, a2.shape).reshape(a.shape)
        if nb:
            if b2.ndim == 2 and a2.ndim > 2:
                # NOTE: the weight gradient of a batched input is one GEMM over all leading dims
                gb = gemm.matmul(a2.reshape(-1, a2.shape[-1]).T, g.reshape(-1, g.shape[-1]))
            elif a2.ndim == g.ndim == 2:
                gb = gemm.matmul(a2.T, g)
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
        flat = x.ndim == 2        # (batch, features): no views to make (a W1 step makes six)
        x2 = x if flat else x.reshape(-1, x.shape[-1])
        fusion = gemm.FUSION
        relu = None
        if fusion.want_relu:        # a ReLU follows (nn.Sequential): the product stores it too
            fusion.want_relu = False
            out, relu = gemm.matmul(x2, weight.T, bias, relu=True)
        else:
            out = gemm.matmul(x2, weight.T, bias)
        self.save_for_backward(x2, weight)
        self.lead = None if flat else x.shape[:-1]
        if not flat:
            out = out.reshape(*self.lead, weight.shape[0])
        if relu is not None:        # out holds the ReLU (gemm.matmul: the same array)
            fusion.made = out
        return out

    def backward(self, g):
        x2, weight = self.saved
        nx, nw, nb = self.needs_grad
        g2 = g if self.lead is None else g.reshape(-1, weight.shape[0])
        gx = gemm.matmul(g2, weight) if nx else None
        if gx is not None and self.lead is not None:
            gx = gx.reshape(*self.lead, weight.shape[1])
        gw = gb = None
        column_major = weight.flags.f_contiguous and not weight.flags.c_contiguous
        # laid out like the weight, for the optimizer's update; the bias's gradient (g's column
        # sums) from the same product
        if nw and nb:
            gw, gb = gemm.matmul_and_sums(x2.T, g2) if column_major else gemm.matmul_and_sums(g2.T, x2, rows=True)
            if column_major:
                gw = gw.T
        elif nw:
            gw = gemm.matmul(x2.T, g2).T if column_major else gemm.matmul(g2.T, x2)
        if nb and gb is None:
            gb = blas.column_sums(g2)
        return gx, gw, gb


def linear(input, weight, bias=None):
    """input @ weight.T + bias, the dense (fully connected) layer.

    Args:
        input: (..., in_features). weight: (out_features, in_features). bias: (out_features,).
    """
    return Linear.apply(input, weight, bias)


def _parse_einsum(equation, ndims):
    """Subscripts per operand and of the output, with '...' spelled out as capital letters."""
    eq = equation.replace(" ", "")
    lhs, arrow, out = eq.partition("->")
    ins = lhs.split(",")
    if len(ins) != len(ndims):
        raise ShapeError(f"einsum: '{equation}' names {len(ins)} operands; got {len(ndims)}")
    spare = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]
    ell = ""
    subs = []
    for s, nd in zip(ins, ndims):
        if "..." in s:
            k = nd - (len(s) - 3)
            if len(ell) < k:
                ell = "".join(spare[:k])
            s = s.replace("...", ell[len(ell) - k:] if k else "")
        subs.append(s)
    if not arrow:       # implicit output: letters seen once, in alphabetical order
        seen = "".join(subs)
        out = ell + "".join(sorted(c for c in set(seen) if seen.count(c) == 1 and c.islower()))
    else:
        out = out.replace("...", ell)
    return subs, out


class Einsum(Function):
    def forward(self, *arrays, equation):
        self.subs, self.out = _parse_einsum(equation, [a.ndim for a in arrays])
        for s, a in zip(self.subs, arrays):
            if len(s) != a.ndim:
                raise ShapeError(f"einsum: subscripts '{s}' do not match an operand of shape {a.shape}")
        self.save_for_backward(*arrays)
        return xp.einsum(f"{','.join(self.subs)}->{self.out}", *arrays, optimize=True)

    def backward(self, g):
        arrays = self.saved
        grads = []
        for k, (s, a) in enumerate(zip(self.subs, arrays)):
            if not self.needs_grad[k]:
                grads.append(None)
                continue
            if len(set(s)) != len(s):
                raise NotImplementedError(f"einsum backward: repeated subscripts in '{s}' (a diagonal) are not "
                                          f"supported")
            others = [x for i, x in enumerate(arrays) if i != k]
            other_subs = [x for i, x in enumerate(self.subs) if i != k]
            known = set(self.out).union(*other_subs) if other_subs else set(self.out)
            target = "".join(c for c in s if c in known)
            ga = xp.einsum(f"{','.join([self.out] + other_subs)}->{target}", g, *others, optimize=True)
            if target != s:     # letters summed away inside this operand alone: broadcast back
                ga = xp.broadcast_to(ga.reshape([a.shape[i] if c in known else 1 for i, c in enumerate(s)]),
                                     a.shape)
            grads.append(ga if ga.flags.c_contiguous else ga.copy())
        return tuple(grads)


def einsum(equation, *operands):
    """Einstein summation, e.g. ``einsum("bij,bjk->bik", a, b)``; operands may be given as a list."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    return Einsum.apply(*operands, equation=equation)


class Norm2(Function):
    """The Euclidean norm; its gradient at 0 is 0 (a subgradient), not NaN, as in PyTorch."""
    def forward(self, a, axes, keepdim):
        out = xp.sqrt(xp.sum(a * a, axis=axes, keepdims=True))
        self.save_for_backward(a, out)
        self.axes = axes
        return out if keepdim else out.reshape([n for i, n in enumerate(a.shape) if i not in axes])

    def backward(self, g):
        a, out = self.saved
        safe = xp.where(out == 0, 1, out)
        return g.reshape(out.shape) * a / safe, None, None


def norm(a, p="fro", dim=None, keepdim=False):
    """The vector p-norm over ``dim`` (all entries when None): p = 2 / 'fro', 1, inf, or any p > 0."""
    from . import elementwise as E, reduce as R
    from .util import norm_axes
    axes = norm_axes(dim, xp.ndim(getattr(a, "_data", a)), "norm")
    if p in ("fro", 2, 2.0):
        return Norm2.apply(a, axes, keepdim)
    if p in (float("inf"), "inf"):
        return R.max(E.abs(a), axes, keepdim)
    if p == 1:
        return R.sum(E.abs(a), axes, keepdim)
    if not isinstance(p, (int, float)) or p <= 0:
        raise ArgumentError(f"norm: p must be 'fro', inf or a number > 0; got {p!r}")
    return E.pow(R.sum(E.pow(E.abs(a), p), axes, keepdim), 1.0 / p)
