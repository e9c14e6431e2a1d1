"""Restricted Boltzmann machines and deep belief networks.

An RBM (Bernoulli visible and hidden units) is trained by contrastive divergence (CD-k;
Hinton, 2002) or persistent CD (Tieleman, 2008), not by backpropagation. A deep belief network
stacks RBMs trained greedily, one layer at a time, on the previous layer's hidden
probabilities (Hinton, Osindero & Teh, 2006); its weights then initialise an MLP that
backpropagation fine-tunes.
"""
import numpy as np

from .. import nn
from ..creation import _rng


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))      # the logistic function without overflow


class RBM:
    """A Bernoulli-Bernoulli restricted Boltzmann machine.

    Energy E(v, h) = -v.b - h.c - v W h; p(h_j = 1 | v) = sigmoid(c_j + v W_j) and
    p(v_i = 1 | h) = sigmoid(b_i + W_i h).

    Args:
        n_visible, n_hidden: unit counts. generator: np.random.Generator or seed.
    """
    def __init__(self, n_visible, n_hidden, generator=None):
        self.rng = _rng(generator)
        self.W = self.rng.normal(0.0, 0.01, (n_visible, n_hidden)).astype(np.float32)
        self.b = np.zeros(n_visible, np.float32)          # visible biases
        self.c = np.zeros(n_hidden, np.float32)           # hidden biases
        self._chain = None

    def hidden_probs(self, v):
        return _sigmoid(v @ self.W + self.c)

    def visible_probs(self, h):
        return _sigmoid(h @ self.W.T + self.b)

    def _sample(self, p):
        return (self.rng.random(p.shape, dtype=np.float32) < p).astype(np.float32)

    def free_energy(self, v):
        """F(v) = -v.b - sum_j softplus(c_j + v W_j), so p(v) is proportional to exp(-F(v))."""
        return -(v @ self.b) - np.logaddexp(0.0, v @ self.W + self.c).sum(axis=1)

    def pseudo_likelihood(self, v):
        """Mean log pseudo-likelihood per sample, estimated by flipping one random bit of each
        (the stochastic approximation scikit-learn's BernoulliRBM uses)."""
        v = (np.asarray(v) > 0.5).astype(np.float32)
        flipped = v.copy()
        idx = self.rng.integers(0, v.shape[1], len(v))
        flipped[np.arange(len(v)), idx] = 1 - flipped[np.arange(len(v)), idx]
        return float((v.shape[1] * -np.logaddexp(0.0, -(self.free_energy(flipped) - self.free_energy(v)))).mean())

    def reconstruction_error(self, v):
        """Mean squared error of one up-down pass: v -> p(h|v) -> p(v|h)."""
        return float(((v - self.visible_probs(self.hidden_probs(v))) ** 2).mean())

    def contrastive_divergence(self, v0, lr=0.05, k=1, persistent=False, weight_decay=1e-4):
        """One update from a batch: the data statistics minus those after k Gibbs steps, started
        from the data (CD-k) or from persistent chains (PCD)."""
        h0 = self.hidden_probs(v0)
        if persistent:
            if self._chain is None or len(self._chain) != len(v0):
                self._chain = self._sample(h0)
            h = self._chain
        else:
            h = self._sample(h0)
        for _ in range(k):
            vk = self.visible_probs(h)
            hk = self.hidden_probs(self._sample(vk))
            h = self._sample(hk)
        if persistent:
            self._chain = h
        n = len(v0)
        self.W += lr * ((v0.T @ h0 - vk.T @ hk) / n - weight_decay * self.W)
        self.b += lr * (v0 - vk).mean(axis=0)
        self.c += lr * (h0 - hk).mean(axis=0)

    def fit(self, data, epochs=5, batch_size=64, lr=0.05, k=1, persistent=False, seed=0, verbose=True):
        """Train on rows of ``data`` (values in [0, 1]); returns per-epoch reconstruction error and
        pseudo-likelihood (on the first 1,000 rows)."""
        data = np.asarray(data, dtype=np.float32)
        order_rng = np.random.default_rng(seed)
        history = []
        for epoch in range(epochs):
            order = order_rng.permutation(len(data))
            for i in range(0, len(data), batch_size):
                self.contrastive_divergence(data[order[i:i + batch_size]], lr, k, persistent)
            probe = data[:1000]
            history.append({"reconstruction_error": self.reconstruction_error(probe),
                            "pseudo_likelihood": self.pseudo_likelihood(probe)})
            if verbose:
                last = history[-1]
                print(f"  RBM {self.W.shape[0]}-{self.W.shape[1]} epoch {epoch + 1}: reconstruction error "
                      f"{last['reconstruction_error']:.4f}, pseudo-likelihood {last['pseudo_likelihood']:.1f}")
        return history


def pretrain_dbn(data, sizes, epochs=3, batch_size=64, lr=0.05, k=1, generator=None, verbose=True):
    """Greedy layer-wise pretraining: an RBM per pair of consecutive ``sizes`` (sizes[0] is the
    input width), each trained on the hidden probabilities of the one below. Returns the RBMs."""
    rng = _rng(generator)
    rbms, x = [], np.asarray(data, dtype=np.float32)
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        rbm = RBM(n_in, n_out, generator=rng)
        rbm.fit(x, epochs, batch_size, lr, k, verbose=verbose)
        rbms.append(rbm)
        x = rbm.hidden_probs(x)
    return rbms


def dbn_classifier(rbms, num_classes, generator=None):
    """An MLP (Flatten, then Linear + Sigmoid per RBM, then a Linear output) whose hidden layers
    start from the RBMs' weights and hidden biases, ready for fine-tuning by backpropagation."""
    layers = [nn.Flatten()]
    for rbm in rbms:
        lin = nn.Linear(*rbm.W.shape, generator=generator)
        lin.weight._data[...] = rbm.W.T
        lin.bias._data[...] = rbm.c
        layers += [lin, nn.Sigmoid()]
    layers.append(nn.Linear(rbms[-1].W.shape[1], num_classes, generator=generator))
    return nn.Sequential(*layers)
