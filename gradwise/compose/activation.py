"""Activations with PyTorch's signatures (``inplace=``, implicit softmax dim), composed of primitives."""
from ..ops import activation as A
from ..ops import elementwise as E
from ..dtypes import as_dtype
from ..ops.shape import cast, split


def apply_inplace(input, fn, inplace):
    """``fn(input)``; with ``inplace`` the result is written into ``input`` (recorded in the graph
    when ``input`` needs grad, as PyTorch's in-place activations are) and ``input`` is returned."""
    if not inplace:
        return fn(input)
    return input._inplace(lambda a, _: fn(a), None, None)


def _softmax_dim(ndim):
    # PyTorch's implicit choice when dim is omitted (it warns): 0 for 0-, 1- and 3-D input, else 1
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """e^x / sum(e^x) along ``dim``; ``dtype`` casts the input first (PyTorch's argument)."""
    if dtype is not None:
        input = cast(input, as_dtype(dtype))
    return A.softmax(input, _softmax_dim(input.ndim) if dim is None else dim)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """log(softmax(x)) along ``dim``, stable for large inputs."""
    if dtype is not None:
        input = cast(input, as_dtype(dtype))
    return A.log_softmax(input, _softmax_dim(input.ndim) if dim is None else dim)


def relu(input, inplace=False):
    """max(x, 0)."""
    return apply_inplace(input, A.relu, inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x where x > 0, else negative_slope * x."""
    return apply_inplace(input, lambda a: A.leaky_relu(a, negative_slope), inplace)


def elu(input, alpha=1.0, inplace=False):
    """x where x > 0, else alpha * (e^x - 1)."""
    return apply_inplace(input, lambda a: A.elu(a, alpha), inplace)


def selu(input, inplace=False):
    """scale * elu(x, alpha) with the self-normalising constants of Klambauer et al. (2017)."""
    alpha, scale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
    return apply_inplace(input, lambda a: E.mul(A.elu(a, alpha), scale), inplace)


def silu(input, inplace=False):
    """x * sigmoid(x) (also called swish)."""
    return apply_inplace(input, lambda a: E.mul(a, A.sigmoid(a)), inplace)


def mish(input, inplace=False):
    """x * tanh(softplus(x))."""
    return apply_inplace(input, lambda a: E.mul(a, A.tanh(A.softplus(a))), inplace)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """x clipped to [min_val, max_val]."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val must be <= max_val; got {min_val} > {max_val}")
    return apply_inplace(input, lambda a: E.clip(a, min_val, max_val), inplace)


def relu6(input, inplace=False):
    """min(max(x, 0), 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def hardsigmoid(input, inplace=False):
    """relu6(x + 3) / 6: a piecewise-linear sigmoid."""
    return apply_inplace(input, lambda a: E.div(E.clip(E.add(a, 3.0), 0.0, 6.0), 6.0), inplace)


def hardswish(input, inplace=False):
    """x * relu6(x + 3) / 6."""
    return apply_inplace(input, lambda a: E.mul(a, hardsigmoid(a)), inplace)


def logsigmoid(input):
    """log(sigmoid(x)) = -softplus(-x), finite for any x."""
    return E.neg(A.softplus(E.neg(input)))


def softsign(input):
    """x / (1 + |x|)."""
    return E.div(input, E.add(E.abs(input), 1.0))


def glu(input, dim=-1):
    """Gated linear unit: a * sigmoid(b), where a and b are the two halves of ``input`` along ``dim``."""
    n = input.shape[dim]
    if n % 2:
        raise ValueError(f"glu: the size of dim {dim} must be even to split it in halves; got {n} "
                         f"(input of shape {tuple(input.shape)})")
    a, b = split(input, n // 2, dim)
    return E.mul(a, A.sigmoid(b))
