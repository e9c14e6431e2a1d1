"""Tabular Q-learning (Watkins 1989): off-policy TD control on a table of action values."""
import numpy as np

from ... import random as _random
from ...errors import GradwiseError
from ...tensor import Tensor
from ..logger import RunLogger
from ..returns import td_target
from ..spaces import space_size


class QLearning:
    """Q(s, a) += lr * (r + gamma * max_a' Q(s', a') - Q(s, a)), acting epsilon-greedily.

    Args:
        n_states, n_actions: sizes of the Discrete observation and action spaces.
        lr: step size. gamma: discount.
        epsilon: (start, end) exploration, decayed linearly over ``explore_fraction`` of the episodes.
        seed: seeds exploration (ties between equal values go to a random one of them).

    Example: ``QLearning.for_env(Maze()).learn(Maze(), episodes=300)``.
    """

    def __init__(self, n_states, n_actions, lr=0.5, gamma=1.0, epsilon=(1.0, 0.05), explore_fraction=0.5, seed=0):
        if not 0 < lr <= 1 or not 0 <= gamma <= 1:
            raise GradwiseError(f"QLearning needs 0 < lr <= 1 and 0 <= gamma <= 1; got lr={lr}, gamma={gamma}")
        self.q = Tensor(np.zeros((n_states, n_actions)))
        self.lr, self.gamma, self.epsilon, self.explore_fraction = lr, gamma, epsilon, explore_fraction
        self.rng = _random.rng(seed)
        self._eps = epsilon[0]

    @classmethod
    def for_env(cls, env, **kw):
        return cls(space_size(env.observation_space, "QLearning"), space_size(env.action_space, "QLearning"), **kw)

    def _state(self, obs):
        s = np.asarray(obs)
        if s.shape != () or not 0 <= int(s) < self.q.shape[0]:
            raise GradwiseError(f"QLearning got observation {obs!r}; "
                                f"expected a state index in 0..{self.q.shape[0] - 1}")
        return int(s)

    def act(self, obs, greedy=False):
        q = self.q._data[self._state(obs)]
        if not greedy and self.rng.random() < self._eps:
            return int(self.rng.integers(len(q)))
        return int(self.rng.choice(np.flatnonzero(q == q.max())))

    def update(self, obs, action, reward, next_obs, terminated):
        """One Q-learning backup; returns the TD error."""
        s, s2 = self._state(obs), self._state(next_obs)
        target = td_target(reward, self.q._data[s2].max(), terminated, self.gamma)
        error = float(target - self.q._data[s, action])
        self.q._data[s, action] += self.lr * error
        return error

    def learn(self, env, episodes, logger=None, seed=0):
        """Run ``episodes`` episodes on ``env`` (reset with seeds seed, seed+1, ...); returns the logger."""
        logger = logger or RunLogger()
        start, end = self.epsilon
        for i in range(episodes):
            self._eps = end + (start - end) * max(0.0, 1 - i / max(1, self.explore_fraction * episodes))
            obs, _ = env.reset(seed=seed + i)
            total, n, done = 0.0, 0, False
            while not done:
                a = self.act(obs)
                nxt, r, terminated, truncated, _ = env.step(a)
                self.update(obs, a, r, nxt, terminated)
                obs, total, n, done = nxt, total + r, n + 1, terminated or truncated
                logger.steps += 1
            logger.episode(total, n)
        self._eps = end
        return logger

    def greedy_policy(self):
        """The greedy action of every state (ties: the first)."""
        return self.q._data.argmax(1)
