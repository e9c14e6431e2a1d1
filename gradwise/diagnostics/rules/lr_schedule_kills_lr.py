from .base import Rule

_ARGS = ("step_size", "gamma", "T_max", "eta_min", "total_iters", "start_factor", "end_factor", "factor",
         "patience", "max_lr", "milestones")


def describe(schedule):
    """``StepLR(step_size=1, gamma=0.1)``: a schedule with the arguments that set its pace."""
    args = ", ".join(f"{k}={getattr(schedule, k)!r}" for k in _ARGS if hasattr(schedule, k))
    return f"{type(schedule).__name__}({args})"


class LrScheduleKillsLr(Rule):
    """A learning-rate schedule that has driven the lr to ~0 while the loss is still high."""
    code, phase = "lr_schedule_kills_lr", "step"
    thresholds = {"lr_fraction": (1e-2, "two decades of decay: a step decay by 10x twice (He et al. 2016 decay at "
                                        "about 50% and 75% of training, once the loss is low)"),
                  "loss_fraction": (0.5, "the smoothed loss still above half its start: learning is not done")}

    def check(self, rec):
        if not rec.schedulers or not rec.initial_lr or rec.lr is None or rec.smooth_loss is None:
            return None
        if rec.lr >= self.limit("lr_fraction") * rec.initial_lr or \
                rec.smooth_loss <= self.limit("loss_fraction") * rec.first_loss:
            return []
        name = describe(rec.schedulers[0])
        return [self.finding(
            "warning", name, rec.step, {"lr": rec.lr, "initial_lr": rec.initial_lr, "schedule": name,
                                        "smoothed_loss": rec.smooth_loss, "first_loss": rec.first_loss},
            f"{name} has cut the learning rate from {rec.initial_lr:.3g} to {rec.lr:.3g} by step {rec.step}, while "
            f"the loss ({rec.smooth_loss:.3g}, from {rec.first_loss:.3g}) is far from trained: the remaining steps "
            f"can barely move the weights.",
            f"Decay later or more gently in {type(rec.schedulers[0]).__name__} (a larger step_size / T_max, or gamma "
            f"nearer 1), and call scheduler.step() once per epoch, not per batch, unless the schedule is meant "
            f"per batch.")]
