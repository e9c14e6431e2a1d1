"""The span of a recurrent layer's hidden-state gradient: its norm at the first time step over the
last (recorded by the recurrent ops' backward when the doctor samples a step)."""

def _span(norms):
    first, last = norms[0], norms[-1]
    return max(first / last, 1e-300) if last > 0 else float("inf")


def long_spans(rule, rec):
    """(layer, span, steps) of each recurrent layer recorded over at least the rule's ``steps``
    time steps; None when the step recorded none (nothing to judge)."""
    if not rec.time_grads:
        return None
    return [(name, _span(norms), len(norms)) for name, norms in rec.time_grads.items()
            if len(norms) >= rule.limit("steps")]
