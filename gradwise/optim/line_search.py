"""Strong-Wolfe line search (Nocedal & Wright, Algorithms 3.5 and 3.6) with cubic interpolation,
as L-BFGS uses it; the bracketing and safeguarding rules are PyTorch's (after minFunc)."""
import math

import numpy as np


def cubic_minimum(t1, f1, d1, t2, f2, d2, bounds=None):
    """The minimiser of the cubic through (t1, f1) and (t2, f2) with slopes d1 and d2, clipped to
    ``bounds`` (default: between t1 and t2); the bounds' midpoint when the cubic has none."""
    lo, hi = bounds if bounds is not None else (min(t1, t2), max(t1, t2))
    a = d1 + d2 - 3 * (f1 - f2) / (t1 - t2)
    disc = a * a - d1 * d2
    if disc < 0:
        return (lo + hi) / 2.0
    b = math.sqrt(disc)
    if t1 <= t2:
        t = t2 - (t2 - t1) * ((d2 + b - a) / (d2 - d1 + 2 * b))
    else:
        t = t1 - (t1 - t2) * ((d1 + b - a) / (d1 - d2 + 2 * b))
    return min(max(t, lo), hi)


def strong_wolfe(evaluate, t, d, f0, g0, gtd0, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """A step t along d with sufficient decrease (f <= f0 + c1 t g0.d) and small slope
    (|g.d| <= c2 |g0.d|). ``evaluate(t)`` returns (loss, flat gradient) at x + t d.

    Returns (loss, gradient, t, number of evaluations). Points are (t, f, g, g.d) tuples.
    """
    d_norm = np.abs(d).max()
    too_high = lambda p: p[1] > f0 + c1 * p[0] * gtd0                           # noqa: E731
    flat_enough = lambda p: abs(p[3]) <= -c2 * gtd0                              # noqa: E731

    def at(step):
        f, g = evaluate(step)
        return step, f, g, g.dot(d)
    prev, point, evals, it = (0.0, f0, g0, gtd0), at(t), 1, 0
    bracket, done = None, False
    while it < max_ls:                         # bracketing: grow t until a minimum is enclosed
        if too_high(point) or (it > 1 and point[1] >= prev[1]):
            bracket = [prev, point]
            break
        if flat_enough(point):
            bracket, done = [point], True
            break
        if point[3] >= 0:
            bracket = [prev, point]
            break
        t_next = cubic_minimum(prev[0], prev[1], prev[3], point[0], point[1], point[3],
                               bounds=(point[0] + 0.01 * (point[0] - prev[0]), point[0] * 10))
        prev, point = point, at(t_next)
        evals, it = evals + 1, it + 1
    if it == max_ls:
        bracket = [(0.0, f0, g0, gtd0), point]
    low, high = (0, 1) if bracket[0][1] <= bracket[-1][1] else (1, 0)
    insufficient = False
    while not done and it < max_ls:            # zoom: shrink the bracket around the minimum
        t_lo, t_hi = sorted((bracket[0][0], bracket[1][0]))
        if (t_hi - t_lo) * d_norm < tolerance_change:
            break
        t = cubic_minimum(*bracket[0][:2], bracket[0][3], *bracket[1][:2], bracket[1][3])
        eps = 0.1 * (t_hi - t_lo)
        if min(t_hi - t, t - t_lo) < eps:      # too close to an end: move inside, unless progress is fine
            if insufficient or t >= t_hi or t <= t_lo:
                t = t_hi - eps if abs(t - t_hi) < abs(t - t_lo) else t_lo + eps
                insufficient = False
            else:
                insufficient = True
        else:
            insufficient = False
        point = at(t)
        evals, it = evals + 1, it + 1
        if too_high(point) or point[1] >= bracket[low][1]:
            bracket[high] = point
            low, high = (0, 1) if bracket[0][1] <= bracket[1][1] else (1, 0)
        else:
            if flat_enough(point):
                done = True
            elif point[3] * (bracket[high][0] - bracket[low][0]) >= 0:
                bracket[high] = bracket[low]
            bracket[low] = point
    t, f, g, _ = bracket[low]
    return f, g, t, evals
