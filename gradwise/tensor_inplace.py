"""Tensor methods that change a tensor in place (PyTorch's trailing underscore: ``add_``,
``zero_``, ``normal_`` ...).

Autograd's rules, as in PyTorch: a leaf that requires grad may only be changed inside
``gw.no_grad()`` (or through ``.data``); a non-leaf is changed by recording the op, so earlier
nodes keep the values they saved; a plain tensor is changed in its array, and its version
counter moves so that any graph that saved it refuses to run backward with stale values.
"""
import numpy as np

from .backend import xp
from .random import rng
from .autograd import _GradMode
from .errors import ArgumentTypeError, GraphError, ShapeError


class InPlaceMethods:
    """Mixed into ``Tensor``."""
    __slots__ = ()

    # ----- the machinery every in-place change goes through ----------------------------
    def _inplace(self, op, ufunc, other, *extra):
        """Change this tensor's values. Recorded in the graph when it is a non-leaf that needs grad,
        or when ``other`` needs grad (then this tensor joins the graph, as in PyTorch)."""
        if _GradMode.enabled and (self._node is not None or (isinstance(other, InPlaceMethods) and other._node is not None)):
            if self._node is not None and self.is_leaf:
                raise GraphError(
                    "a leaf tensor that requires grad cannot be changed in place while gradients are "
                    "recorded; wrap the update in `with gw.no_grad():` (or change p.data).")
            # the old array stays untouched for the nodes that saved it; this tensor moves on
            result = op(self, other, *extra)
            self._set_result(result)
            return self
        other = other._data if isinstance(other, InPlaceMethods) else other
        if ufunc is None:
            result = op(self.detach(), other, *extra)._data
            _assign(self._data, result)
        else:
            try:
                ufunc(self._data, other, *extra, out=self._data, casting="same_kind")
            except TypeError:
                raise ArgumentTypeError(f"in-place {ufunc.__name__}: result of dtype "
                                f"{np.result_type(self._data, other)} cannot be stored in a tensor of dtype "
                                f"{self._data.dtype}") from None
            except ValueError as e:
                raise ShapeError(f"in-place {ufunc.__name__}: a value of shape {np.shape(other)} cannot "
                                 f"be applied to a tensor of shape {tuple(self._data.shape)}: {e}") from None
        self._vbox[0] += 1
        return self

    def _set_result(self, result):
        """Make this tensor the (recorded) result of an in-place op."""
        if result._data.shape != self._data.shape:
            raise ShapeError(f"in-place op: the result has shape {tuple(result._data.shape)}, but the "
                             f"tensor has shape {tuple(self._data.shape)}")
        self._data, self._node, self._vbox = result._data.astype(self._data.dtype, copy=False), \
            result._node, result._vbox

    def __iadd__(self, other): return self._inplace(E.add, xp.add, other)
    def __isub__(self, other): return self._inplace(E.sub, xp.subtract, other)
    def __imul__(self, other): return self._inplace(E.mul, xp.multiply, other)
    def __itruediv__(self, other): return self._inplace(E.div, xp.divide, other)

    def _overwrite(self, what):
        if self._node is not None and _GradMode.enabled and self.is_leaf:
            raise GraphError(f"{what} on a leaf tensor that requires grad replaces its values and is only "
                               f"allowed inside `with gw.no_grad():` (or on p.data).")
        self._vbox[0] += 1

    def __setitem__(self, index, value):
        if _GradMode.enabled and (self._node is not None or (isinstance(value, InPlaceMethods) and value._node is not None)):
            if self.is_leaf and self._node is not None:
                raise GraphError("a leaf tensor that requires grad cannot be changed in place while gradients "
                                   "are recorded; wrap the update in `with gw.no_grad():`.")
            self._set_result(S.setitem(self, index, value))
            return
        try:
            self._data[S.index_arrays(index)] = value._data if isinstance(value, InPlaceMethods) else value
        except (IndexError, ValueError) as e:
            raise ShapeError(f"tensor[{index!r}] = value: cannot assign a value of shape {np.shape(value)} to "
                             f"a tensor of shape {tuple(self._data.shape)}: {e}") from None
        self._vbox[0] += 1

    # ----- PyTorch's in-place methods ---------------------------------------------------

    def add_(self, other, alpha=1):
        return self._inplace(E.add, xp.add, other if alpha == 1 else _times(other, alpha))

    def sub_(self, other, alpha=1):
        return self._inplace(E.sub, xp.subtract, other if alpha == 1 else _times(other, alpha))

    def mul_(self, other): return self._inplace(E.mul, xp.multiply, other)
    def div_(self, other): return self._inplace(E.div, xp.divide, other)
    def pow_(self, exponent): return self._inplace(E.pow, xp.power, exponent)
    def remainder_(self, other): return self._inplace(E.remainder, xp.remainder, other)

    def clamp_(self, min=None, max=None):
        return self._inplace(lambda a, _: a.clamp(min, max), None, None)

    clip_ = clamp_

    def clamp_min_(self, min): return self.clamp_(min, None)
    def clamp_max_(self, max): return self.clamp_(None, max)

    def addcmul_(self, tensor1, tensor2, value=1):
        return self._inplace(lambda a, _: a.addcmul(tensor1, tensor2, value), None, None)

    def addcdiv_(self, tensor1, tensor2, value=1):
        return self._inplace(lambda a, _: a.addcdiv(tensor1, tensor2, value), None, None)

    def lerp_(self, end, weight):
        return self._inplace(lambda a, _: a.lerp(end, weight), None, None)

    def masked_fill_(self, mask, value):
        return self._inplace(lambda a, _: a.masked_fill(mask, value), None, None)

    def scatter_(self, dim, index, src=None, value=None, reduce=None):
        return self._inplace(lambda a, _: a.scatter(dim, index, src, value, reduce), None, None)

    def scatter_add_(self, dim, index, src):
        return self._inplace(lambda a, _: a.scatter_add(dim, index, src), None, None)

    def index_add_(self, dim, index, source, alpha=1):
        return self._inplace(lambda a, _: a.index_add(dim, index, source, alpha), None, None)

    def index_fill_(self, dim, index, value):
        def fill(a, _):
            mask = np.zeros(a.shape[dim], dtype=bool)
            mask[np.asarray(getattr(index, "_data", index))] = True
            shape = [1] * a.ndim
            shape[dim] = -1
            return a.masked_fill(mask.reshape(shape), value)
        return self._inplace(fill, None, None)

    # unary math in place
    def exp_(self): return self._unary_(E.exp, xp.exp)
    def log_(self): return self._unary_(E.log, xp.log)
    def sqrt_(self): return self._unary_(E.sqrt, xp.sqrt)
    def abs_(self): return self._unary_(E.abs, xp.abs)
    def neg_(self): return self._unary_(E.neg, xp.negative)
    def sin_(self): return self._unary_(M.sin, xp.sin)
    def cos_(self): return self._unary_(M.cos, xp.cos)
    def floor_(self): return self._unary_(M.floor, xp.floor)
    def ceil_(self): return self._unary_(M.ceil, xp.ceil)
    def round_(self): return self._unary_(M.round, xp.round)
    def trunc_(self): return self._unary_(M.trunc, xp.trunc)
    def sign_(self): return self._unary_(M.sign, xp.sign)
    def reciprocal_(self): return self._unary_(lambda a: E.div(1.0, a), xp.reciprocal)
    def relu_(self): return self._unary_(A.relu, lambda x, out: xp.maximum(x, 0, out=out))
    def sigmoid_(self): return self._unary_(A.sigmoid, None)
    def tanh_(self): return self._unary_(A.tanh, xp.tanh)

    def _unary_(self, op, ufunc):
        if ufunc is None or self._node is not None:
            return self._inplace(lambda a, _: op(a), None, None)
        return self._inplace(lambda a, _: op(a), lambda x, _, out, casting: ufunc(x, out=out), None)

    # ----- overwriting -------------------------------------------------------------------
    def zero_(self):
        return self.fill_(0)

    def fill_(self, value):
        self._overwrite("fill_()")
        self._data.fill(value.item() if hasattr(value, "_data") else value)
        return self

    def copy_(self, src, non_blocking=False):
        """Copy ``src`` (broadcast to this shape, converted to this dtype) into this tensor."""
        self._overwrite("copy_()")
        src = getattr(src, "_data", src)
        try:
            np.copyto(self._data, src, casting="unsafe")
        except ValueError as e:
            from .errors import ShapeError
            raise ShapeError(f"copy_: a source of shape {np.shape(src)} cannot be copied into a tensor of shape "
                             f"{tuple(self._data.shape)}: {e}") from None
        return self

    def set_(self, source):
        self._overwrite("set_()")
        self._data = getattr(source, "_data", source)
        return self

    # ----- random fills (the default generator unless one is given) ---------------------
    def uniform_(self, a=0.0, b=1.0, generator=None):
        return self._fill_random(rng(generator).uniform(a, b, self._data.shape))

    def normal_(self, mean=0.0, std=1.0, generator=None):
        return self._fill_random(rng(generator).normal(mean, std, self._data.shape))

    def bernoulli_(self, p=0.5, generator=None):
        p = getattr(p, "_data", p)
        return self._fill_random(rng(generator).random(self._data.shape) < p)

    def exponential_(self, lambd=1.0, generator=None):
        return self._fill_random(rng(generator).exponential(1.0 / lambd, self._data.shape))

    def random_(self, low=0, high=None, generator=None):
        if high is None:
            low, high = 0, low if low else 2 ** 24
        return self._fill_random(rng(generator).integers(low, high, self._data.shape))

    def geometric_(self, p, generator=None):
        return self._fill_random(rng(generator).geometric(p, self._data.shape))

    def _fill_random(self, values):
        self._overwrite("a random fill")
        np.copyto(self._data, values, casting="unsafe")
        return self

    # ----- shape in place (plain tensors only) ------------------------------------------
    def unsqueeze_(self, dim): return self._reshape_("unsqueeze_", self.unsqueeze(dim))
    def squeeze_(self, dim=None): return self._reshape_("squeeze_", self.squeeze(dim))
    def t_(self): return self._reshape_("t_", self.t())
    def transpose_(self, dim0, dim1): return self._reshape_("transpose_", self.transpose(dim0, dim1))

    def resize_(self, *sizes):
        shape = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes
        if int(np.prod(shape)) == self._data.size:
            return self._reshape_("resize_", self.reshape(shape))
        self._overwrite("resize_()")
        self._data = np.resize(self._data, shape)
        return self

    def _reshape_(self, what, view):
        if self._node is not None:
            raise GraphError(f"{what}() on a tensor that requires grad: use the out-of-place form "
                               f"(x = x.{what[:-1]}(...)) so that autograd can follow it")
        self._data = view._data
        return self


def _times(other, alpha):
    return other * alpha


def _assign(dst, src):
    try:
        np.copyto(dst, src, casting="same_kind")
    except (TypeError, ValueError) as e:
        raise ShapeError(f"in-place op: a result of shape {np.shape(src)} and dtype {np.asarray(src).dtype} "
                         f"cannot be stored in a tensor of shape {dst.shape} and dtype {dst.dtype}: {e}") from None


from .ops import activation as A, elementwise as E, math as M, shape as S  # noqa: E402
