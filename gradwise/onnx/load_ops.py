"""ONNX ops run with gradwise's ops, so gradients flow through a loaded graph.

Each entry is ``op(module, inputs, attrs) -> output or tuple of outputs``; inputs are Tensors,
or NumPy arrays for the graph's constants (shapes, axes), and '' inputs arrive as None.
"""
import numpy as np

from .. import functional as F
from .. import functions as G
from ..errors import UnsupportedError
from ..ops import conv as C
from ..ops import elementwise as E
from ..ops import shape as S
from ..tensor import Tensor

OPS = {}


def op(*names):
    def register(f):
        for n in names:
            OPS[n] = f
        return f
    return register


def attributes(node):
    from onnx import helper
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _np(v):
    return np.asarray(getattr(v, "_data", v))


def _t(v):
    return v if isinstance(v, Tensor) else Tensor(np.asarray(v))


def _ints(v):
    return [int(i) for i in _np(v).reshape(-1)]


def _s(v):
    return v.decode() if isinstance(v, bytes) else v


def _axes(ins, attrs, k=1):
    """Axes from input ``k`` (newer opsets) or the ``axes`` attribute (older ones)."""
    if len(ins) > k and ins[k] is not None:
        return _ints(ins[k])
    return list(attrs["axes"]) if "axes" in attrs else None


# ----- elementwise -------------------------------------------------------------------------
for _name, _f in {"Add": E.add, "Sub": E.sub, "Mul": E.mul, "Div": E.div, "Pow": E.pow}.items():
    OPS[_name] = (lambda f: lambda m, ins, a: f(_t(ins[0]), ins[1]))(_f)
for _name, _f in {"Neg": E.neg, "Exp": E.exp, "Log": E.log, "Sqrt": E.sqrt, "Abs": E.abs, "Relu": F.relu,
                  "Sigmoid": F.sigmoid, "Tanh": F.tanh, "Erf": G.erf, "Sin": G.sin, "Cos": G.cos, "Tan": G.tan,
                  "Atan": G.atan, "Floor": G.floor, "Ceil": G.ceil, "Sign": G.sign, "Round": G.round,
                  "Softplus": F.softplus}.items():
    OPS[_name] = (lambda f: lambda m, ins, a: f(_t(ins[0])))(_f)


@op("Max", "Min")
def _max_min(m, ins, a, which=None):
    f = E.maximum if which == "Max" else E.minimum
    out = _t(ins[0])
    for x in ins[1:]:
        out = f(out, x)
    return out


OPS["Max"] = lambda m, ins, a: _max_min(m, ins, a, "Max")
OPS["Min"] = lambda m, ins, a: _max_min(m, ins, a, "Min")
OPS["MatMul"] = lambda m, ins, a: F.matmul(_t(ins[0]), _t(ins[1]))
OPS["Identity"] = OPS["Dropout"] = lambda m, ins, a: ins[0]
OPS["LeakyRelu"] = lambda m, ins, a: F.leaky_relu(_t(ins[0]), a.get("alpha", 0.01))
OPS["Elu"] = lambda m, ins, a: F.elu(_t(ins[0]), a.get("alpha", 1.0))
OPS["Gelu"] = lambda m, ins, a: F.gelu(_t(ins[0]), approximate=_s(a.get("approximate", "none")))
OPS["Softmax"] = lambda m, ins, a: F.softmax(_t(ins[0]), a.get("axis", -1))
OPS["LogSoftmax"] = lambda m, ins, a: F.log_softmax(_t(ins[0]), a.get("axis", -1))
OPS["Where"] = lambda m, ins, a: E.where(_np(ins[0]).astype(bool), ins[1], ins[2])
OPS["Greater"] = lambda m, ins, a: _np(ins[0]) > _np(ins[1])
OPS["Less"] = lambda m, ins, a: _np(ins[0]) < _np(ins[1])
OPS["Equal"] = lambda m, ins, a: _np(ins[0]) == _np(ins[1])
OPS["Not"] = lambda m, ins, a: ~_np(ins[0]).astype(bool)
OPS["Mod"] = lambda m, ins, a: (G.fmod if a.get("fmod") else G.remainder)(_t(ins[0]), ins[1])


@op("Clip")
def _clip(m, ins, a):
    lo = ins[1] if len(ins) > 1 and ins[1] is not None else a.get("min")
    hi = ins[2] if len(ins) > 2 and ins[2] is not None else a.get("max")
    return F.clamp(_t(ins[0]), None if lo is None else float(_np(lo)), None if hi is None else float(_np(hi)))


@op("Cast")
def _cast(m, ins, a):
    from onnx import helper
    dtype = helper.tensor_dtype_to_np_dtype(a["to"])
    return F.cast(ins[0], dtype) if isinstance(ins[0], Tensor) else _np(ins[0]).astype(dtype)


@op("Constant")
def _constant(m, ins, a):
    from onnx import numpy_helper
    if "value" in a:
        return numpy_helper.to_array(a["value"])
    for key in ("value_float", "value_int"):
        if key in a:
            return np.asarray(a[key], np.float32 if key == "value_float" else np.int64)
    if "value_ints" in a:
        return np.asarray(a["value_ints"], np.int64)
    if "value_floats" in a:
        return np.asarray(a["value_floats"], np.float32)
    raise UnsupportedError(f"onnx.load: Constant with attributes {sorted(a)}")


@op("ConstantOfShape")
def _constant_of_shape(m, ins, a):
    from onnx import numpy_helper
    value = numpy_helper.to_array(a["value"]) if "value" in a else np.zeros(1, np.float32)
    return np.full(_ints(ins[0]), value.reshape(-1)[0], dtype=value.dtype)


# ----- layers --------------------------------------------------------------------------------
@op("Gemm")
def _gemm(m, ins, a):
    x, w = _t(ins[0]), _t(ins[1])
    c = ins[2] if len(ins) > 2 else None
    alpha, beta = a.get("alpha", 1.0), a.get("beta", 1.0)
    if a.get("transA"):
        x = x.transpose(0, 1)
    if a.get("transB") and alpha == 1 and beta == 1 and (c is None or _np(c).ndim == 1):
        return F.linear(x, w, c)
    out = F.matmul(x, w.transpose(0, 1) if a.get("transB") else w)
    out = out * alpha if alpha != 1 else out
    return out if c is None else out + (c * beta if beta != 1 else c)


def _pads(a, n):
    if _s(a.get("auto_pad", "NOTSET")) not in ("NOTSET", "VALID"):
        raise UnsupportedError(f"onnx.load: auto_pad={_s(a['auto_pad'])} is not supported; export with explicit pads")
    pads = list(a.get("pads", [0] * 2 * n))
    return pads[:n], pads[n:]


@op("Conv")
def _conv(m, ins, a):
    x, w = _t(ins[0]), _t(ins[1])
    bias = ins[2] if len(ins) > 2 else None
    one_d = x.ndim == 3
    if one_d:
        x, w = x.unsqueeze(2), w.unsqueeze(2)
    n = 2
    begin, end = _pads(a, 1 if one_d else 2)
    if one_d:
        begin, end = [0] + begin, [0] + end
    stride = ([1] if one_d else []) + list(a.get("strides", [1] * (n - one_d)))
    dilation = ([1] if one_d else []) + list(a.get("dilations", [1] * (n - one_d)))
    groups = a.get("group", 1)
    C._check_conv("conv2d", x._data, w._data, groups)
    out = C.Conv2d.apply(x, w, bias, tuple(stride), (begin[0], end[0], begin[1], end[1]), tuple(dilation), groups)
    return out.squeeze(2) if one_d else out


@op("ConvTranspose")
def _conv_transpose(m, ins, a):
    begin, end = _pads(a, 2)
    if begin != end:
        raise UnsupportedError(f"onnx.load: ConvTranspose with asymmetric pads {begin + end}")
    return F.conv_transpose2d(_t(ins[0]), _t(ins[1]), ins[2] if len(ins) > 2 else None, tuple(a.get("strides", (1, 1))),
                              tuple(begin), tuple(a.get("output_padding", (0, 0))), a.get("group", 1),
                              tuple(a.get("dilations", (1, 1))))


def _pool(a):
    begin, end = _pads(a, len(a["kernel_shape"]))
    if begin != end or a.get("ceil_mode"):
        raise UnsupportedError(f"onnx.load: pooling with asymmetric pads {begin + end} or ceil_mode")
    return tuple(a["kernel_shape"]), tuple(a.get("strides", [1] * len(begin))), tuple(begin)


@op("MaxPool")
def _max_pool(m, ins, a):
    k, s, p = _pool(a)
    x = _t(ins[0])
    if x.ndim == 3:
        return F.max_pool1d(x, k[0], s[0], p[0], a.get("dilations", [1])[0])
    return F.max_pool2d(x, k, s, p, tuple(a.get("dilations", (1, 1))))


@op("AveragePool")
def _avg_pool(m, ins, a):
    k, s, p = _pool(a)
    return F.avg_pool2d(_t(ins[0]), k, s, p, count_include_pad=bool(a.get("count_include_pad", 0)))


@op("GlobalAveragePool")
def _global_avg(m, ins, a):
    x = _t(ins[0])
    return x.mean(axis=tuple(range(2, x.ndim)), keepdims=True)


@op("BatchNormalization")
def _batch_norm(m, ins, a):
    x, scale, bias, mean, var = ins[:5]
    return F.batch_norm(_t(x), _np(mean), _np(var), scale, bias, training=False, eps=a.get("epsilon", 1e-5))


@op("LayerNormalization")
def _layer_norm(m, ins, a):
    x = _t(ins[0])
    axis = a.get("axis", -1) % x.ndim
    return F.layer_norm(x, tuple(x.shape[axis:]), ins[1], ins[2] if len(ins) > 2 else None, a.get("epsilon", 1e-5))


@op("Gather")
def _gather(m, ins, a):
    x, idx = ins
    axis = a.get("axis", 0)
    idx = _np(idx)
    if not isinstance(x, Tensor):
        return np.take(_np(x), idx, axis=axis)
    if axis == 0 and idx.ndim >= 1 and x.ndim == 2:
        return F.embedding(idx, x)
    index = (slice(None),) * (axis % x.ndim) + (idx,)
    return x[index]


OPS["GatherElements"] = lambda m, ins, a: G.gather(_t(ins[0]), a.get("axis", 0), _np(ins[1]))
OPS["ArgMax"] = lambda m, ins, a: _arg(np.argmax, ins, a)
OPS["ArgMin"] = lambda m, ins, a: _arg(np.argmin, ins, a)


def _arg(f, ins, a):
    axis = a.get("axis", 0)
    out = f(_np(ins[0]), axis=axis)
    return np.expand_dims(out, axis) if a.get("keepdims", 1) else out


# ----- shapes --------------------------------------------------------------------------------
def _shape_op(tensor_fn, array_fn):
    """An op on a Tensor (differentiable), or on a constant array (shapes, indices) in NumPy."""
    def run(m, ins, a):
        return tensor_fn(ins, a) if isinstance(ins[0], Tensor) else array_fn(_np(ins[0]), ins, a)
    return run


def _target_shape(x_shape, shape, allowzero):
    return [x_shape[i] if s == 0 and not allowzero else s for i, s in enumerate(shape)]


OPS["Reshape"] = _shape_op(lambda ins, a: ins[0].reshape(_target_shape(ins[0].shape, _ints(ins[1]), a.get("allowzero"))),
                           lambda x, ins, a: x.reshape(_target_shape(x.shape, _ints(ins[1]), a.get("allowzero"))))
OPS["Flatten"] = _shape_op(lambda ins, a: ins[0].reshape(_flat(ins[0].shape, a)),
                           lambda x, ins, a: x.reshape(_flat(x.shape, a)))
OPS["Transpose"] = _shape_op(lambda ins, a: ins[0].permute(*_perm(ins[0].ndim, a)),
                             lambda x, ins, a: x.transpose(_perm(x.ndim, a)))
OPS["Squeeze"] = _shape_op(lambda ins, a: S.squeeze(ins[0], _squeeze_axes(ins[0].shape, ins, a)),
                           lambda x, ins, a: x.squeeze(_squeeze_axes(x.shape, ins, a)))
OPS["Unsqueeze"] = _shape_op(lambda ins, a: ins[0].reshape(_unsqueezed(ins[0].shape, _axes(ins, a))),
                             lambda x, ins, a: x.reshape(_unsqueezed(x.shape, _axes(ins, a))))
OPS["Expand"] = _shape_op(lambda ins, a: S.broadcast_to(ins[0], _expanded(ins[0].shape, _ints(ins[1]))),
                          lambda x, ins, a: np.broadcast_to(x, _expanded(x.shape, _ints(ins[1]))))
OPS["Tile"] = _shape_op(lambda ins, a: ins[0].tile(*_ints(ins[1])), lambda x, ins, a: np.tile(x, _ints(ins[1])))
OPS["Shape"] = lambda m, ins, a: np.asarray(_np(ins[0]).shape[a.get("start", 0):a.get("end")], np.int64)


def _flat(shape, a):
    axis = a.get("axis", 1) % (len(shape) or 1)
    return (int(np.prod(shape[:axis])), -1)


def _perm(ndim, a):
    return list(a.get("perm", range(ndim - 1, -1, -1)))


def _squeeze_axes(shape, ins, a):
    axes = _axes(ins, a)
    return tuple(i for i, n in enumerate(shape) if n == 1) if axes is None else tuple(i % len(shape) for i in axes)


def _unsqueezed(shape, axes):
    out = list(shape)
    rank = len(shape) + len(axes)
    for ax in sorted(i % rank for i in axes):
        out.insert(ax, 1)
    return out


def _expanded(shape, target):
    return tuple(np.broadcast_shapes(tuple(shape), tuple(target)))


@op("Concat")
def _concat(m, ins, a):
    if not any(isinstance(x, Tensor) for x in ins):
        return np.concatenate([_np(x) for x in ins], axis=a["axis"])
    return G.cat([_t(x) for x in ins], dim=a["axis"])


@op("Split")
def _split(m, ins, a):
    x, axis = ins[0], a.get("axis", 0)
    sizes = _ints(ins[1]) if len(ins) > 1 and ins[1] is not None else a.get("split")
    if sizes is None:
        count = a["num_outputs"]
        n = _np(x).shape[axis]
        sizes = [-(-n // count)] * (count - 1) + [n - -(-n // count) * (count - 1)]
    bounds = np.cumsum([0] + list(sizes))
    index = (slice(None),) * (axis % _np(x).ndim)
    return tuple(x[index + (slice(int(lo), int(hi)),)] for lo, hi in zip(bounds[:-1], bounds[1:]))


@op("Slice")
def _slice(m, ins, a):
    x = ins[0]
    starts, ends = _ints(ins[1]), _ints(ins[2])
    axes = _ints(ins[3]) if len(ins) > 3 and ins[3] is not None else list(range(len(starts)))
    steps = _ints(ins[4]) if len(ins) > 4 and ins[4] is not None else [1] * len(starts)
    ndim = _np(x).ndim
    index = [slice(None)] * ndim
    for s, e, ax, st in zip(starts, ends, axes, steps):
        index[ax % ndim] = _python_slice(s, e, st, _np(x).shape[ax])
    return x[tuple(index)]


def _python_slice(start, end, step, n):
    """ONNX's slice bounds (clamped; huge values mean 'to the end') as a Python slice."""
    def clamp(v):
        v = v + n if v < 0 else v
        return min(max(v, 0), n) if step > 0 else min(max(v, -1), n - 1)
    start, end = clamp(start), clamp(end)
    if step < 0 and start < 0:
        return slice(0, 0)
    return slice(start, None if end < 0 else end, step)


@op("Pad")
def _pad(m, ins, a):
    if _s(a.get("mode", "constant")) != "constant":
        raise UnsupportedError(f"onnx.load: Pad mode {_s(a['mode'])} (only constant padding)")
    x = _t(ins[0])
    pads = _ints(ins[1]) if len(ins) > 1 else list(a["pads"])
    value = float(_np(ins[2])) if len(ins) > 2 and ins[2] is not None else 0.0
    n = x.ndim
    torch_pads = [p for ax in range(n - 1, -1, -1) for p in (pads[ax], pads[ax + n])]
    return F.pad(x, torch_pads, value=value)


@op("Trilu")
def _trilu(m, ins, a):
    k = int(_np(ins[1])) if len(ins) > 1 and ins[1] is not None else 0
    return (G.triu if a.get("upper", 1) else G.tril)(_t(ins[0]), k)


OPS["CumSum"] = lambda m, ins, a: G.cumsum(_t(ins[0]), int(_np(ins[1])))
OPS["Einsum"] = lambda m, ins, a: G.einsum(_s(a["equation"]), *[_t(x) for x in ins])


# ----- reductions ----------------------------------------------------------------------------
def _reduce(name):
    def run(m, ins, a):
        x = _t(ins[0])
        axes = _axes(ins, a)
        if axes is None or not axes:
            if axes == [] and a.get("noop_with_empty_axes"):
                return x
            axes = list(range(x.ndim))
        axes = tuple(i % x.ndim for i in axes)
        keep = bool(a.get("keepdims", 1))
        return getattr(G, name)(x, axes, keep)
    return run


for _onnx, _gw in {"ReduceSum": "sum", "ReduceMean": "mean", "ReduceMax": "amax", "ReduceMin": "amin",
                   "ReduceLogSumExp": "logsumexp"}.items():
    OPS[_onnx] = _reduce(_gw)
