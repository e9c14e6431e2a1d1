"""Probability distributions with PyTorch's ``torch.distributions`` API: Categorical, Bernoulli and
Normal. ``log_prob`` and ``entropy`` are composed of gradwise ops, so gradients flow back to the
parameters (policy gradients); ``Normal.rsample`` is reparameterised (gradients flow through the
sample as well).

    >>> import gradwise as gw
    >>> from gradwise.distributions import Categorical
    >>> logits = gw.zeros(4, requires_grad=True)
    >>> pi = Categorical(logits=logits)
    >>> a = pi.sample()                          # an int64 index in [0, 4)
    >>> (-pi.log_prob(a) * 2.0).backward()       # REINFORCE: -log pi(a) * return

Sampling draws from ``gradwise.random.rng(generator)`` (the default generator, seeded by
``gw.manual_seed``, unless a ``generator=`` is given to the constructor), so a seeded run repeats.
"""
import math
import numbers

import numpy as np

from . import random as _random
from .autograd import no_grad
from .functions import as_tensor
from .ops import loss as _loss
from .tensor import Size, Tensor

__all__ = ["Distribution", "Categorical", "Bernoulli", "Normal"]


def _param(x, name, cls):
    """A parameter as a floating Tensor (lists, floats and ndarrays are accepted)."""
    if isinstance(x, Tensor):
        t = x
    else:
        arr = np.asarray(x)      # numbers and lists take the default float32; ndarrays keep a float dtype
        if not isinstance(x, np.ndarray) or not np.issubdtype(arr.dtype, np.floating):
            arr = arr.astype(np.float32)
        t = as_tensor(arr)
    if not t.is_floating_point():
        t = t.float()
    if not np.all(np.isfinite(t._data)):
        raise ValueError(f"{cls}: {name} must be finite; got {t._data!r}")
    return t


def _shape(sample_shape):
    if isinstance(sample_shape, numbers.Integral):
        return (int(sample_shape),)
    return tuple(int(n) for n in sample_shape)


class Distribution:
    """Base class: ``batch_shape`` (independent distributions side by side), ``event_shape`` (the
    shape of one draw), and the methods each distribution defines."""
    has_rsample = False

    def __init__(self, batch_shape=(), event_shape=(), generator=None, validate_args=True):
        self.batch_shape, self.event_shape = Size(batch_shape), Size(event_shape)
        self._generator, self._validate = generator, validate_args

    def _extended_shape(self, sample_shape=()):
        return Size(_shape(sample_shape) + tuple(self.batch_shape) + tuple(self.event_shape))

    def _rng(self):
        return _random.rng(self._generator)

    def sample(self, sample_shape=()):
        """Draw without gradient: shape ``sample_shape + batch_shape + event_shape``."""
        with no_grad():
            return self.rsample(sample_shape).detach()

    def rsample(self, sample_shape=()):
        raise NotImplementedError(f"{type(self).__name__} has no reparameterised sample (rsample); use sample()")

    def sample_n(self, n):
        return self.sample((n,))

    @property
    def stddev(self):
        return self.variance.sqrt()

    def perplexity(self):
        return self.entropy().exp()

    def _check_value(self, value, support, ok):
        """``value`` as a Tensor; with validation on, a ValueError naming the support if any entry is outside it."""
        value = value if isinstance(value, Tensor) else as_tensor(np.asarray(value))
        if self._validate and not np.all(ok(value._data)):
            raise ValueError(f"{type(self).__name__}.log_prob expects values in {support}; got {value._data!r}")
        return value

    def __repr__(self):
        return f"{type(self).__name__}(batch_shape={tuple(self.batch_shape)})"


class Categorical(Distribution):
    """A distribution over ``K`` categories (the last dimension of ``probs`` or ``logits``).

    Args:
        probs: (..., K) non-negative weights, normalised to sum to 1 along the last dimension.
        logits: (..., K) unnormalised log-probabilities (give exactly one of probs and logits).
        generator: where samples come from (np.random.Generator, gw.Generator or int seed).

    Example: ``Categorical(logits=policy(obs)).sample()`` picks one action per row.
    """

    def __init__(self, probs=None, logits=None, validate_args=True, generator=None):
        if (probs is None) == (logits is None):
            raise ValueError("Categorical needs exactly one of probs= or logits=")
        if probs is not None:
            probs = _param(probs, "probs", "Categorical")
            if probs.dim() < 1:
                raise ValueError(f"Categorical: probs must have at least one dimension; got shape {tuple(probs.shape)}")
            if validate_args and (np.any(probs._data < 0) or np.any(probs._data.sum(-1) <= 0)):
                raise ValueError("Categorical: probs must be non-negative with a positive sum along the last "
                                 f"dimension; got {probs._data!r}")
            self.probs = probs / probs.sum(-1, keepdim=True)
            eps = float(np.finfo(self.probs.dtype).eps)
            self.logits = self.probs.clamp(eps, 1 - eps).log()
        else:
            logits = _param(logits, "logits", "Categorical")
            if logits.dim() < 1:
                raise ValueError("Categorical: logits must have at least one dimension; "
                                 f"got shape {tuple(logits.shape)}")
            self.logits = logits - logits.logsumexp(-1, keepdim=True)
            self.probs = self.logits.softmax(-1)
        self._num_events = self.logits.shape[-1]
        super().__init__(self.logits.shape[:-1], (), generator, validate_args)

    @property
    def param_shape(self):
        return self.logits.shape

    @property
    def mean(self):
        return as_tensor(np.full(tuple(self.batch_shape), np.nan, dtype=self.probs.dtype))

    @property
    def mode(self):
        return self.probs.argmax(-1)

    @property
    def variance(self):
        return as_tensor(np.full(tuple(self.batch_shape), np.nan, dtype=self.probs.dtype))

    def sample(self, sample_shape=()):
        """Category indices (int64) of shape ``sample_shape + batch_shape``, by inverse CDF."""
        shape = _shape(sample_shape)
        p = self.probs._data.astype(np.float64).reshape(-1, self._num_events)
        cdf = np.cumsum(p, axis=-1)
        u = self._rng().random(shape + (p.shape[0],)) * cdf[:, -1]
        idx = (u[..., None] >= cdf).sum(-1)                     # first category whose CDF exceeds u
        idx = np.minimum(idx, self._num_events - 1).astype(np.int64)
        return as_tensor(idx.reshape(shape + tuple(self.batch_shape)))

    def log_prob(self, value):
        """log P(value): differentiable in the parameters; ``value`` holds category indices."""
        k = self._num_events
        value = self._check_value(value, f"the integers 0..{k - 1}",
                                  lambda v: (v == np.round(v)) & (v >= 0) & (v < k))
        idx = np.asarray(value._data).astype(np.int64)
        shape = np.broadcast_shapes(idx.shape, tuple(self.batch_shape))
        logits = self.logits.expand(*shape, k) if tuple(self.logits.shape[:-1]) != shape else self.logits
        idx = np.broadcast_to(idx, shape)[..., None]
        return logits.gather(-1, idx).squeeze(-1)

    def entropy(self):
        """-sum p log p over the categories (0 log 0 counts as 0)."""
        min_real = float(np.finfo(self.logits.dtype).min)
        return -(self.logits.clamp(min=min_real) * self.probs).sum(-1)

    def enumerate_support(self):
        return as_tensor(np.arange(self._num_events, dtype=np.int64))


class Bernoulli(Distribution):
    """Independent coin flips: 1 with probability ``probs`` (or ``sigmoid(logits)``), else 0.

    Args:
        probs: probabilities in [0, 1], any shape (the batch shape).
        logits: log-odds, any shape (give exactly one of probs and logits).
    """

    def __init__(self, probs=None, logits=None, validate_args=True, generator=None):
        if (probs is None) == (logits is None):
            raise ValueError("Bernoulli needs exactly one of probs= or logits=")
        if probs is not None:
            self.probs = _param(probs, "probs", "Bernoulli")
            if validate_args and np.any((self.probs._data < 0) | (self.probs._data > 1)):
                raise ValueError(f"Bernoulli: probs must lie in [0, 1]; got {self.probs._data!r}")
            eps = float(np.finfo(self.probs.dtype).eps)
            p = self.probs.clamp(eps, 1 - eps)
            self.logits = p.log() - (1 - p).log()
        else:
            self.logits = _param(logits, "logits", "Bernoulli")
            self.probs = self.logits.sigmoid()
        super().__init__(self.probs.shape, (), generator, validate_args)

    @property
    def mean(self):
        return self.probs

    @property
    def mode(self):
        return (self.probs > 0.5).to(self.probs.dtype)

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        """Zeros and ones (in the parameters' dtype) of shape ``sample_shape + batch_shape``."""
        shape = _shape(sample_shape) + tuple(self.batch_shape)
        u = self._rng().random(shape)
        return as_tensor((u < self.probs._data).astype(self.probs.dtype))

    def log_prob(self, value):
        """value log p + (1 - value) log(1 - p), computed stably from the logits."""
        value = self._check_value(value, "{0, 1}", lambda v: (v == 0) | (v == 1))
        value = value.to(self.logits.dtype)
        shape = np.broadcast_shapes(tuple(value.shape), tuple(self.logits.shape))
        logits = self.logits.expand(*shape) if tuple(self.logits.shape) != shape else self.logits
        return -_loss.binary_cross_entropy_with_logits(logits, value.expand(*shape), reduction="none")

    def entropy(self):
        return _loss.binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")

    def enumerate_support(self):
        return as_tensor(np.array([0.0, 1.0], dtype=self.probs.dtype))


class Normal(Distribution):
    """The Gaussian N(loc, scale^2), elementwise over the broadcast shape of ``loc`` and ``scale``.

    Args:
        loc: the mean, any shape.
        scale: the standard deviation (> 0), broadcastable with ``loc``.

    Example: ``Normal(mu, sigma).rsample()`` is ``mu + sigma * eps`` with eps ~ N(0, 1), so
    gradients reach ``mu`` and ``sigma`` (the reparameterisation trick).
    """
    has_rsample = True

    def __init__(self, loc, scale, validate_args=True, generator=None):
        loc, scale = _param(loc, "loc", "Normal"), _param(scale, "scale", "Normal")
        if validate_args and np.any(scale._data <= 0):
            raise ValueError(f"Normal: scale must be > 0; got {scale._data!r}")
        shape = np.broadcast_shapes(tuple(loc.shape), tuple(scale.shape))
        dtype = np.result_type(loc.dtype, scale.dtype)
        self.loc = (loc if tuple(loc.shape) == shape else loc.expand(*shape)).to(dtype)
        self.scale = (scale if tuple(scale.shape) == shape else scale.expand(*shape)).to(dtype)
        super().__init__(shape, (), generator, validate_args)

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def stddev(self):
        return self.scale

    @property
    def variance(self):
        return self.scale * self.scale

    def rsample(self, sample_shape=()):
        """loc + scale * eps, eps ~ N(0, 1): differentiable in loc and scale."""
        shape = tuple(self._extended_shape(sample_shape))
        eps = self._rng().standard_normal(shape).astype(self.loc.dtype)
        return self.loc + self.scale * as_tensor(eps)

    def log_prob(self, value):
        value = self._check_value(value, "the real numbers", np.isfinite)
        value = value.to(self.loc.dtype)
        return -((value - self.loc) ** 2) / (2 * self.variance) - self.scale.log() - math.log(math.sqrt(2 * math.pi))

    def entropy(self):
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()

    def cdf(self, value):
        value = (value if isinstance(value, Tensor) else as_tensor(np.asarray(value))).to(self.loc.dtype)
        return 0.5 * (1 + ((value - self.loc) / (self.scale * math.sqrt(2))).erf())
