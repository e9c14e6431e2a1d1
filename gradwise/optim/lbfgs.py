"""L-BFGS (Nocedal 1980; Liu & Nocedal 1989) with PyTorch's iteration and stopping rules."""
import numpy as np

from ..autograd import enable_grad
from .line_search import strong_wolfe
from .optimizer import Optimizer, check


class LBFGS(Optimizer):
    """Limited-memory BFGS: each ``step(closure)`` runs up to ``max_iter`` quasi-Newton iterations,
    re-evaluating ``closure`` (which must clear the gradients, compute the loss, call backward and
    return the loss) after each one.

    Algorithm (PyTorch's): the direction d = -H g comes from the two-loop recursion over the last
    ``history_size`` pairs (s = t d, y = g_new - g_old, kept when y.s > 1e-10) with H0 = y.s / y.y;
    the first step is t = lr * min(1, 1 / sum|g|), later ones t = lr. Stops when max|g| <=
    tolerance_grad, g.d > -tolerance_change, max|t d| <= tolerance_change, the loss changes by
    less than tolerance_change, or after max_iter iterations / max_eval evaluations.

    Works on one parameter group. ``line_search_fn='strong_wolfe'`` picks each t by a strong-Wolfe
    line search (optim/line_search.py) instead of the fixed step.

    Example:
        >>> opt = optim.LBFGS(model.parameters(), lr=1, max_iter=20)
        >>> def closure():
        ...     opt.zero_grad(); loss = loss_fn(model(x), y); loss.backward(); return loss
        >>> opt.step(closure)
    """
    def __init__(self, params, lr=1.0, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
                 history_size=100, line_search_fn=None):
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe'; got {line_search_fn!r}")
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval or max_iter * 5 // 4,
                                      tolerance_grad=tolerance_grad, tolerance_change=tolerance_change,
                                      history_size=history_size, line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS works on one parameter group; pass model.parameters()")
        self._params = self.param_groups[0]["params"]

    def _validate(self, g):
        check("lr", g["lr"], strict=True, optimizer="LBFGS")
        for name in ("max_iter", "max_eval", "history_size"):
            check(name, g[name], 1, optimizer="LBFGS")

    def _flat_grad(self):
        return np.concatenate([np.zeros(p._data.size, np.float64) if p._grad is None
                               else p._grad._data.reshape(-1).astype(np.float64) for p in self._params])

    def _add(self, t, d):
        """p += t * d, d laid out as the concatenated parameters."""
        offset = 0
        for p in self._params:
            n = p._data.size
            p._data += (t * d[offset:offset + n]).reshape(p._data.shape).astype(p._data.dtype)
            p._vbox[0] += 1
            offset += n

    def _directional(self, evaluate, d):
        """(loss, flat gradient) at the parameters moved by t * d, which are then put back."""
        def at(t):
            start = [p._data.copy() for p in self._params]
            self._add(t, d)
            loss, g = float(evaluate()), self._flat_grad()
            for p, a in zip(self._params, start):
                p._data[...] = a
                p._vbox[0] += 1
            return loss, g
        return at

    def _update(self):
        raise ValueError("LBFGS.step needs a closure that re-evaluates the loss: opt.step(closure)")

    def step(self, closure=None):
        if closure is None:
            self._update()
        group = self.param_groups[0]
        state = self.state.setdefault(id(self._params[0]), {"func_evals": 0, "n_iter": 0})

        def evaluate():
            with enable_grad():
                return closure()
        orig_loss = evaluate()
        loss = float(orig_loss)
        evals = 1
        state["func_evals"] += 1
        g = self._flat_grad()
        if np.abs(g).max() <= group["tolerance_grad"]:
            return orig_loss
        tol = group["tolerance_change"]
        for n_iter in range(1, group["max_iter"] + 1):
            state["n_iter"] += 1
            d = self._direction(state, g, group["history_size"])
            state["prev_g"], prev_loss = g.copy(), loss
            t = min(1.0, 1.0 / np.abs(g).sum()) * group["lr"] if state["n_iter"] == 1 else group["lr"]
            state["d"], state["t"] = d, t
            if g.dot(d) > -tol:
                break
            if group["line_search_fn"] == "strong_wolfe":
                loss, g, t, n_evals = strong_wolfe(self._directional(evaluate, d), t, d, loss, g, g.dot(d),
                                                   max_ls=group["max_eval"] - evals)
                state["t"] = t
                self._add(t, d)
                evals += n_evals
                state["func_evals"] += n_evals
            else:
                self._add(t, d)
                if n_iter != group["max_iter"]:
                    loss = float(evaluate())
                    g = self._flat_grad()
                    evals += 1
                    state["func_evals"] += 1
            if (n_iter == group["max_iter"] or evals >= group["max_eval"] or np.abs(g).max() <= group["tolerance_grad"]
                    or np.abs(d * t).max() <= tol or abs(loss - prev_loss) < tol):
                break
        return orig_loss

    def _direction(self, state, g, history_size):
        """-H g by the two-loop recursion, after adding the last (s, y) pair to the history."""
        if state["n_iter"] == 1:
            state.update(old_dirs=[], old_stps=[], ro=[], H_diag=1.0)
            return -g
        y, s = g - state["prev_g"], state["d"] * state["t"]
        ys = y.dot(s)
        if ys > 1e-10:
            if len(state["old_dirs"]) == history_size:
                for k in ("old_dirs", "old_stps", "ro"):
                    state[k].pop(0)
            state["old_dirs"].append(y)
            state["old_stps"].append(s)
            state["ro"].append(1.0 / ys)
            state["H_diag"] = ys / y.dot(y)
        dirs, stps, ro = state["old_dirs"], state["old_stps"], state["ro"]
        al = [0.0] * len(dirs)
        q = -g
        for i in range(len(dirs) - 1, -1, -1):
            al[i] = stps[i].dot(q) * ro[i]
            q = q - al[i] * dirs[i]
        r = q * state["H_diag"]
        for i in range(len(dirs)):
            r = r + (al[i] - dirs[i].dot(r) * ro[i]) * stps[i]
        return r
