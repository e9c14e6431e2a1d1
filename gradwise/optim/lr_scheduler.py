"""Learning-rate schedules (PyTorch's names and formulas). Call ``step()`` once per epoch
(OneCycleLR: once per batch; ReduceLROnPlateau: ``step(metric)``)."""
import math
import weakref

from .optimizer import check
from ..errors import ArgumentError


def _attach(optimizer, schedule):
    """Let the optimizer know its schedules (weakly), so the doctor can name the one that set the lr."""
    optimizer.__dict__.setdefault("_schedulers", []).append(weakref.ref(schedule))


class _State:
    """state_dict / load_state_dict of a schedule: its numbers (JSON-safe), not the optimizer."""
    def state_dict(self):
        return {k: v for k, v in vars(self).items() if k != "optimizer"}

    def load_state_dict(self, state):
        self.__dict__.update(state)

    def get_last_lr(self):
        return [g["lr"] for g in self.optimizer.param_groups]


class LRScheduler(_State):
    """Base: remembers each group's initial lr and sets ``group["lr"] = get_lr()`` on every step."""
    def __init__(self, optimizer, last_epoch=-1):
        self.optimizer = optimizer
        _attach(optimizer, self)
        for g in optimizer.param_groups:
            g.setdefault("initial_lr", g["lr"])
        self.base_lrs = [g["initial_lr"] for g in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.step()

    def get_lr(self):
        raise NotImplementedError

    def step(self):
        self.last_epoch += 1
        for g, lr in zip(self.optimizer.param_groups, self.get_lr()):
            g["lr"] = lr



class StepLR(LRScheduler):
    """lr = base_lr * gamma ** (epoch // step_size)."""
    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        self.step_size, self.gamma = int(check("step_size", step_size, strict=True, optimizer="StepLR")), gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [b * self.gamma ** (self.last_epoch // self.step_size) for b in self.base_lrs]


class ExponentialLR(LRScheduler):
    """lr = base_lr * gamma ** epoch."""
    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = check("gamma", gamma, strict=True, optimizer="ExponentialLR")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [b * self.gamma ** self.last_epoch for b in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2 (Loshchilov & Hutter)."""
    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        self.T_max, self.eta_min = check("T_max", T_max, strict=True, optimizer="CosineAnnealingLR"), eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        c = (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
        return [self.eta_min + (b - self.eta_min) * c for b in self.base_lrs]


class LinearLR(LRScheduler):
    """Linear warm-up: the factor on base_lr goes from start_factor to end_factor over total_iters
    steps, then stays. ``LinearLR(opt, start_factor=0.1, total_iters=5)`` warms up over 5 epochs."""
    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5, last_epoch=-1):
        check("start_factor", start_factor, strict=True, high=1.0 + 1e-12, optimizer="LinearLR")
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        t = min(self.last_epoch, self.total_iters) / self.total_iters if self.total_iters else 1.0
        factor = self.start_factor + (self.end_factor - self.start_factor) * t
        return [b * factor for b in self.base_lrs]


LinearWarmup = LinearLR


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin): lr rises from max_lr/div_factor to max_lr over the first
    pct_start of the steps, then anneals to max_lr/(div_factor*final_div_factor); momentum (or
    Adam's beta1) moves the opposite way. Step once per batch."""
    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None, pct_start=0.3,
                 anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85, max_momentum=0.95,
                 div_factor=25.0, final_div_factor=1e4, last_epoch=-1):
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise ArgumentError("OneCycleLR: give total_steps, or epochs and steps_per_epoch")
            total_steps = epochs * steps_per_epoch
        if anneal_strategy not in ("cos", "linear"):
            raise ArgumentError(f"OneCycleLR: anneal_strategy must be 'cos' or 'linear'; got {anneal_strategy!r}")
        self.total_steps, self.anneal_strategy = int(total_steps), anneal_strategy
        self.peak = float(pct_start * self.total_steps) - 1
        groups = optimizer.param_groups
        max_lrs = list(max_lr) if isinstance(max_lr, (list, tuple)) else [max_lr] * len(groups)
        for g, m in zip(groups, max_lrs):
            g["initial_lr"], g["max_lr"] = m / div_factor, m
            g["min_lr"] = g["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum and any("momentum" in g or "betas" in g for g in groups)
        self.base_momentum, self.max_momentum = base_momentum, max_momentum
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start, end, pct):
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self):
        t = self.last_epoch
        if t >= self.total_steps:
            raise ArgumentError(f"OneCycleLR stepped {t + 1} times but total_steps is {self.total_steps}")
        lrs = []
        for g in self.optimizer.param_groups:
            if t <= self.peak:
                pct, lr_ends, mom_ends = t / self.peak, (g["initial_lr"], g["max_lr"]), (self.max_momentum,
                                                                                          self.base_momentum)
            else:
                pct = (t - self.peak) / (self.total_steps - 1 - self.peak)
                lr_ends, mom_ends = (g["max_lr"], g["min_lr"]), (self.base_momentum, self.max_momentum)
            lrs.append(self._anneal(*lr_ends, pct))
            if self.cycle_momentum:
                m = self._anneal(*mom_ends, pct)
                if "betas" in g:
                    g["betas"] = (m, g["betas"][1])
                else:
                    g["momentum"] = m
        return lrs


class ReduceLROnPlateau(_State):
    """Multiply lr by ``factor`` when a monitored metric stops improving for ``patience`` epochs.

    Call ``step(metric)`` after each validation, e.g. ``scheduler.step(val_loss)``.
    """
    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                 cooldown=0, min_lr=0.0, eps=1e-8):
        if mode not in ("min", "max") or threshold_mode not in ("rel", "abs"):
            raise ArgumentError("ReduceLROnPlateau: mode is 'min' or 'max', threshold_mode 'rel' or 'abs'")
        check("factor", factor, high=1.0, optimizer="ReduceLROnPlateau")
        self.optimizer = optimizer
        _attach(optimizer, self)
        self.mode, self.factor, self.patience, self.threshold = mode, factor, patience, threshold
        self.threshold_mode, self.cooldown, self.eps = threshold_mode, cooldown, eps
        self.min_lrs = list(min_lr) if isinstance(min_lr, (list, tuple)) else [min_lr] * len(optimizer.param_groups)
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs, self.cooldown_counter, self.last_epoch = 0, 0, 0

    def _better(self, a):
        if self.mode == "min":
            edge = self.best * (1 - self.threshold) if self.threshold_mode == "rel" else self.best - self.threshold
            return a < edge
        edge = self.best * (1 + self.threshold) if self.threshold_mode == "rel" else self.best + self.threshold
        return a > edge

    def step(self, metric):
        metric = float(metric)
        self.last_epoch += 1
        if self._better(metric):
            self.best, self.num_bad_epochs = metric, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for g, low in zip(self.optimizer.param_groups, self.min_lrs):
                new = max(g["lr"] * self.factor, low)
                if g["lr"] - new > self.eps:
                    g["lr"] = new
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
