"""The doctor's rules: one finding code per file, each a ``Rule`` with its thresholds, the source
of each threshold, its explanation and fix, and ``check(record)`` over the recorded signals
(``gradwise.diagnostics.signals``). Adding a rule: one file here, one line in ``RULES``, one test.

``run(phase, record, book)`` checks every rule of a phase and feeds the findings to the book.
"""
from .base import Rule
from .class_imbalance import ClassImbalance
from .dead_relus import DeadRelus
from .diverging_loss import DivergingLoss
from .double_softmax import DoubleSoftmax
from .eval_mode_mismatch import EvalModeMismatch
from .excessive_weight_decay import ExcessiveWeightDecay
from .exploding_gradients import ExplodingGradients
from .exploding_gradients_through_time import ExplodingGradientsThroughTime
from .gradient_accumulation import GradientAccumulation
from .initial_loss_too_high import InitialLossTooHigh
from .labels_out_of_range import LabelsOutOfRange
from .labels_unrelated import LabelsUnrelated
from .learning_rate_too_high import LearningRateTooHigh
from .learning_rate_too_low import LearningRateTooLow
from .lr_schedule_kills_lr import LrScheduleKillsLr
from .nonfinite_inputs import NonfiniteInputs
from .nonfinite_op import NonfiniteOp
from .oscillating_loss import OscillatingLoss
from .overfitting import Overfitting
from .saturated_units import SaturatedUnits
from .step_activation import StepActivation
from .symmetric_initialization import SymmetricInitialization
from .underfitting import Underfitting
from .unscaled_inputs import UnscaledInputs
from .unshuffled_sorted_data import UnshuffledSortedData
from .vanishing_gradients import VanishingGradients
from .vanishing_gradients_through_time import VanishingGradientsThroughTime

RULES = (NonfiniteInputs, UnscaledInputs, LabelsOutOfRange, InitialLossTooHigh, ClassImbalance,
         SymmetricInitialization, StepActivation,
         NonfiniteOp, DivergingLoss, LearningRateTooHigh, OscillatingLoss, LrScheduleKillsLr, GradientAccumulation,
         DoubleSoftmax, UnshuffledSortedData,
         ExplodingGradients, VanishingGradients, LearningRateTooLow, DeadRelus, SaturatedUnits,
         ExcessiveWeightDecay, LabelsUnrelated, VanishingGradientsThroughTime, ExplodingGradientsThroughTime,
         EvalModeMismatch, Overfitting, Underfitting)
PHASES = ("preflight", "forward", "step", "sample", "epoch")


def by_phase(rules=RULES):
    """phase -> rule instances, in ``RULES`` order."""
    made = [r() if isinstance(r, type) else r for r in rules]
    return {p: [r for r in made if r.phase == p] for p in PHASES}


def run(rules, record, book):
    """Check ``rules`` on ``record``; signal their findings to ``book`` and restart the streaks of
    the rules (and layers) that were quiet. Returns the findings reported now."""
    reported = []
    for rule in rules:
        found = rule.check(record)
        if found is None:           # the rule had nothing to judge this time
            continue
        for f in found:
            if book.signal(f, immediate=getattr(f, "_immediate", False)) is not None:
                reported.append(f)
        book.quiet(rule.code, [f.layer for f in found])
    return reported


__all__ = ["PHASES", "RULES", "Rule", "by_phase", "run"] + [r.__name__ for r in RULES]
