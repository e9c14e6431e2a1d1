"""The backward pass: running the graph that ``autograd.py``'s nodes record, from the roots to
every leaf (``backward``, PyTorch's ``torch.autograd.grad``, callbacks at its end). All
re-exported by ``autograd``."""
from .autograd import AccumulateGrad, _Hooks, _check_versions
from .backend import xp
from .errors import GraphError, ShapeError
from .tensor import Tensor

_FREED = ("Trying to backward through the graph a second time (or to read it after it was freed). "
          "The graph is freed by backward() to save memory; call backward(retain_graph=True) the first "
          "time if you need to go through it again.")


def backward(roots, grads, retain_graph=False, capture=None):
    """Back-propagate ``grads`` (arrays) from ``roots`` (Tensors) to every leaf that requires grad.

    Nodes run in reverse topological order (Kahn's algorithm on consumer counts), with an
    explicit stack, so graphs of any depth work without recursion. With ``capture`` (a dict
    node -> None), the gradients arriving at those nodes are stored there instead, and leaves
    accumulate nothing (``gw.autograd.grad``).
    """
    if _Hooks.begin is not None and capture is None:
        _Hooks.begin(roots)
    starts = []
    for root in roots:
        if root._node is None:
            raise GraphError("backward() called on a tensor that does not require grad. Create the inputs "
                               "with requires_grad=True (gw.tensor(x, requires_grad=True)) and do not run "
                               "the forward pass inside gw.no_grad().")
        starts.append(root._node)
    _queued.clear()         # left over from a pass that raised
    # count, for every reachable node, how many of its consumers will send it a gradient
    pending = {}
    stack = []
    for start in starts:
        if start not in pending:
            pending[start] = 0
            stack.append(start)
    while stack:
        fn = stack.pop()
        nxt = fn.next
        if nxt is None:
            raise GraphError(_FREED)
        for n in nxt:
            if n is None:
                continue
            if n in pending:
                pending[n] += 1
            else:
                pending[n] = 1
                stack.append(n)
    sums = {}
    for start, g in zip(starts, grads):
        have = sums.get(start)
        sums[start] = g if have is None else have + g
    ready = [s for s in sums if pending[s] == 0]
    while ready:
        fn = ready.pop()
        g = sums.pop(fn, None)
        nxt = fn.next
        if g is not None and fn.pre_hooks is not None:
            g = _run_hooks(fn.pre_hooks, g)
        if capture is not None and fn in capture:
            capture[fn] = g
            if type(fn) is AccumulateGrad:
                continue
        if g is None or (capture is not None and type(fn) is AccumulateGrad):
            in_grads = (None,) * len(nxt)
        else:
            if fn._checks is not None:
                _check_versions(fn)
            in_grads = fn.backward(g)
            if type(in_grads) is not tuple:
                in_grads = (in_grads,)
            if len(in_grads) != len(nxt) and (len(in_grads) > len(nxt) or any(
                    n is not None for n in nxt[len(in_grads):])):
                raise GraphError(f"{fn.name()}.backward returned {len(in_grads)} gradients for "
                                   f"{len(nxt)} inputs; it must return one per input (None where none)")
            if _Hooks.backward is not None:
                _Hooks.backward(fn, g, in_grads)
        if not retain_graph and type(fn) is not AccumulateGrad:     # leaves outlive any one graph
            fn.saved = None
            fn.next = None
        prev = None
        shapes = fn.in_shapes
        for i, (n, ig) in enumerate(zip(nxt, in_grads)):
            if n is None:
                continue
            if ig is not None:
                if shapes is not None and ig.shape != shapes[i]:
                    raise ShapeError(f"{fn.name()}.backward returned a gradient of shape {ig.shape} for "
                                     f"input {i}, whose shape is {shapes[i]}")
                if ig is prev:          # the same array sent to two inputs (add): give each its own,
                    ig = ig.copy(order="K")         # laid out alike (a plain copy is C-ordered)
                prev = ig
                have = sums.get(n)
                sums[n] = ig if have is None else _accumulate(have, ig)
            left = pending[n] - 1
            pending[n] = left
            if left == 0:
                ready.append(n)
    _run_queued(capture is None)


def _accumulate(have, g):
    """have + g, laid out in memory as ``have`` is.

    NOTE: why. For operands laid out differently NumPy's sum is C-ordered: at a residual block the
    channel-major gradient of one branch met the other's, the sum came out batch-major, and the
    batch norms downstream each copied it back (W6: four copies a step)."""
    if type(have) is xp.ndarray and type(g) is xp.ndarray and have.shape == g.shape and have.ndim > 1:
        if have.strides == g.strides and have.dtype == g.dtype:
            from .ops.elementwise import big_add
            return big_add(have, g)
        out = xp.empty_like(have, dtype=xp.result_type(have, g))
        return xp.add(have, g, out=out)
    return have + g


_queued = []


def queue_callback(fn):
    """Run ``fn()`` once when the running backward pass has finished (PyTorch's
    ``queue_callback``): DistributedDataParallel averages the gradients there."""
    _queued.append(fn)


def _run_queued(run):
    callbacks = _queued[:]
    _queued.clear()
    for fn in callbacks if run else ():     # gw.autograd.grad fills no .grad: nothing to finish
        fn()


def _run_hooks(hooks, g):
    """Tensor hooks (``register_hook``): each sees the gradient and may return a replacement."""
    for hook in list(hooks.values()):
        out = hook(Tensor._make(g, None))
        if out is not None:
            g = out._data if isinstance(out, Tensor) else xp.asarray(out)
    return g


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=None,
         materialize_grads=False):
    """The gradients of ``outputs`` with respect to ``inputs``, returned (nothing accumulates in
    ``.grad``), as PyTorch's ``torch.autograd.grad``.

    Example:
        >>> (gx,) = gw.autograd.grad((x * x).sum(), [x])
    """
    if create_graph:
        from .errors import UnsupportedError
        raise UnsupportedError("grad(create_graph=True): gradwise computes gradients as arrays and does not "
                               "record the backward pass, so higher-order gradients are not available")
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    from .tensor import _initial_grad
    seeds = [_initial_grad(o, g) for o, g in zip(outputs, grad_outputs)]
    capture = {}
    for t in inputs:
        if t._node is None:
            raise GraphError("grad: one of the inputs does not require grad, so no gradient can reach it")
        capture[t._node] = None
    backward(outputs, seeds, bool(retain_graph), capture)
    result = []
    for t in inputs:
        g = capture.get(t._node)
        if g is None:
            if not (allow_unused or materialize_grads):
                raise GraphError("grad: one of the inputs was not used to compute the outputs; pass "
                                   "allow_unused=True to get None for it")
            result.append(Tensor._make(xp.zeros_like(t._data), None) if materialize_grads else None)
        else:
            result.append(Tensor._make(g if g.flags.writeable else g.copy(), None))
    return tuple(result)
