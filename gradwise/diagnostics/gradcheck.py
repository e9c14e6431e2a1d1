"""Numerical gradient checking: analytic (backward) against central differences, in float64."""
import numpy as np

from ..autograd import no_grad
from ..errors import ArgumentError, GradcheckError
from ..tensor import Tensor


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """Check the gradients of ``fn(*inputs)`` against central differences, in float64.

    Every tensor in ``inputs`` that requires grad is checked: its data is switched to float64
    for the check (so a layer's parameters can be passed too) and restored afterwards. The
    output (a tensor, or a tuple of tensors) is reduced with fixed random weights, so one
    backward pass checks every input element.

    Args:
        fn: callable taking ``*inputs`` and returning a tensor or a tuple of tensors.
        inputs: list of tensors (and constants passed through unchanged).
        eps: finite-difference step. atol, rtol: an element passes when
            |analytic - numeric| <= atol + rtol * |numeric|.
        seed: seed of the random output weights.

    Returns:
        True; raises ``GradcheckError`` naming the worst element (input, index, analytic,
        numeric, relative error) on failure.

    Example:
        >>> w = gw.randn(3, 2, generator=0, requires_grad=True)
        >>> gw.gradcheck(lambda w: (w * w).sum(), [w])
        True
    """
    inputs = list(inputs)
    checked = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ArgumentError("gradcheck: no input requires grad; pass tensors created with requires_grad=True")
    saved = {i: (inputs[i]._data, inputs[i]._grad) for i in checked}
    try:
        for i in checked:
            inputs[i]._data = inputs[i]._data.astype(np.float64)
            inputs[i]._grad = None
        weights = _output_weights(fn(*inputs), seed)
        _objective(fn, inputs, weights).backward()
        for i in checked:
            t = inputs[i]
            analytic = t._grad._data if t._grad is not None else np.zeros_like(t._data)
            numeric = _numeric_grad(fn, inputs, weights, t, eps)
            _compare(i, analytic, numeric, atol, rtol)
    finally:
        for i, (data, grad) in saved.items():
            inputs[i]._data, inputs[i]._grad = data, grad
    return True


def _outputs(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _output_weights(out, seed):
    rng = np.random.default_rng(seed)
    weights = []
    for o in _outputs(out):
        if o.dtype != np.float64:
            raise GradcheckError(f"gradcheck: the function returned {o.dtype} from float64 inputs; finite "
                                 f"differences need float64 all the way (does it convert with .float()?)")
        weights.append(rng.uniform(0.5, 1.5, size=o.shape) * rng.choice([-1.0, 1.0], size=o.shape))
    return weights


def _objective(fn, inputs, weights):
    total = None
    for o, w in zip(_outputs(fn(*inputs)), weights):
        term = (o * w).sum()
        total = term if total is None else total + term
    return total


def _numeric_grad(fn, inputs, weights, t, eps):
    grad = np.zeros_like(t._data)
    data = t._data                   # perturbed in place, by index: any memory layout (a transposed
    with no_grad():                  # input keeps its layout, so the op sees what it saw in backward)
        for k in np.ndindex(data.shape):
            orig = data[k]
            data[k] = orig + eps
            plus = _objective(fn, inputs, weights).item()
            data[k] = orig - eps
            minus = _objective(fn, inputs, weights).item()
            data[k] = orig
            grad[k] = (plus - minus) / (2 * eps)
    return grad


def _compare(which, analytic, numeric, atol, rtol):
    if analytic.shape != numeric.shape:
        raise GradcheckError(f"gradcheck: input {which} got a gradient of shape {analytic.shape}, "
                             f"expected {numeric.shape}")
    diff = np.abs(analytic - numeric)
    excess = diff - (atol + rtol * np.abs(numeric))
    excess = np.where(np.isnan(excess), np.inf, excess)
    if excess.size and excess.max() > 0:
        k = np.unravel_index(np.argmax(excess), excess.shape)
        rel = diff[k] / max(abs(numeric[k]), 1e-12)
        raise GradcheckError(
            f"gradcheck failed for input {which} at index {tuple(int(i) for i in k)}: analytic "
            f"{analytic[k]:.8g}, numeric {numeric[k]:.8g}, relative error {rel:.3g} "
            f"(allowed atol={atol}, rtol={rtol}); {int((excess > 0).sum())} of {excess.size} elements fail")
