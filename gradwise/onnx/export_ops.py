"""How each gradwise op is written in ONNX.

A converter gets the builder ``b`` and the trace record ``r`` (``r.fn`` the Function with the
attributes its forward stored, ``r.inputs`` its positional arrays, ``r.params`` its keyword
arguments, ``r.outputs`` its output arrays) and returns the ONNX names of the outputs.
"""
import math

import numpy as np


CONVERTERS = {}


def converts(*ops):
    def register(f):
        for op in ops:
            CONVERTERS[op] = f
        return f
    return register


def _out_dtype(r):
    return r.outputs[0].dtype


def _unary(onnx_op, **attrs):
    return lambda b, r: b.node(onnx_op, [b.v(r.inputs[0])], **attrs)


def _binary(onnx_op):
    def convert(b, r):
        dt = _out_dtype(r)
        return b.node(onnx_op, [b.v(r.inputs[0], dt), b.v(r.inputs[1], dt)])
    return convert


for _op, _onnx in {"Add": "Add", "Sub": "Sub", "Mul": "Mul", "Div": "Div", "Pow": "Pow", "Maximum": "Max",
                   "Minimum": "Min", "MatMul": "MatMul", "Fmod": "Mod"}.items():
    CONVERTERS[_op] = _binary(_onnx)
for _op in ("Neg", "Exp", "Log", "Sqrt", "Abs", "Sigmoid", "Tanh", "Sin", "Cos", "Tan", "Atan", "Erf"):
    CONVERTERS[_op] = _unary(_op)
CONVERTERS["ReLU"] = _unary("Relu")


@converts("Fmod")
def _fmod(b, r):
    dt = _out_dtype(r)
    return b.node("Mod", [b.v(r.inputs[0], dt), b.v(r.inputs[1], dt)], fmod=1)


@converts("Log1p")
def _log1p(b, r):
    x = b.v(r.inputs[0])
    return b.node("Log", [b.node("Add", [x, b.v(1.0, _out_dtype(r))])])


@converts("Expm1")
def _expm1(b, r):
    return b.node("Sub", [b.node("Exp", [b.v(r.inputs[0])]), b.v(1.0, _out_dtype(r))])


@converts("PiecewiseConstant")
def _piecewise(b, r):
    ops = {np.floor: "Floor", np.ceil: "Ceil", np.sign: "Sign", np.round: "Round"}
    op = ops.get(r.inputs[1])
    if op is None:
        raise _unsupported(r, "this rounding (trunc, or round with decimals)")
    return b.node(op, [b.v(r.inputs[0])])


@converts("Step")
def _step(b, r):
    x = b.v(r.inputs[0])
    ge = b.node("Not", [b.node("Less", [x, b.v(0.0, _out_dtype(r))])])
    return b.node("Cast", [ge], to=b.elem_type(_out_dtype(r)))


@converts("Clip")
def _clip(b, r):
    x, lo, hi = r.inputs
    dt = _out_dtype(r)
    return b.node("Clip", [b.v(x), "" if lo is None else b.v(lo, dt), "" if hi is None else b.v(hi, dt)])


@converts("Where")
def _where(b, r):
    cond, x, y = r.inputs
    dt = _out_dtype(r)
    return b.node("Where", [b.v(np.asarray(cond, dtype=bool) if not b.known(cond) else cond), b.v(x, dt), b.v(y, dt)])


@converts("LeakyReLU")
def _leaky(b, r):
    return b.node("LeakyRelu", [b.v(r.inputs[0])], alpha=float(r.inputs[1]))


@converts("ELU")
def _elu(b, r):
    return b.node("Elu", [b.v(r.inputs[0])], alpha=float(r.inputs[1]))


@converts("GELU")
def _gelu(b, r):
    x, approximate = b.v(r.inputs[0]), r.inputs[1]
    dt = _out_dtype(r)
    if b.opset >= 20:
        return b.node("Gelu", [x], approximate=approximate)
    if approximate == "tanh":       # 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        cube = b.node("Mul", [b.node("Mul", [x, x]), x])
        inner = b.node("Add", [x, b.node("Mul", [cube, b.v(0.044715, dt)])])
        t = b.node("Tanh", [b.node("Mul", [inner, b.v(math.sqrt(2 / math.pi), dt)])])
    else:                           # 0.5 x (1 + erf(x / sqrt(2)))
        t = b.node("Erf", [b.node("Mul", [x, b.v(1 / math.sqrt(2), dt)])])
    return b.node("Mul", [b.node("Mul", [x, b.v(0.5, dt)]), b.node("Add", [t, b.v(1.0, dt)])])


@converts("Softplus")
def _softplus(b, r):
    x, beta, threshold = b.v(r.inputs[0]), float(r.inputs[1]), float(r.inputs[2])
    dt = _out_dtype(r)
    bx = x if beta == 1 else b.node("Mul", [x, b.v(beta, dt)])
    soft = b.node("Softplus", [bx])
    soft = soft if beta == 1 else b.node("Div", [soft, b.v(beta, dt)])
    return b.node("Where", [b.node("Greater", [bx, b.v(threshold, dt)]), x, soft])


@converts("Softmax", "LogSoftmax")
def _softmax(b, r):
    return b.node(r.op, [b.v(r.inputs[0])], axis=int(r.inputs[1]))


# ----- linear algebra, convolution, pooling, normalisation ------------------------------------
@converts("Linear")
def _linear(b, r):
    x, w, bias = r.inputs
    if np.ndim(x) == 2:
        return b.node("Gemm", [b.v(x), b.v(w)] + ([b.v(bias)] if bias is not None else []), transB=1)
    out = b.node("MatMul", [b.v(x), b.node("Transpose", [b.v(w)], perm=[1, 0])])
    return out if bias is None else b.node("Add", [out, b.v(bias)])


@converts("Einsum")
def _einsum(b, r):
    return b.node("Einsum", [b.v(a) for a in r.inputs], equation=r.params["equation"].replace(" ", ""))


@converts("Conv2d")
def _conv(b, r):
    x, w, bias, stride, pads, dilation, groups = r.inputs
    pt, pb, pl, pr = pads
    ins = [b.v(x), b.v(w)] + ([b.v(bias)] if bias is not None else [])
    return b.node("Conv", ins, kernel_shape=list(np.shape(w)[2:]), strides=list(stride), pads=[pt, pl, pb, pr],
                  dilations=list(dilation), group=int(groups))


@converts("ConvTranspose2d")
def _conv_transpose(b, r):
    x, w, bias, stride, padding, output_padding, dilation, groups = r.inputs
    ins = [b.v(x), b.v(w)] + ([b.v(bias)] if bias is not None else [])
    return b.node("ConvTranspose", ins, kernel_shape=list(np.shape(w)[2:]), strides=list(stride),
                  pads=[padding[0], padding[1], padding[0], padding[1]], output_padding=list(output_padding),
                  dilations=list(dilation), group=int(groups))


@converts("MaxPool2d")
def _max_pool(b, r):
    x, k, s, p, d = r.inputs[:5]
    return b.node("MaxPool", [b.v(x)], kernel_shape=list(k), strides=list(s), pads=[p[0], p[1], p[0], p[1]],
                  dilations=list(d))


@converts("AvgPool2d")
def _avg_pool(b, r):
    x, k, s, p, _, _, count_include_pad = r.inputs
    return b.node("AveragePool", [b.v(x)], kernel_shape=list(k), strides=list(s), pads=[p[0], p[1], p[0], p[1]],
                  count_include_pad=int(bool(count_include_pad)))


@converts("Normalize")
def _normalize(b, r):
    """Batch statistics (layer norm, or batch norm without running statistics): written out."""
    x, w, bias, axes, pshape, eps = r.inputs[:6]
    dt = _out_dtype(r)
    xv = b.v(x)
    centred = b.node("Sub", [xv, b.reduce("ReduceMean", xv, axes, True)])
    var = b.reduce("ReduceMean", b.node("Mul", [centred, centred]), axes, True)
    out = b.node("Div", [centred, b.node("Sqrt", [b.node("Add", [var, b.v(float(eps), dt)])])])
    shape = b.ints(list(pshape))
    if w is not None:
        out = b.node("Mul", [out, b.node("Reshape", [b.v(w), shape])])
    if bias is not None:
        out = b.node("Add", [out, b.node("Reshape", [b.v(bias), shape])])
    return out


@converts("Embedding")
def _embedding(b, r):
    w, idx, _ = r.inputs
    return b.node("Gather", [b.v(w), b.v(idx)], axis=0)


def _unsupported(r, what):
    from ..errors import UnsupportedError
    where = f" in layer {r.layer}" if r.layer else ""
    return UnsupportedError(f"onnx.export: the op {r.op}{where} uses {what}, which has no ONNX counterpart here")
