"""Reverse-mode automatic differentiation: graph nodes, grad mode and the backward engine.

The graph is made of nodes, not tensors (as in PyTorch): every tensor that requires grad
points at a node (``Tensor._node``). A non-leaf tensor's node is the ``Function`` that made it;
a leaf's node is its ``AccumulateGrad``. Each Function keeps ``next``, one entry per positional
input: that input's node, or None when the input needs no gradient. Intermediate tensors are
therefore not kept alive by the graph; only the arrays that a backward needs are.
"""
import functools
import weakref

from .backend import xp
from .errors import ShapeError


class _GradMode:
    enabled = True


def is_grad_enabled() -> bool:
    """True when operations are being recorded for backward."""
    return _GradMode.enabled


class _SetGradMode:
    mode = True

    def __enter__(self):
        self._prev = _GradMode.enabled
        _GradMode.enabled = self.mode
        return self

    def __exit__(self, *exc):
        _GradMode.enabled = self._prev
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return func(*args, **kwargs)
        return wrapper


class no_grad(_SetGradMode):
    """Context manager and decorator that stops graph recording (evaluation, weight updates).

    Example:
        >>> with gw.no_grad():
        ...     w -= 0.1 * w.grad
    """
    mode = False


class enable_grad(_SetGradMode):
    """Turns graph recording back on inside a ``no_grad`` block."""
    mode = True


class _Hooks:
    """Checks installed by ``detect_anomaly`` (None otherwise: one attribute read per op)."""
    forward = None
    backward = None


class Function:
    """One differentiable primitive.

    Subclasses write ``forward(*arrays, **params) -> array`` and ``backward(grad)`` returning
    one gradient per positional input, in order, each with that input's shape (None where no
    gradient is needed; a single-input op may return the array alone). ``self.needs_grad``
    says which inputs need one. ``backward`` must not modify ``grad`` in place.
    """
    __slots__ = ("next", "needs_grad", "saved", "_checks", "__dict__")

    def save_for_backward(self, *arrays):
        """Keep the arrays backward needs; in-place changes to them are detected later."""
        self.saved = arrays

    @classmethod
    def apply(cls, *args, **params):
        """Run forward on the arrays of ``args`` and record the node when a gradient is needed."""
        fn = cls()
        fn.saved = ()
        arrays = []
        nexts = []
        record = False
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a.data)
                node = a._node
                nexts.append(node)
                if node is not None:
                    record = True
            else:
                arrays.append(a)
                nexts.append(None)
        record = record and _GradMode.enabled
        fn.needs_grad = [n is not None for n in nexts] if record else [False] * len(args)
        try:
            out = fn.forward(*arrays, **params)
        except ShapeError:
            raise
        except ValueError as e:
            shapes = ", ".join(str(xp.shape(a)) for a in arrays)
            raise ShapeError(f"{cls.__name__.lower()}: cannot apply to inputs of shapes {shapes}: {e}") from e
        if _Hooks.forward is not None:
            _Hooks.forward(fn, arrays, out)
        if type(out) is tuple:
            return _multi_output(fn, out, args, nexts, record)
        if type(out) is not xp.ndarray:
            out = xp.asarray(out)
        if not record:
            return Tensor._make(out, None)
        fn.next = tuple(nexts)
        result = Tensor._make(out, fn)
        fn._checks = _version_checks(fn.saved, args, (result,)) if fn.saved else None
        return result

    def name(self) -> str:
        return type(self).__name__

    def __repr__(self):
        return f"<{self.name()}Backward>"


def _version_checks(saved, args, results):
    """Pair every saved array with the version counter of the tensor it came from."""
    checks = []
    for s in saved:
        found = False
        for k, r in enumerate(results):
            if s is r.data:
                checks.append((r._vbox, r._vbox[0], "output" if len(results) == 1 else f"output {k}"))
                found = True
                break
        if found:
            continue
        for i, a in enumerate(args):
            if isinstance(a, Tensor) and a.data is s:
                checks.append((a._vbox, a._vbox[0], f"input {i}"))
                break
    return checks or None


class MultiGrad(list):
    """The output gradients of a multi-output Function, one per output (None where none arrived).

    The engine adds up gradients with ``+``; this list adds element by element.
    """
    def __add__(self, other):
        return MultiGrad(b if a is None else a if b is None else a + b for a, b in zip(self, other))


class _Select:
    """The node of output ``index`` of a multi-output Function: routes its gradient there."""
    __slots__ = ("next", "index", "count", "saved", "_checks")

    def __init__(self, fn, index, count):
        self.next, self.index, self.count, self._checks = (fn,), index, count, None

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
    outs = [o if type(o) is xp.ndarray else xp.asarray(o) for o in outs]
    if not record:
        return tuple(Tensor._make(o, None) for o in outs)
    fn.next = tuple(nexts)
    results = tuple(Tensor._make(o, _Select(fn, i, len(outs))) for i, o in enumerate(outs))
    fn._checks = _version_checks(fn.saved, args, results) if fn.saved else None
    return results


class AccumulateGrad:
    """The node of a leaf tensor: adds the incoming gradient into ``tensor.grad``."""
    __slots__ = ("_ref",)
    next = ()
    _checks = None

    def __init__(self, tensor):
        self._ref = weakref.ref(tensor)

    def backward(self, grad):
        t = self._ref()
        if t is None:       # nobody can read this gradient any more
            return ()
        data = t.data
        if grad.shape != data.shape:
            raise ShapeError(f"gradient of shape {grad.shape} reached a leaf of shape {data.shape}")
        if grad.dtype != data.dtype:
            grad = grad.astype(data.dtype)
        elif not grad.flags.writeable:      # e.g. a broadcast view from sum's backward
            grad = grad.copy()
        t.grad = grad if t.grad is None else t.grad + grad
        return ()

    def name(self) -> str:
        return "AccumulateGrad"


_FREED = ("Trying to backward through the graph a second time (or to read it after it was freed). "
          "The graph is freed by backward() to save memory; call backward(retain_graph=True) the first "
          "time if you need to go through it again.")


def backward(root, grad, retain_graph=False):
    """Back-propagate ``grad`` from ``root`` (a Tensor) to every leaf that requires grad.

    Nodes run in reverse topological order (Kahn's algorithm on consumer counts), with an
    explicit stack, so graphs of any depth work without recursion.
    """
    start = root._node
    if start is None:
        raise RuntimeError("backward() called on a tensor that does not require grad. Create the inputs "
                           "with requires_grad=True (gw.tensor(x, requires_grad=True)) and do not run the "
                           "forward pass inside gw.no_grad().")
    if start.next is None:
        raise RuntimeError(_FREED)
    # count, for every reachable node, how many of its consumers will send it a gradient
    pending = {start: 0}
    stack = [start]
    while stack:
        fn = stack.pop()
        nxt = fn.next
        if nxt is None:
            raise RuntimeError(_FREED)
        for n in nxt:
            if n is None:
                continue
            if n in pending:
                pending[n] += 1
            else:
                pending[n] = 1
                stack.append(n)
    grads = {start: grad}
    ready = [start]
    while ready:
        fn = ready.pop()
        g = grads.pop(fn, None)
        nxt = fn.next
        if g is None:
            in_grads = (None,) * len(nxt)
        else:
            if fn._checks is not None:
                _check_versions(fn)
            in_grads = fn.backward(g)
            if type(in_grads) is not tuple:
                in_grads = (in_grads,)
            if _Hooks.backward is not None:
                _Hooks.backward(fn, g, in_grads)
        if not retain_graph and type(fn) is not AccumulateGrad:     # leaves outlive any one graph
            fn.saved = None
            fn.next = None
        prev = None
        for n, ig in zip(nxt, in_grads):
            if n is None:
                continue
            if ig is not None:
                if ig is prev:          # the same array sent to two inputs (add): give each its own
                    ig = ig.copy()
                prev = ig
                have = grads.get(n)
                grads[n] = ig if have is None else have + ig
            left = pending[n] - 1
            pending[n] = left
            if left == 0:
                ready.append(n)


def _check_versions(fn):
    for box, version, what in fn._checks:
        if box[0] != version:
            raise RuntimeError(
                f"one of the tensors needed by {fn.name()} for backward ({what}) was modified in place "
                f"after it was used (version {version}, now {box[0]}). Use an out-of-place operation "
                f"(y = y + 1 instead of y += 1), or .clone() the tensor before changing it.")


from .tensor import Tensor  # noqa: E402  (Tensor's methods call ops, which are built on Function)
