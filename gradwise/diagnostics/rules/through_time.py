"""The span of a recurrent layer's hidden-state gradient: its norm at the first time step over the
last (recorded by the recurrent ops' backward when the doctor samples a step)."""

def _span(norms):
    first, last = norms[0], norms[-1]
    return max(first / last, 1e-300) if last > 0 else float("inf")
