"""What the doctor records about a training run: the only thing rules read.

A ``Record`` is filled by the doctor's hooks (``gradwise.diagnostics.doctor``) and handed to
every rule's ``check``. Rule tests build one by hand with the few fields a rule reads, so a
rule runs on recorded signals in microseconds, without a model.

Fields (None / empty when not measured):

Run, every step
    step            optimizer steps done so far (1 after the first ``optimizer.step()``)
    loss            this step's loss (the scalar ``backward()`` ran on), float
    first_loss      the first finite loss of the run
    smooth_loss     exponential moving average (0.9) of the finite losses
    losses          the last ``LOSS_WINDOW`` losses (oldest first)
    lr, initial_lr  learning rate of the first parameter group now, and when watching began
    schedulers      the lr schedules attached to the optimizer (objects)
    weight_decay    weight decay of the first parameter group; decoupled: True for AdamW
    weight_norm, weight_norm_start   total norm of the watched layers' weights, now and at the start

Sampled steps (the first ``warmup`` steps, then every ``every``-th; ``sampled`` is True on them)
    grads           layer -> {grad_norm, grad_rms, weight_norm, weight_rms, nonfinite_grad, nonfinite_weight}
    ratios          layer -> ||update|| / ||weight|| of this step
    acts            activation module -> {kind: relu|sigmoid|tanh, dead_fraction | saturated_fraction, is_output}
    grad_history    (total gradient norm, total weight norm) of the previous sampled steps
    ordered         callable: layer names sorted input-to-output
    time_grads      recurrent layer -> hidden-state gradient norm per time step (input to output)

The loss graph (read when ``backward()`` starts)
    n_classes       K of a cross-entropy loss, else None
    batch_classes   distinct labels in each of the recent batches of a cross-entropy loss
    labels_seen     distinct labels seen over the run
    softmax_into_ce the layer (or "") whose softmax output feeds cross_entropy, else None
    grads_not_zeroed  True when backward() starts while the previous step's gradients are still there
    nonfinite       when the loss is NaN/inf: {op, module, cause, phase} of the first op that made it

Forward passes
    eval_in_train_mode  layers (dropout, batch norm) that ran in training mode under no_grad
    first_input     the first input batch (array), for the preflight rules
    model           the watched module (preflight rules read its layers and weights)

Epochs (Trainer only)
    epochs          the per-epoch logs (dicts with loss, val_loss, accuracy ...)
    preflight       {x, y, out, loss, labels, is_classifier} from the Trainer's first batch
"""
from collections import deque

LOSS_WINDOW = 30
STEP_CHECK_EVERY = 10     # the step rules run at least on these steps (the doctor), some only on them


class Record:
    """The signals of one run (see the module docstring for every field)."""

    def __init__(self, **fields):
        self.step, self.loss, self.first_loss, self.smooth_loss = 0, None, None, None
        self.losses = deque(maxlen=LOSS_WINDOW)
        self.lr = self.initial_lr = None
        self.schedulers, self.weight_decay, self.decoupled = [], 0.0, False
        self.weight_norm = self.weight_norm_start = None
        self.grads, self.ratios, self.acts, self.grad_history = {}, {}, {}, []
        self.time_grads = {}
        self.ordered = sorted
        self.n_classes, self.batch_classes, self.labels_seen = None, deque(maxlen=LOSS_WINDOW), set()
        self.softmax_into_ce = None
        self.grads_not_zeroed = False
        self.nonfinite = None
        self.eval_in_train_mode = []
        self.first_input = self.model = None
        self.sampled = False
        self.epochs, self.preflight = [], None
        for k, v in fields.items():
            if not hasattr(self, k):
                raise AttributeError(f"Record has no field {k!r}; see gradwise.diagnostics.signals")
            setattr(self, k, v if k not in ("losses", "batch_classes") else deque(v, maxlen=LOSS_WINDOW))

    def add_loss(self, loss):
        """Count one step's loss into ``loss``, ``first_loss``, ``smooth_loss`` and ``losses``."""
        import math
        self.loss = loss
        if math.isfinite(loss):
            self.first_loss = loss if self.first_loss is None else self.first_loss
            self.smooth_loss = loss if self.smooth_loss is None else 0.9 * self.smooth_loss + 0.1 * loss
        self.losses.append(loss)
