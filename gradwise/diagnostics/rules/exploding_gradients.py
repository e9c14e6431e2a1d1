import math
import statistics

from .base import Rule

PASCANU = "Pascanu, Mikolov & Bengio, On the difficulty of training RNNs (2013)"


class ExplodingGradients(Rule):
    """Non-finite gradients or weights, gradients far larger than the weights, a spike over the
    recent median, or norms growing geometrically."""
    code, scope = "exploding_gradients", "layer"
    thresholds = {"grad_over_weight": (10.0, f"{PASCANU}: a gradient 10x its weights is an explosion at once"),
                  "spike": (100.0, f"{PASCANU}: two orders of magnitude over the recent median norm"),
                  "growth": (2.0, "norms doubling at three samples in a row grow exponentially"),
                  "weight_growth": (1.5, "the weight norm growing 1.5x per sample, three samples in a row"),
                  "meaningful_weight": (1e-3, "weight RMS below this (e.g. all-zero init): ratios to it say nothing"),
                  "critical": (1e3, "a gradient 1000x its weights")}

    def check(self, rec):
        grads, step, history = rec.grads, rec.step, rec.grad_history
        bad = [n for n, s in grads.items() if s["nonfinite_grad"] or s["nonfinite_weight"]]
        if bad:
            first = rec.ordered(bad)
            return [self.finding("critical", ", ".join(first), step, {"layers": first},
                                 "Gradients or weights became NaN or infinite: they exploded.",
                                 "Lower the learning rate, clip gradients (clip_grad_norm_), and check for log(0) or "
                                 "division by zero (run under gw.detect_anomaly()).", immediate=True)]
        total = math.sqrt(sum(s["grad_norm"] ** 2 for s in grads.values()))
        weight_total = math.sqrt(sum(s["weight_norm"] ** 2 for s in grads.values()))
        recent = history[-10:]
        median = statistics.median([g for g, _ in recent]) if len(recent) >= 5 else None
        ratio = {n: s["grad_norm"] / s["weight_norm"] for n, s in grads.items()
                 if s["weight_rms"] > self.limit("meaningful_weight")}
        over = rec.ordered([n for n, r in ratio.items() if r > self.limit("grad_over_weight")])
        spike = bool(median) and total > self.limit("spike") * median
        chain = history[-2:] + [(total, weight_total)]
        # growth matters once the gradient is comparable to the weights (not while climbing from ~0),
        # and weight growth once the weights exceed where they started
        growing = (len(chain) == 3 and total > 0.1 * weight_total
                   and all(b[0] >= self.limit("growth") * a[0] for a, b in zip(chain, chain[1:])))
        start = history[0][1] if history else 0.0
        weights_growing = (len(chain) == 3 and start > 0 and chain[0][1] > start
                           and all(b[1] >= self.limit("weight_growth") * a[1] for a, b in zip(chain, chain[1:])))
        if not (over or spike or growing or weights_growing):
            return []
        worst = max((ratio[n] for n in over), default=0.0)
        parts = [f"the gradient norm is {total:.3g}"]
        if spike:
            parts.append(f"{total / median:.3g}x its recent median")
        if over:
            parts.append(f"in {over[0]} the gradient is {worst:.3g}x the size of the weights")
        if growing:
            parts.append("it has at least doubled at each of the last samples")
        if weights_growing:
            parts.append(f"the weight norm grows by {self.limit('weight_growth')}x or more per sample "
                         f"({weight_total:.3g} now)")
        return [self.finding(
            "critical" if worst > self.limit("critical") else "warning", ", ".join(over), step,
            {"grad_norm": total, "recent_median": median, "grad_over_weight": {n: ratio[n] for n in over},
             "weight_norm": weight_total},
            "; ".join(parts).capitalize() + ". Steps this large throw the weights far from where they were (in an "
            "RNN, back-propagation through many time steps multiplies by the recurrent weights again and again).",
            "Clip the gradient norm (Trainer(clip_grad_norm=1.0) or nn.utils.clip_grad_norm_), lower the learning "
            "rate; for RNNs also consider LSTM/GRU or smaller recurrent weights.", immediate=bool(over or spike))]
