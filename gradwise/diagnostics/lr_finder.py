"""The learning-rate range test (Smith, 2017): raise the learning rate exponentially over a few
hundred steps, watch the loss, and suggest a value."""
import math

import numpy as np

from ..data import DataLoader
from ..errors import NumericsError


class LRFinderResult:
    """lrs and smoothed losses of the range test, and the suggested learning rate."""
    def __init__(self, lrs, losses, suggestion):
        self.lrs, self.losses, self.suggestion = lrs, losses, suggestion

    def __repr__(self):
        return f"LRFinderResult(suggestion={self.suggestion:.3g}, {len(self.lrs)} steps)"


def find_lr(trainer, data, start_lr=1e-7, end_lr=10.0, num_iter=100, batch_size=32, smoothing=0.05,
            diverge=4.0, skip=0.1):
    """Run the range test and restore the model and optimizer afterwards.

    The suggestion is the learning rate where the smoothed loss falls fastest (steepest negative
    slope against log lr), ignoring the first ``skip`` fraction of the steps, whose early spikes
    mislead; it is capped at a tenth of the rate with the lowest loss.
    """
    model, opt = trainer.model, trainer.optimizer
    saved_model = {k: v.clone() for k, v in model.state_dict().items()}
    saved_opt = opt.state_dict()
    saved_lrs = [g["lr"] for g in opt.param_groups]
    loader = DataLoader(data, batch_size, shuffle=True, seed=trainer.seed)
    factor = (end_lr / start_lr) ** (1 / max(num_iter - 1, 1))
    lrs, losses, avg, best = [], [], None, math.inf
    model.train()
    try:
        step = 0
        while step < num_iter:
            for x, y, *_ in loader.batches(step):
                lr = start_lr * factor ** step
                for g in opt.param_groups:
                    g["lr"] = lr
                loss = trainer.loss_fn(model(x), y)
                opt.zero_grad()
                loss.backward()
                opt.step()
                value = loss.item()
                if not math.isfinite(value):
                    step = num_iter
                    break
                avg = value if avg is None else (1 - smoothing) * avg + smoothing * value
                lrs.append(lr)
                losses.append(avg)
                best = min(best, avg)
                step += 1
                if avg > diverge * best or step >= num_iter:
                    step = num_iter
                    break
    finally:
        model.load_state_dict(saved_model)
        opt.load_state_dict(saved_opt)
        for g, lr in zip(opt.param_groups, saved_lrs):
            g["lr"] = lr
    if len(lrs) < 5:
        raise NumericsError(f"find_lr: the loss diverged after {len(lrs)} steps; lower start_lr")
    first = max(int(len(lrs) * skip), 1)
    slopes = np.gradient(np.asarray(losses[first:]), np.log(lrs[first:]))
    steepest = lrs[first + int(np.argmin(slopes))]
    lowest = lrs[int(np.argmin(losses))]
    return LRFinderResult(lrs, losses, float(min(steepest, lowest / 10)))
