"""Statistics of a training step, per layer: gradient and weight norms, update/weight ratios,
and activation health (dead ReLU units, saturated sigmoid/tanh units).

Everything here runs only on sampled steps; activation hooks exist only during those steps.
"""
from collections import deque

import numpy as np

from .. import nn

# flat regions: sigmoid'(z) < 0.018 for |z| > 4; tanh'(z) < 0.071 for |z| > 2
SIGMOID_FLAT = 0.018            # output within this of 0 or 1
TANH_FLAT = 0.964               # |output| above this
UNIT_SATURATED = 0.9            # a unit is saturated when this fraction of its outputs is flat
DEAD_WINDOW = 5                 # a ReLU unit is dead when inactive on all of the last 5 sampled batches


def _norm(arrays):
    total = 0.0
    for a in arrays:
        v = a.ravel(order="K")      # memory order: no copy for transposed (F-ordered) gradients
        total += float(np.dot(v, v))
    return float(np.sqrt(total))


def _weights(module):
    """The parameters a layer's statistics describe: its ``weight`` (biases can start at zero and
    say little about scale), or all of them for layers without one (RNNs)."""
    w = module._parameters.get("weight")
    return [w] if w is not None else [p for p in module._parameters.values() if p is not None]


class LayerMonitor:
    """Watches the parameterised layers and activation modules of ``model``."""
    def __init__(self, model):
        self.model = model
        self.layers = [(n, m) for n, m in model.named_modules()
                       if n and any(p is not None for p in m._parameters.values())]
        self.activations = [(n, m) for n, m in model.named_modules()
                            if isinstance(m, (nn.ReLU, nn.Sigmoid, nn.Tanh))]
        self.order = None               # layer names in forward (input-to-output) order
        self._handles, self._seen, self.act_stats = [], [], {}
        self._active, self._outputs = {}, {}
        self.unit_reduce = None         # under mpiexec: per-unit statistics over all ranks' batches

    # ----- forward -----------------------------------------------------------------------
    def start(self):
        """Install hooks for one sampled step."""
        self._seen, self.act_stats, self._outputs = [], {}, {}
        for name, module in self.layers:
            self._handles.append(module.register_forward_hook(
                lambda m, inp, out, name=name: self._seen.append(name)))
        for name, module in self.activations:
            self._handles.append(module.register_forward_hook(
                lambda m, inp, out, name=name: self._activation(name, m, out)))

    @property
    def running(self):
        return bool(self._handles)

    def mark_output(self, out):
        """Flag the activation whose output is the model's output (an output sigmoid may saturate)."""
        for name, o in self._outputs.items():
            if o is out and name in self.act_stats:
                self.act_stats[name]["is_output"] = True
        self._outputs = {}

    def stop(self):
        for h in self._handles:
            h.remove()
        self._handles = []
        if self._seen and self.order is None:
            self.order = list(dict.fromkeys(self._seen))

    def _activation(self, name, module, out):
        a = out._data
        if a.ndim < 2 or name in self.act_stats:
            return
        self._outputs[name] = out
        axes = (0,) + tuple(range(2, a.ndim))       # unit = feature or channel
        if isinstance(module, nn.ReLU):
            # dead = inactive for every sample of the last DEAD_WINDOW sampled batches
            window = self._active.setdefault(name, deque(maxlen=DEAD_WINDOW))
            active = (a > 0).any(axis=axes)
            window.append(active if self.unit_reduce is None else self.unit_reduce(active, "any"))
            alive = np.logical_or.reduce(list(window)) if len(window) == DEAD_WINDOW else None
            self.act_stats[name] = {"kind": "relu", "batch_dead_fraction": float((~window[-1]).mean()),
                                    "dead_fraction": float((~alive).mean()) if alive is not None else 0.0}
        else:
            flat = (np.abs(a - 0.5) > 0.5 - SIGMOID_FLAT) if isinstance(module, nn.Sigmoid) else (np.abs(a) > TANH_FLAT)
            share = flat.mean(axis=axes)
            units = (share if self.unit_reduce is None else self.unit_reduce(share, "mean")) >= UNIT_SATURATED
            self.act_stats[name] = {"kind": type(module).__name__.lower(),
                                    "saturated_fraction": float(units.mean())}

    # ----- gradients and updates ---------------------------------------------------------
    def gradients(self):
        """Per layer: gradient norm and RMS, weight norm and RMS, and whether anything is non-finite."""
        out = {}
        for name, m in self.layers:
            params = _weights(m)
            grads = [p._grad._data for p in params if p._grad is not None]
            size = sum(p._data.size for p in params)
            g, w = _norm(grads), _norm([p._data for p in params])
            # a norm is finite exactly when every element is (or it overflowed, which is as bad): no extra scan
            out[name] = {"grad_norm": g, "grad_rms": g / np.sqrt(size), "weight_norm": w,
                         "weight_rms": w / np.sqrt(size),
                         "nonfinite_grad": not np.isfinite(g), "nonfinite_weight": not np.isfinite(w)}
        return out

    def snapshot(self):
        return {name: [p._data.copy() for p in _weights(m)] for name, m in self.layers}

    def update_ratios(self, before, grads):
        """||w_new - w_old|| / ||w_old|| per layer (Karpathy's update/weight ratio, ~1e-3 is healthy).
        ``before`` (the snapshot) is overwritten with the differences; ``grads`` gives ||w_old||."""
        ratios = {}
        for name, m in self.layers:
            old = before[name]
            for p, o in zip(_weights(m), old):
                np.subtract(p._data, o, out=o)
            denom = grads[name]["weight_norm"]
            ratios[name] = _norm(old) / denom if denom > 0 else float("inf")
        return ratios

    def ordered(self, names):
        """``names`` sorted input-to-output (by the recorded forward order, else registration)."""
        order = self.order or [n for n, _ in self.layers]
        rank = {n: i for i, n in enumerate(order)}
        return sorted(names, key=lambda n: rank.get(n, len(rank)))
