"""The ONNX graph being written: value names, initializers, constants and nodes.

A value is known by the ``id`` of the array that holds it during the trace: the graph inputs,
the parameters (initializers named by their ``state_dict`` names, added when first used) and
every op output. Any other array an op reads is a constant, written as an initializer.
"""
import numpy as np

INT64_MAX, INT64_MIN = 2 ** 63 - 1, -2 ** 63


def require_onnx():
    """The ``onnx`` package, or an ImportError that says how to install it."""
    try:
        import onnx
    except ImportError:
        raise ImportError("gradwise.onnx needs the onnx package: pip install 'gradwise[onnx]' "
                          "(or pip install onnx onnxruntime)") from None
    return onnx


class Builder:
    def __init__(self, opset, batch=None):
        from onnx import helper, numpy_helper
        self.helper, self.numpy_helper = helper, numpy_helper
        self.opset = opset
        self.batch = batch              # (axis, size) of the dynamic batch axis of the first input, or None
        self.names = {}                 # id(array) -> value name
        self.dtypes = {}                # value name -> numpy dtype
        self.shapes = {}                # value name -> shape seen in the trace
        self.params = {}                # id(array) -> (state_dict name, array), not yet written
        self.nodes, self.initializers = [], []
        self._count = 0
        self.layer = None               # the layer being converted, for node names

    # ----- values ---------------------------------------------------------------------------
    def fresh(self, base):
        self._count += 1
        return f"{base}_{self._count}"

    def bind(self, array, name):
        self.names[id(array)] = name
        self.dtypes[name] = np.asarray(array).dtype
        self.shapes[name] = np.shape(array)

    def known(self, a):
        """True for a graph input, a parameter or an op output (anything but a constant)."""
        return id(a) in self.names or id(a) in self.params

    def v(self, a, dtype=None):
        """The value name of array ``a`` (a constant initializer when it is none of the above),
        cast to ``dtype`` when given and different."""
        if id(a) in self.params:
            pname, arr = self.params.pop(id(a))
            self.initializers.append(self.numpy_helper.from_array(np.ascontiguousarray(arr), pname))
            self.bind(arr, pname)
        name = self.names.get(id(a))
        if name is None:
            arr = np.asarray(a, dtype=dtype) if dtype is not None else np.asarray(a)
            if arr.dtype == np.float64 and dtype is None and not isinstance(a, np.ndarray):
                arr = arr.astype(np.float32)        # a Python float meeting float32 tensors
            return self.const(arr)
        if dtype is not None and self.dtypes[name] != np.dtype(dtype):
            return self.node("Cast", [name], to=self.elem_type(dtype))
        return name

    def const(self, array, base="const"):
        array = np.ascontiguousarray(array)
        name = self.fresh(base)
        self.initializers.append(self.numpy_helper.from_array(array, name))
        self.dtypes[name], self.shapes[name] = array.dtype, array.shape
        return name

    def ints(self, values):
        return self.const(np.asarray(values, dtype=np.int64), "ints")

    def elem_type(self, dtype):
        return self.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))

    # ----- nodes ----------------------------------------------------------------------------
    def node(self, op, inputs, n_out=1, **attrs):
        """Add a node; returns its output name (a list of them when ``n_out`` > 1)."""
        base = f"{self.layer}/{op}" if self.layer else op
        outs = [self.fresh(base) for _ in range(n_out)]
        attrs = {k: v for k, v in attrs.items() if v is not None}
        self.nodes.append(self.helper.make_node(op, list(inputs), outs, name=self.fresh(base), **attrs))
        return outs[0] if n_out == 1 else outs

    def reduce(self, op, x, axes, keepdims):
        """A Reduce* node: axes as an input from opset 18 (13 for ReduceSum), as an attribute before."""
        new_style = self.opset >= (13 if op == "ReduceSum" else 18)
        if new_style:
            return self.node(op, [x, self.ints(list(axes))], keepdims=int(keepdims))
        return self.node(op, [x], axes=list(axes), keepdims=int(keepdims))

    def batch_dims(self, target, in_shape, keep):
        """A target shape for Reshape (keep=0) or Expand (keep=1): where the dynamic batch axis
        lines up with the input's, write ``keep`` so the exported graph follows any batch size."""
        target = list(int(t) for t in target)
        if self.batch is not None:
            _, size = self.batch
            for i, t in enumerate(target):
                if t == size and i < len(in_shape) and in_shape[i] == size:
                    target[i] = keep
                    break
        return target
