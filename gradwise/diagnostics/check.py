"""check_gradients: a whole-model numerical gradient check, graded per layer."""
import copy

import numpy as np

from ..autograd import no_grad
from ..tensor import Tensor

# CS231n's reading of relative errors: > 1e-2 wrong, 1e-2..1e-4 suspicious, below fine (kinks,
# such as ReLU, can cost a little precision).
GOOD, SUSPICIOUS = 1e-4, 1e-2
JITTER = 1e-3


def check_gradients(model, x, y, loss, samples=6, eps=1e-6, seed=0, verbose=True):
    """Compare each layer's backpropagated gradients with central differences, in float64.

    A copy of the model in float64 is used (the model itself is untouched), its parameters moved
    by N(0, 1e-3) noise so that no unit sits exactly on a ReLU kink; for each parameter,
    ``samples`` random elements are perturbed. Each layer is graded by its worst relative error:
    good (< 1e-4), suspicious (< 1e-2) or wrong.

    Args:
        model: an nn.Module. x, y: one (small) batch. loss: a loss module or callable.

    Returns:
        list of dicts: layer, parameter count checked, max relative error, grade.

    Example:
        >>> gw.diagnostics.check_gradients(model, x[:8], y[:8], nn.CrossEntropyLoss())
    """
    m = copy.deepcopy(model).double().eval()
    rng = np.random.default_rng(seed)
    for p in m.parameters():        # off exact kinks: zero biases on zero inputs sit right on ReLU's corner
        p._data += rng.normal(0.0, JITTER, p.shape)
    xs = Tensor(np.asarray(getattr(x, "_data", x), dtype=np.float64)
                if np.issubdtype(np.asarray(getattr(x, "_data", x)).dtype, np.floating) else getattr(x, "_data", x))
    ys = getattr(y, "_data", y)
    m.zero_grad()
    loss(m(xs), ys).backward()
    report = []
    for name, module in m.named_modules():
        params = [(n, p) for n, p in module._parameters.items() if p is not None]
        if not params:
            continue
        worst = 0.0
        for pname, p in params:
            analytic = np.zeros_like(p._data) if p._grad is None else p._grad._data
            flat = p._data.reshape(-1)
            for k in rng.choice(flat.size, size=min(samples, flat.size), replace=False):
                orig = flat[k]
                with no_grad():
                    flat[k] = orig + eps
                    plus = loss(m(xs), ys).item()
                    flat[k] = orig - eps
                    minus = loss(m(xs), ys).item()
                flat[k] = orig
                numeric = (plus - minus) / (2 * eps)
                a = analytic.reshape(-1)[k]
                # the floor: central differences of a float64 loss carry ~1e-10 of noise, so two
                # gradients that are both ~0 agree
                rel = abs(a - numeric) / max(abs(a) + abs(numeric), 1e-6)
                worst = max(worst, rel)
        grade = "good" if worst < GOOD else "suspicious" if worst < SUSPICIOUS else "wrong"
        report.append({"layer": f"{name} ({type(module).__name__})" if name else type(module).__name__,
                       "checked": sum(min(samples, p.numel()) for _, p in params),
                       "max_relative_error": float(worst), "grade": grade})
    if verbose:
        for r in report:
            print(f"{r['layer']:<30} max relative error {r['max_relative_error']:.2e}  {r['grade']}")
    return report
