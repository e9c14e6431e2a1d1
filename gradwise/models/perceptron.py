"""Rosenblatt's perceptron, trained by the perceptron learning rule (no backpropagation)."""
import numpy as np

from ..creation import _rng
from ..errors import ArgumentError


class Perceptron:
    """A single threshold unit: predict 1 where w . x + b >= 0 (a step activation), else 0.

    Trained by the perceptron rule: for each misclassified sample, w += lr * (y - y_hat) * x and
    b += lr * (y - y_hat). The rule converges when the classes are linearly separable (Novikoff,
    1962); on data that is not (XOR), it never settles, and ``fit`` says so after its epochs.

    Example:
        >>> p = Perceptron(2); result = p.fit(x, y); result.converged
    """
    def __init__(self, in_features, lr=1.0, generator=None):
        rng = _rng(generator)
        self.weight = rng.normal(0.0, 0.01, in_features)
        self.bias = 0.0
        self.lr = lr

    def predict(self, x):
        return (np.asarray(x, dtype=np.float64) @ self.weight + self.bias >= 0).astype(np.int64)

    def fit(self, x, y, epochs=100, shuffle=True, seed=0):
        """Run the rule for up to ``epochs`` passes; stop at the first pass without mistakes.

        Returns a PerceptronResult: converged (bool), epochs run, mistakes per epoch, and a message.
        """
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y).astype(np.int64)
        if set(np.unique(y)) - {0, 1}:
            raise ArgumentError(f"Perceptron.fit: labels must be 0 or 1; got {sorted(set(np.unique(y)))}")
        rng = np.random.default_rng(seed)
        history = []
        for epoch in range(1, epochs + 1):
            mistakes = 0
            for i in (rng.permutation(len(x)) if shuffle else range(len(x))):
                error = y[i] - int(x[i] @ self.weight + self.bias >= 0)
                if error:
                    self.weight += self.lr * error * x[i]
                    self.bias += self.lr * error
                    mistakes += 1
            history.append(mistakes)
            if mistakes == 0:
                return PerceptronResult(True, epoch, history,
                                        f"converged after {epoch} epochs: every sample is on the right side")
        return PerceptronResult(False, epochs, history,
                                f"did not converge in {epochs} epochs (still {history[-1]} mistakes per pass): the "
                                f"classes are probably not linearly separable (XOR is the classic case). A single "
                                f"threshold unit draws one straight line; use a multilayer perceptron "
                                f"(models.mlp) trained by backpropagation.")


class PerceptronResult:
    def __init__(self, converged, epochs, mistakes, message):
        self.converged, self.epochs, self.mistakes, self.message = converged, epochs, mistakes, message

    def __repr__(self):
        return f"PerceptronResult(converged={self.converged}, epochs={self.epochs}): {self.message}"
