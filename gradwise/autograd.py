"""Reverse-mode automatic differentiation: the graph's nodes, recorded as ops run, and what an
op's backward may do (the backward pass that runs them: ``engine.py``; grad mode:
``grad_mode.py``; both re-exported here).

The graph is made of nodes, not tensors (as in PyTorch): every tensor that requires grad
points at a node (``Tensor._node``). A non-leaf tensor's node is the ``Function`` that made it;
a leaf's node is its ``AccumulateGrad``. Each Function keeps ``next``, one entry per positional
input: that input's node, or None when the input needs no gradient. Intermediate tensors are
therefore not kept alive by the graph; only the arrays that a backward needs are.
"""
import sys
import weakref

from . import backend
from .backend import xp
from .errors import GradwiseError, GraphError, ShapeError
from .grad_mode import (_GradMode, _SetGradMode, enable_grad, inference_mode, is_grad_enabled,  # noqa: F401
                        no_grad, set_grad_enabled)

_ndarray = xp.ndarray      # the host's array type (apply's type tests)


class _Hooks:
    """Checks installed by ``detect_anomaly`` (None otherwise: one attribute read per op), and the
    doctor's observers: ``begin(roots)`` when a backward pass starts, ``time_steps(fn, norms)``
    with the hidden-state gradient norm of each time step of a recurrent op (input to output)."""
    forward = None
    backward = None
    trace = None        # gradwise.onnx's tracer: (fn, arrays, params, result) after every op
    begin = None
    time_steps = None


class Function:
    """One differentiable primitive.

    Subclasses write ``forward(*arrays, **params) -> array`` and ``backward(grad)`` returning
    one gradient per positional input, in order, each with that input's shape (None where no
    gradient is needed; trailing non-tensor arguments may be left out, and a single-input op may
    return the array alone). ``self.needs_grad`` says which inputs need one. ``backward`` must not
    modify ``grad`` in place, unless ``grad_is_free(grad)`` says nothing else can see it. The
    engine checks the count and the shapes, and names the op.
    """
    __slots__ = ("next", "needs_grad", "saved", "in_shapes", "_checks", "__dict__")
    pre_hooks = None        # tensor hooks (register_hook) on this node's output, when any

    #: False for ops whose backward needs no input values (add, reshape, sum ...), so that
    #: changing an input in place after them is allowed, as in PyTorch.
    saves_inputs = True

    #: True only for the op that copies between devices; any other op given device arrays must
    #: return device arrays (a host result would be a silent fallback, and is an error)
    changes_device = False

    def save_for_backward(self, *arrays):
        """Keep the arrays backward needs; in-place changes to them are detected later."""
        self.saved = arrays

    @classmethod
    def apply(cls, *args, **params):
        """Run forward on the arrays of ``args`` and record the node when a gradient is needed."""
        # NOTE: one pass over the arguments, module constants for the array type (A1, a thousand
        # tiny ops a step, is this function's cost more than the arithmetic's)
        fn = cls()
        fn.saved = ()
        enabled = _GradMode.enabled
        arrays = []
        nexts = []
        needs = []
        shapes = []
        record = foreign = False
        for a in args:
            if isinstance(a, Tensor):
                data = a._data
                arrays.append(data)
                if type(data) is not _ndarray and not foreign:
                    foreign = backend.device_type(data) != "cpu"
                node = a._node
                nexts.append(node)
                if node is None:
                    needs.append(False)
                    shapes.append(None)
                else:
                    record = enabled
                    needs.append(enabled)
                    shapes.append(data.shape)
            else:
                arrays.append(a)
                nexts.append(None)
                needs.append(False)
                shapes.append(None)
        fn.needs_grad = needs
        if foreign:         # a tensor on a device: every array must be on that one
            backend.check_same_device(arrays, cls.__name__)
        try:
            out = fn.forward(*arrays, **params)
        except GradwiseError:
            raise
        except Exception as e:
            raise _op_error(cls, arrays, e) from e
        if _Hooks.forward is not None:
            _Hooks.forward(fn, arrays, out)
        if type(out) is tuple:
            result = _multi_output(fn, out, args, nexts, record)
        else:
            if type(out) is not _ndarray:
                out = backend.as_array(out, arrays)
            elif foreign and not cls.changes_device:
                _fell_back(cls, arrays, out)
            if not record:
                result = Tensor._make(out, None)
            else:
                fn.next = tuple(nexts)
                fn.in_shapes = shapes
                result = Tensor._make(out, fn)
                fn._checks = _version_checks(fn, args, (result,))
        if _Hooks.trace is not None:
            _Hooks.trace(fn, arrays, params, result)
        return result

    def name(self) -> str:
        return type(self).__name__

    def __repr__(self):
        return f"<{self.name()}Backward>"


def _fell_back(cls, arrays, out):
    if out.ndim and backend.device_type(out) == "cpu":
        from .errors import DeviceError
        here = next(backend.device_type(a) for a in arrays if getattr(a, "ndim", 0) and
                    backend.device_type(a) != "cpu")
        raise DeviceError(f"{cls.__name__} was given arrays on device '{here}' but computed on the host "
                          f"(cpu): a silent fallback. Its forward must use the arrays' own module "
                          f"(gradwise.backend.get_array_module)")


def _version_checks(fn, args, results):
    """The version counters to verify before ``fn.backward`` runs: every tensor input of an op
    that needs its inputs' values (whatever arrays it derived from them and kept), and every
    output whose array the op saved. An in-place change to any of them afterwards is an error."""
    checks = []
    if fn.saves_inputs:
        for i, a in enumerate(args):
            if isinstance(a, Tensor):
                box = a._vbox
                checks.append((box, box[0], i))        # the label made only for the error
    for s in fn.saved:
        for k, r in enumerate(results):
            if s is r._data:
                checks.append((r._vbox, r._vbox[0], "output" if len(results) == 1 else f"output {k}"))
                break
    return checks or None


def _op_error(cls, arrays, e):
    """An exception raised inside an op's forward, with the op and its input shapes added; NumPy's
    broadcasting failures become ShapeErrors, anything else keeps its type."""
    shapes = ", ".join(str(xp.shape(a)) for a in arrays if not isinstance(a, (str, type(None))))
    where = f"{cls.__name__.lower()} (inputs of shapes {shapes})"
    if isinstance(e, ValueError) and ("broadcast" in str(e) or "shape" in str(e) or "aligned" in str(e)
                                      or "dimension" in str(e)):
        return ShapeError(f"{where}: {e}")
    try:
        return type(e)(f"{where}: {e}")
    except Exception:       # an exception type that wants other arguments
        return RuntimeError(f"{where}: {type(e).__name__}: {e}")


class MultiGrad(list):
    """The output gradients of a multi-output Function, one per output (None where none arrived).

    The engine adds up gradients with ``+``; this list adds element by element.
    """
    def __add__(self, other):
        return MultiGrad(b if a is None else a if b is None else a + b for a, b in zip(self, other))


class _Select:
    """The node of output ``index`` of a multi-output Function: routes its gradient there."""
    __slots__ = ("next", "index", "count", "saved", "in_shapes", "_checks", "pre_hooks")

    def __init__(self, fn, index, count):
        self.next, self.index, self.count, self._checks = (fn,), index, count, None
        self.in_shapes = self.pre_hooks = None

    def backward(self, grad):
        grads = MultiGrad([None] * self.count)
        grads[self.index] = grad
        return grads,

    def name(self):
        return f"Select{self.index}"


def _multi_output(fn, outs, args, nexts, record):
    """Wrap a forward that returned a tuple: one tensor per output.

    Its backward receives a ``MultiGrad`` (None for outputs that got no gradient).
    """
    outs = [o if type(o) is xp.ndarray else backend.as_array(o, outs) for o in outs]
    if not record:
        return tuple(Tensor._make(o, None) for o in outs)
    fn.next = tuple(nexts)
    fn.in_shapes = [xp.shape(a._data) if n is not None else None for a, n in zip(args, nexts)]
    results = tuple(Tensor._make(o, _Select(fn, i, len(outs))) for i, o in enumerate(outs))
    fn._checks = _version_checks(fn, args, results)
    return results


class AccumulateGrad:
    """The node of a leaf tensor: adds the incoming gradient into ``tensor.grad``."""
    __slots__ = ("_ref", "pre_hooks")
    next = ()
    in_shapes = None
    _checks = None

    def __init__(self, tensor):
        self._ref = weakref.ref(tensor)
        self.pre_hooks = None

    def backward(self, grad):
        t = self._ref()
        if t is None:       # nobody can read this gradient any more
            return ()
        data = t._data
        if type(grad) is not xp.ndarray:        # 0-d sums come back from NumPy as scalars
            grad = backend.as_array(grad, (data,))
        if grad.shape != data.shape:
            raise ShapeError(f"gradient of shape {grad.shape} reached a leaf of shape {data.shape}")
        if grad.dtype != data.dtype:
            grad = grad.astype(data.dtype)
        elif not grad.flags.writeable:      # e.g. a broadcast view from sum's backward
            grad = grad.copy()
        have = t._grad
        if have is None:
            t._grad = Tensor._make(grad, None)
        else:       # the same Tensor object keeps the sum, as PyTorch's accumulation in place
            have._data = backend.as_array(have._data + grad, (data,))
            have._vbox[0] += 1
        return ()

    def name(self) -> str:
        return "AccumulateGrad"


_getrefcount = getattr(sys, "getrefcount", None)


def grad_is_free(g):
    """Whether an op's ``backward(g)``, called by the engine, may write its result into ``g``:
    nothing but the engine and this call holds the array (or, for a view, its base), and no
    global backward hook will read it after. The counts are CPython's (elsewhere: never).

    NOTE: why. An elementwise backward (ReLU's) otherwise writes a new array, whose memory last
    held something else, often in the other core's cache; the incoming gradient was just written
    by the same threads in the same split. W1's step 1.008-1.013 faster, W6 1.007 (in process).
    Safe by counting: a tensor hook that kept the gradient, a captured one (``autograd.grad``), a
    second consumer of the same array, a view of it: each holds a reference, so it is not free."""
    if _getrefcount is None or _Hooks.backward is not None or type(g) is not _ndarray or not g.flags.writeable:
        return False
    # the engine's variable, backward's argument, this function's argument, getrefcount's own
    if _getrefcount(g) > 4:
        return False
    base = g.base
    # a view (a reshape): its base held only by it (and by base and getrefcount's argument here)
    return base is None or (type(base) is _ndarray and base.base is None and _getrefcount(base) <= 3)


def Variable(tensor, requires_grad=False, volatile=False):
    """PyTorch's old wrapper: today's tensors do its job, so it returns ``tensor``."""
    if requires_grad:
        tensor.requires_grad_(True)
    return tensor


def _check_versions(fn):
    for box, version, what in fn._checks:
        if box[0] != version:
            what = f"input {what}" if type(what) is int else what
            raise GraphError(
                f"one of the tensors needed by {fn.name()} for backward ({what}) was modified in place "
                f"after it was used (version {version}, now {box[0]}). Use an out-of-place operation "
                f"(y = y + 1 instead of y += 1), or .clone() the tensor before changing it.")


from .tensor import Tensor  # noqa: E402  (Tensor's methods call ops, which are built on Function)
from .engine import backward, grad, queue_callback  # noqa: E402,F401  (the engine that runs these nodes)
