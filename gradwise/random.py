"""The default random generator: what ``gw.manual_seed`` seeds, and what every random operation
(factories, initialisation, dropout, sampling, shuffling) draws from when it is given no
``generator``.

An explicit ``generator=`` (an ``np.random.Generator``, a ``gw.Generator`` or an int seed) always
wins, so library code stays reproducible on its own; the default generator is what makes a
PyTorch-style script (``torch.manual_seed(1)`` at the top) reproducible.

    >>> gw.manual_seed(0); a = gw.randn(3)
    >>> gw.manual_seed(0); b = gw.randn(3)     # the same values as a
"""
import numbers

import numpy as np
from .errors import ArgumentTypeError


class Generator:
    """A seedable source of randomness in PyTorch's shape (``gw.Generator().manual_seed(42)``),
    backed by an ``np.random.Generator`` (``.numpy_generator``)."""

    def __init__(self, device="cpu"):
        self.device = device
        self._seed = int(np.random.SeedSequence().entropy % (2 ** 63))
        self.numpy_generator = np.random.default_rng(self._seed)

    def manual_seed(self, seed):
        """Reseed; returns self (so ``gw.Generator().manual_seed(0)`` is one expression)."""
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
            raise ArgumentTypeError(f"manual_seed expects an int seed; got {type(seed).__name__} {seed!r}")
        self._seed = int(seed)
        # reseed in place: layers that took this generator at construction (dropout) follow it
        self.numpy_generator.bit_generator.state = \
            np.random.default_rng(self._seed % (2 ** 64)).bit_generator.state
        return self

    def seed(self):
        """Reseed from fresh entropy and return the new seed."""
        self.manual_seed(int(np.random.SeedSequence().entropy % (2 ** 63)))
        return self._seed

    def initial_seed(self):
        return self._seed

    def get_state(self):
        """The bit generator's state (a JSON-friendly dict), for checkpoints."""
        return self.numpy_generator.bit_generator.state

    def set_state(self, state):
        self.numpy_generator.bit_generator.state = state
        return self


_default = Generator()


def default_generator() -> Generator:
    """The process-wide generator that ``manual_seed`` seeds."""
    return _default


def manual_seed(seed):
    """Seed the default generator, so that a script's randomness (initial weights, dropout masks,
    sampling, shuffling without an explicit generator) repeats exactly. Returns the generator."""
    return _default.manual_seed(seed)


def seed():
    """Seed the default generator from fresh entropy; returns the seed."""
    return _default.seed()


def initial_seed():
    return _default.initial_seed()


def get_rng_state():
    return _default.get_state()


def set_rng_state(state):
    _default.set_state(state)


def rng(generator=None) -> np.random.Generator:
    """The ``np.random.Generator`` to draw from: ``generator`` when given (an np.random.Generator,
    a gw.Generator or an int seed), else the default generator's."""
    if generator is None:
        return _default.numpy_generator
    if isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, Generator):
        return generator.numpy_generator
    if isinstance(generator, numbers.Integral) and not isinstance(generator, bool):
        return np.random.default_rng(int(generator))
    raise ArgumentTypeError(f"generator must be an np.random.Generator, a gw.Generator or an int seed; "
                    f"got {type(generator).__name__}")
