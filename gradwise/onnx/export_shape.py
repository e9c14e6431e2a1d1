"""ONNX forms of gradwise's shape, indexing and reduction ops."""
import numpy as np

from .builder import INT64_MAX, INT64_MIN
from .export_ops import _unsupported, converts


@converts("Reshape")
def _reshape(b, r):
    x, shape = r.inputs
    return b.node("Reshape", [b.v(x), b.ints(b.batch_dims(shape, np.shape(x), 0))])


@converts("BroadcastTo")
def _broadcast(b, r):
    x, shape = r.inputs
    in_shape = (1,) * (len(shape) - np.ndim(x)) + np.shape(x)
    return b.node("Expand", [b.v(x), b.ints(b.batch_dims(shape, in_shape, 1))])


@converts("Permute")
def _permute(b, r):
    return b.node("Transpose", [b.v(r.inputs[0])], perm=[int(a) for a in r.inputs[1]])


@converts("Cast")
def _cast(b, r):
    return b.node("Cast", [b.v(r.inputs[0])], to=b.elem_type(r.outputs[0].dtype))


@converts("Concatenate")
def _concat(b, r):
    axis = r.params["axis"] % r.outputs[0].ndim
    return b.node("Concat", [b.v(a) for a in r.inputs], axis=axis)


@converts("Stack")
def _stack(b, r):
    axis = b.ints([r.params["axis"] % r.outputs[0].ndim])
    return b.node("Concat", [b.node("Unsqueeze", [b.v(a), axis]) for a in r.inputs], axis=int(r.params["axis"])
                  % r.outputs[0].ndim)


@converts("Pad")
def _pad(b, r):
    x, widths, value = r.inputs
    pads = [int(lo) for lo, _ in widths] + [int(hi) for _, hi in widths]
    return b.node("Pad", [b.v(x), b.ints(pads), b.v(value, r.outputs[0].dtype)], mode="constant")


@converts("Flip")
def _flip(b, r):
    dims = r.fn.dims
    n = len(dims)
    return b.node("Slice", [b.v(r.inputs[0]), b.ints([-1] * n), b.ints([INT64_MIN] * n), b.ints(list(dims)),
                            b.ints([-1] * n)])


@converts("Repeat")
def _repeat(b, r):
    x = b.v(r.inputs[0])
    if len(r.fn.shape) != np.ndim(r.inputs[0]):
        x = b.node("Reshape", [x, b.ints(list(r.fn.shape))])
    return b.node("Tile", [x, b.ints(list(r.fn.reps))])


@converts("Triangle")
def _triangle(b, r):
    return b.node("Trilu", [b.v(r.inputs[0]), b.ints(int(r.inputs[1]))], upper=int(r.inputs[2]))


@converts("Cumsum")
def _cumsum(b, r):
    return b.node("CumSum", [b.v(r.inputs[0]), b.ints(int(r.fn.dim))])


@converts("GetItem")
def _getitem(b, r):
    x, index = r.inputs
    if isinstance(index, np.ndarray) or (isinstance(index, tuple) and any(isinstance(i, np.ndarray) for i in index)):
        return _advanced(b, r, x, index)
    items = _expand_ellipsis(index if isinstance(index, tuple) else (index,), np.ndim(x))
    starts, ends, axes, steps, squeeze, unsqueeze = [], [], [], [], [], []
    in_ax = out_ax = 0
    for it in items:
        if it is None:
            unsqueeze.append(out_ax)
            out_ax += 1
            continue
        if isinstance(it, slice):
            if it != slice(None):
                step = 1 if it.step is None else int(it.step)
                start = it.start if it.start is not None else (0 if step > 0 else INT64_MAX)
                stop = it.stop if it.stop is not None else (INT64_MAX if step > 0 else INT64_MIN)
                starts.append(int(start)), ends.append(int(stop)), axes.append(in_ax), steps.append(step)
            out_ax += 1
        else:       # an integer: a slice of one, then squeezed
            i = int(it)
            starts.append(i), ends.append(i + 1 if i != -1 else INT64_MAX), axes.append(in_ax), steps.append(1)
            squeeze.append(in_ax)
        in_ax += 1
    out = b.v(x)
    if axes:
        out = b.node("Slice", [out, b.ints(starts), b.ints(ends), b.ints(axes), b.ints(steps)])
    if squeeze:
        out = b.node("Squeeze", [out, b.ints(squeeze)])
    if unsqueeze:
        out = b.node("Unsqueeze", [out, b.ints(unsqueeze)])
    return out if out != b.v(x) else b.node("Identity", [out])


def _expand_ellipsis(items, ndim):
    used = sum(1 for i in items if i is not None and i is not Ellipsis)
    out = []
    for i in items:
        out.extend([slice(None)] * (ndim - used) if i is Ellipsis else [i])
    if Ellipsis not in items:
        out.extend([slice(None)] * (ndim - used))
    return out


def _advanced(b, r, x, index):
    """One integer array on one axis, every other index ``:``: a Gather."""
    items = _expand_ellipsis(index if isinstance(index, tuple) else (index,), np.ndim(x))
    arrays = [k for k, i in enumerate(items) if isinstance(i, np.ndarray)]
    if len(arrays) != 1 or any(i != slice(None) for k, i in enumerate(items) if k != arrays[0]):
        raise _unsupported(r, "advanced indexing beyond one integer array on one axis")
    idx = items[arrays[0]]
    if idx.dtype == bool:
        raise _unsupported(r, "a boolean mask (its output shape depends on the data)")
    return b.node("Gather", [b.v(x), b.v(idx if b.known(idx) else idx.astype(np.int64))], axis=arrays[0])


@converts("IndexSelect")
def _index_select(b, r):
    x, idx, dim = r.inputs
    return b.node("Gather", [b.v(x), b.v(idx if b.known(idx) else np.asarray(idx, np.int64))],
                  axis=int(dim) % np.ndim(x))


@converts("Gather")
def _gather(b, r):
    x, idx, dim = r.inputs
    dim = int(dim) % np.ndim(x)
    if not b.known(idx):        # max(dim) / min(dim) gather at an argmax computed outside the ops
        for arg, op in ((np.argmax, "ArgMax"), (np.argmin, "ArgMin")):
            if np.shape(idx) == np.shape(x)[:dim] + (1,) + np.shape(x)[dim + 1:] and np.array_equal(
                    idx, np.expand_dims(arg(x, axis=dim), dim)):
                return b.node("GatherElements", [b.v(x), b.node(op, [b.v(x)], axis=dim, keepdims=1)], axis=dim)
    return b.node("GatherElements", [b.v(x), b.v(idx if b.known(idx) else np.asarray(idx, np.int64))], axis=dim)


# ----- reductions ----------------------------------------------------------------------------
_REDUCE = {"Sum": "ReduceSum", "Mean": "ReduceMean", "Max": "ReduceMax", "Min": "ReduceMin",
           "LogSumExp": "ReduceLogSumExp"}


def _reduce(b, r):
    x, axes, keepdims = r.inputs[:3]
    return b.reduce(_REDUCE[r.op], b.v(x), [int(a) for a in axes], keepdims)


for _op in _REDUCE:
    converts(_op)(_reduce)


@converts("Var")
def _var(b, r):
    x, axes, keepdims, _ = r.inputs
    xv = b.v(x)
    centred = b.node("Sub", [xv, b.reduce("ReduceMean", xv, axes, True)])
    total = b.reduce("ReduceSum", b.node("Mul", [centred, centred]), axes, keepdims)
    return b.node("Div", [total, b.v(float(r.fn.denom), r.outputs[0].dtype)])
