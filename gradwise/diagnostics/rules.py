"""The doctor's rules: from statistics to findings, with the thresholds and where they come from.

- Update/weight ratio: healthy near 1e-3; far below (< 1e-5) the learning rate is too low, far
  above (> 1e-1) too high (Karpathy, CS231n "Neural Networks Part 3", babysitting the learning).
- Dead ReLUs: a unit never active over the last 5 sampled batches gets no gradient; CS231n warns
  that "as much as 40%" of a network can die with a high learning rate. 40% of a layer's units is
  reported as info (PyTorch-default LeNet-5 dense layers sit near 45% and train well), 60% as a
  warning.
- Saturation: sigmoid/tanh units in their flat region pass almost no gradient (Glorot & Bengio,
  2010). Threshold: half of a layer's units flat on 90% of their inputs.
- Vanishing gradients: the gradient RMS of the first layer is 1e-3 (warning) or 1e-5
  (critical) of the last layer's (Hochreiter 1991; Glorot & Bengio 2010).
- Exploding gradients (Pascanu et al., 2013): non-finite gradients, a layer's gradient 10x its
  weights, or a gradient norm 100x its recent median, at once; gradient norms doubling (or the
  weight norm growing 1.5x) at three samples in a row, with patience.
- Inputs: features should be roughly zero-mean, unit-variance (LeCun et al., "Efficient
  BackProp", 1998); flagged when |mean| or std exceed 10, or std is below 1e-3.
- Initial loss: a classifier starts near ln(K) (CS231n); flagged above 2 ln(K).
- Class imbalance: flagged when the largest class is 10x the smallest.
- Oscillating loss (learning rate too high): over 30 steps, no improvement, the loss still above
  half its start, and a coefficient of variation above 0.3.
"""
import math

import numpy as np

from .. import nn
from .findings import Finding

UPDATE_LOW, UPDATE_HIGH = 1e-5, 1e-1
DEAD_FRACTION, DEAD_MAJORITY = 0.4, 0.6
SATURATED_FRACTION = 0.5
VANISH_WARN, VANISH_CRIT = 1e-3, 1e-5
SPIKE_FACTOR = 10.0             # gradient norm / weight norm of a layer: an explosion at once
SPIKE_MEDIAN = 100.0            # total gradient norm / recent median: a spike of two orders of magnitude
GROWTH, WEIGHT_GROWTH = 2.0, 1.5    # per-sample growth that, three samples in a row, is exponential
MEANINGFUL_WEIGHT = 1e-3        # weight RMS below this (e.g. all-zero init): ratios to it are not used
GRAD_PRESENT = 1e-4             # gradient RMS / weight RMS above this: the gradient is not negligible
INPUT_SCALE = 10.0
IMBALANCE = 10.0
OSCILLATION_WINDOW, OSCILLATION_CV = 30, 0.3


# ----- before the first step ---------------------------------------------------------------
def preflight(model, x, y, out, loss_value, labels, is_classifier):
    """Findings about the data, the labels and the initial weights, from the first batch."""
    found = []
    xs = np.asarray(x, dtype=np.float64)
    if not np.isfinite(xs).all():
        found.append(Finding("nonfinite_inputs", "critical", "", 0, {"nonfinite": int((~np.isfinite(xs)).sum())},
                             "The input batch contains NaN or infinite values; every gradient computed from them "
                             "will be NaN.", "Clean or impute the data before training."))
    elif xs.size and np.issubdtype(np.asarray(x).dtype, np.floating):
        mean, std = float(xs.mean()), float(xs.std())
        if abs(mean) > INPUT_SCALE or std > INPUT_SCALE or std < 1e-3:
            found.append(Finding(
                "unscaled_inputs", "warning", "", 0, {"mean": mean, "std": std},
                f"The inputs have mean {mean:.3g} and standard deviation {std:.3g}. Unscaled inputs make the first "
                f"layer's pre-activations huge (or tiny), which saturates units and forces a tiny learning rate.",
                "Standardise each feature to mean 0 and standard deviation 1 (or scale pixels to [0, 1])."))
    if is_classifier and out.ndim == 2 and np.issubdtype(np.asarray(y).dtype, np.integer):
        k = out.shape[1]
        ys = np.asarray(y)
        if ys.size and (ys.min() < 0 or ys.max() >= k):
            found.append(Finding(
                "labels_out_of_range", "critical", "", 0, {"min_label": int(ys.min()), "max_label": int(ys.max()),
                                                           "outputs": k},
                f"Labels run from {ys.min()} to {ys.max()}, but the output layer has {k} units (classes 0 to "
                f"{k - 1}).", f"Give the last layer {int(ys.max()) + 1} outputs, or map the labels to 0..{k - 1}."))
        if loss_value is not None and k > 1 and loss_value > 2 * math.log(k):
            found.append(Finding(
                "initial_loss_too_high", "warning", "", 0, {"initial_loss": loss_value, "ln_k": math.log(k)},
                f"The initial loss is {loss_value:.3g}, far above ln({k}) = {math.log(k):.3g}, the loss of a model "
                f"that guesses uniformly. The initial outputs are confidently wrong.",
                "Use the default initialisation for the output layer (or scale its weights down), and scale the "
                "inputs."))
    if labels is not None and is_classifier:
        counts = np.bincount(np.asarray(labels, dtype=np.int64).reshape(-1).clip(0))
        counts = counts[counts > 0]
        if len(counts) > 1 and counts.max() >= IMBALANCE * counts.min():
            found.append(Finding(
                "class_imbalance", "warning", "", 0, {"largest": int(counts.max()), "smallest": int(counts.min())},
                f"The largest class has {counts.max()} samples and the smallest {counts.min()}: the model can score "
                f"well by ignoring the rare classes.", "Weight the loss (CrossEntropyLoss(weight=...)), resample "
                "the rare classes, and watch precision, recall and F1 rather than accuracy."))
    found += _symmetric(model)
    for name, m in model.named_modules():
        if isinstance(m, nn.Step):
            found.append(Finding(
                "step_activation", "warning", name, 0, {},
                "A step activation has a zero gradient everywhere, so no layer below it can learn by "
                "backpropagation.", "Use sigmoid or ReLU (the perceptron rule, not backpropagation, trains step "
                "units)."))
    return found


def _symmetric(model):
    found = []
    for name, m in model.named_modules():
        w = m._parameters.get("weight") if name else None
        if w is None or w.ndim < 2 or isinstance(m, (nn.Embedding,)):
            continue
        rows = w._data.reshape(w.shape[0], -1)
        if rows.shape[0] > 1 and np.all(rows == rows[0]):
            what = "all zero" if not rows.any() else "constant" if np.all(rows == rows.flat[0]) else "identical rows"
            found.append(Finding(
                "symmetric_initialization", "critical", name, 0, {"weights": what},
                f"The weights of {name} are {what}: every unit computes the same output and receives the same "
                f"gradient, so the units stay identical forever and the layer acts like a single unit.",
                "Initialise with small random values (the layer's default, or nn.init.kaiming_normal_ for ReLU, "
                "xavier_uniform_ for tanh/sigmoid)."))
    return found


# ----- on sampled steps --------------------------------------------------------------------
def step_signals(step, grads, ratios, acts, monitor, grad_history):
    """(Finding, immediate) pairs for this sampled step; plus the (code, layer) keys that were quiet."""
    signals, quiet = [], []
    bad = [n for n, s in grads.items() if s["nonfinite_grad"] or s["nonfinite_weight"]]
    if bad:
        first = monitor.ordered(bad)
        signals.append((Finding(
            "exploding_gradients", "critical", ", ".join(first), step,
            {"layers": first}, "Gradients or weights became NaN or infinite: they exploded.",
            "Lower the learning rate, clip gradients (clip_grad_norm_), and check for log(0) or division by zero "
            "(run under gw.detect_anomaly())."), True))
        return signals, quiet
    total = float(np.sqrt(sum(s["grad_norm"] ** 2 for s in grads.values())))
    weight_total = float(np.sqrt(sum(s["weight_norm"] ** 2 for s in grads.values())))
    recent = grad_history[-10:]
    median = float(np.median([g for g, _ in recent])) if len(recent) >= 5 else None
    ratio = {n: s["grad_norm"] / s["weight_norm"] for n, s in grads.items() if s["weight_rms"] > MEANINGFUL_WEIGHT}
    over = monitor.ordered([n for n, r in ratio.items() if r > SPIKE_FACTOR])
    spike = bool(median) and total > SPIKE_MEDIAN * median
    chain = grad_history[-2:] + [(total, weight_total)]
    # growth matters once the gradient is comparable to the weights (not while climbing from ~0), and
    # weight growth once the weights exceed where they started
    growing = (len(chain) == 3 and total > 0.1 * weight_total
               and all(b[0] >= GROWTH * a[0] for a, b in zip(chain, chain[1:])))
    start = grad_history[0][1] if grad_history else 0.0
    weights_growing = (len(chain) == 3 and start > 0 and chain[0][1] > start
                       and all(b[1] >= WEIGHT_GROWTH * a[1] for a, b in zip(chain, chain[1:])))
    if over or spike or growing or weights_growing:
        worst = max((ratio[n] for n in over), default=0.0)
        parts = [f"the gradient norm is {total:.3g}"]
        if spike:
            parts.append(f"{total / median:.3g}x its recent median")
        if over:
            parts.append(f"in {over[0]} the gradient is {worst:.3g}x the size of the weights")
        if growing:
            parts.append("it has at least doubled at each of the last samples")
        if weights_growing:
            parts.append(f"the weight norm grows by {WEIGHT_GROWTH}x or more per sample ({weight_total:.3g} now)")
        signals.append((Finding(
            "exploding_gradients", "critical" if worst > 1e3 else "warning", ", ".join(over), step,
            {"grad_norm": total, "recent_median": median, "grad_over_weight": {n: ratio[n] for n in over},
             "weight_norm": weight_total},
            "; ".join(parts).capitalize() + ". Steps this large throw the weights far from where they were (in an "
            "RNN, back-propagation through many time steps multiplies by the recurrent weights again and again).",
            "Clip the gradient norm (Trainer(clip_grad_norm=1.0) or optim.clip_grad_norm_), lower the learning "
            "rate; for RNNs also consider LSTM/GRU or smaller recurrent weights."), bool(over or spike)))
    else:
        quiet.append(("exploding_gradients", None))
    grad_history.append((total, weight_total))
    signals += _vanishing(step, grads, ratios, monitor, quiet)
    signals += _learning_rate(step, grads, ratios, quiet)
    for name, s in acts.items():
        if s["kind"] == "relu" and s["dead_fraction"] >= DEAD_FRACTION:
            severity = "warning" if s["dead_fraction"] >= DEAD_MAJORITY else "info"
            signals.append((Finding(
                "dead_relus", severity, name, step, {"dead_fraction": s["dead_fraction"]},
                f"{s['dead_fraction']:.0%} of the units of {name} output zero for every sample of the last 5 sampled "
                f"batches: dead ReLUs get no gradient and never recover.",
                "Lower the learning rate, initialise biases at 0 (or slightly positive) with He initialisation, or "
                "use LeakyReLU/ELU."), False))
        elif s["kind"] == "relu":
            quiet.append(("dead_relus", name))
        elif s.get("saturated_fraction", 0) >= SATURATED_FRACTION:
            signals.append((Finding(
                "saturated_units", "warning", name, step, {"saturated_fraction": s["saturated_fraction"]},
                f"{s['saturated_fraction']:.0%} of the {s['kind']} units of {name} sit in their flat region, where "
                f"the derivative is nearly 0: little gradient passes through them.",
                "Scale the inputs, use Xavier initialisation, add batch normalisation before the activation, or "
                "switch to ReLU."), False))
        else:
            quiet.append(("saturated_units", name))
    return signals, quiet


def _vanishing(step, grads, ratios, monitor, quiet):
    order = monitor.ordered(list(grads))
    if len(order) < 3:
        return []
    top = grads[order[-1]]["grad_rms"]
    if top <= 0:
        return []
    rel = {n: grads[n]["grad_rms"] / top for n in order}
    low = [n for n in order[:-1] if rel[n] < VANISH_WARN]
    if rel[order[0]] >= VANISH_WARN or not low:
        quiet.append(("vanishing_gradients", None))
        return []
    severity = "critical" if rel[order[0]] < VANISH_CRIT else "warning"
    orders = -math.log10(max(rel[order[0]], 1e-300))
    return [(Finding(
        "vanishing_gradients", severity, ", ".join(low[:3]) + (f" and {len(low) - 3} more" if len(low) > 3 else ""),
        step, {"relative_grad_rms": {n: rel[n] for n in order}, "update_ratio": {n: ratios.get(n) for n in order}},
        f"The gradient shrinks by {orders:.1f} orders of magnitude from the output layer {order[-1]} to the input "
        f"layer {order[0]}: the lowest layers barely change (update/weight ratio "
        f"{ratios.get(order[0], float('nan')):.2g} against {ratios.get(order[-1], float('nan')):.2g} at the top).",
        "Use ReLU-family activations with He initialisation (nn.init.kaiming_normal_), add batch normalisation or "
        "residual connections, or make the network shallower."), False)]


def _learning_rate(step, grads, ratios, quiet):
    # ratios against (near) zero weights say nothing about the step size
    finite = [r for n, r in ratios.items() if math.isfinite(r) and grads[n]["weight_rms"] > MEANINGFUL_WEIGHT]
    if not finite:
        return []
    top, median = max(finite), float(np.median(finite))
    # tiny updates only mean a tiny learning rate when the gradient itself is not negligible
    # (dead or vanishing layers have tiny updates at any learning rate)
    gradient_present = max(g["grad_rms"] / g["weight_rms"] for g in grads.values()
                           if g["weight_rms"] > MEANINGFUL_WEIGHT) > GRAD_PRESENT
    if top < UPDATE_LOW and gradient_present:
        return [(Finding(
            "learning_rate_too_low", "warning", "", step, {"max_update_ratio": top},
            f"The largest update/weight ratio is {top:.2g} (healthy is about 1e-3): the weights hardly move, and "
            f"training will crawl.", "Raise the learning rate by 10-100x, or run trainer.find_lr(data)."), False)]
    if median > UPDATE_HIGH:
        return [(Finding(
            "learning_rate_too_high", "warning", "", step, {"median_update_ratio": median},
            f"The median update/weight ratio is {median:.2g} (healthy is about 1e-3): each step rewrites a large part "
            f"of the weights.", "Lower the learning rate by 10x, or run trainer.find_lr(data)."), False)]
    quiet += [("learning_rate_too_low", None), ("learning_rate_too_high", None)]
    return []


# ----- every step --------------------------------------------------------------------------
def divergence(step, loss, first_loss, smooth):
    """A Finding when the loss is non-finite or has grown far above where it started."""
    if not math.isfinite(loss):
        return Finding("diverging_loss", "critical", "", step, {"loss": str(loss)},
                       "The loss became NaN or infinite: training diverged.",
                       "Lower the learning rate (a 10x lower value is a good start), clip gradients, and run under "
                       "gw.detect_anomaly() to see the first operation that failed.")
    if first_loss is not None and smooth is not None and smooth > 3 * max(first_loss, 1e-8) and step >= 10:
        return Finding("diverging_loss", "warning", "", step, {"first_loss": first_loss, "smoothed_loss": smooth},
                       f"The loss has grown from {first_loss:.3g} to {smooth:.3g}: training is diverging.",
                       "Lower the learning rate.")
    return None


def oscillation(step, losses, first_loss):
    """A Finding when the recent losses swing widely without going down (the learning rate
    overshoots the minimum back and forth). Conservative: a trained model's mini-batch losses
    are noisy too, so the loss must still be above half of where it started."""
    if len(losses) < OSCILLATION_WINDOW or first_loss is None:
        return None
    recent = np.asarray(losses[-OSCILLATION_WINDOW:])
    half = len(recent) // 2
    mean = float(recent.mean())
    not_improving = recent[half:].mean() >= 0.98 * recent[:half].mean()
    swing = float(recent.std()) / max(mean, 1e-12)
    if not_improving and mean > 0.5 * first_loss and swing > OSCILLATION_CV:
        return Finding("learning_rate_too_high", "warning", "", step,
                       {"recent_mean_loss": mean, "coefficient_of_variation": swing},
                       f"Over the last {len(recent)} steps the loss swings by {swing:.0%} around {mean:.3g} without "
                       f"going down: the steps overshoot the minimum back and forth.",
                       "Lower the learning rate (or add a decaying schedule), or use a larger batch.")
    return None


# ----- every epoch -------------------------------------------------------------------------
def epoch_signals(epochs, n_classes):
    """Overfitting (validation loss rising while training loss falls) and underfitting."""
    out = []
    val = [e.get("val_loss") for e in epochs]
    if len(epochs) >= 4 and all(v is not None for v in val):
        best = int(np.argmin(val))
        rising = len(val) - 1 - best
        if rising >= 3 and val[-1] > val[best] * 1.05 and epochs[-1]["loss"] < epochs[best]["loss"]:
            out.append(Finding(
                "overfitting", "warning", "", best + 2, {"best_epoch": best + 1, "best_val_loss": val[best],
                                                         "val_loss": val[-1], "loss": epochs[-1]["loss"]},
                f"Since epoch {best + 2} the validation loss has risen from {val[best]:.3g} to {val[-1]:.3g} while "
                f"the training loss kept falling to {epochs[-1]['loss']:.3g}: the model memorises the training "
                f"set.", "Stop earlier (EarlyStopping(restore_best_weights=True)), add dropout or weight decay "
                "(L2), augment or add data, or use a smaller model."))
    acc = [e.get("accuracy") for e in epochs]
    if n_classes and len(epochs) >= 3 and all(a is not None for a in acc[-3:]) and acc[-1] <= 1 / n_classes + 0.05:
        out.append(Finding(
            "underfitting", "warning", "", len(epochs), {"accuracy": acc[-1], "chance": 1 / n_classes},
            f"After {len(epochs)} epochs the training accuracy is {acc[-1]:.3f}, about chance (1/{n_classes}): the "
            f"model is not learning.", "Check the labels and the inputs, raise the learning rate (trainer.find_lr), "
            "or use a larger model."))
    return out
