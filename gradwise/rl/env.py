"""The environment base class in gymnasium's API:
``reset(seed=None, options=None) -> (obs, info)`` and
``step(action) -> (obs, reward, terminated, truncated, info)``.

``terminated`` means the task ended (goal reached, pole fell); ``truncated`` means the time limit
(``max_episode_steps``) cut the episode short, so a learner must still bootstrap from ``obs``.
"""
import numpy as np

from ..errors import GradwiseError
from .spaces import check_action


class Env:
    """Subclasses set ``observation_space``, ``action_space`` and ``max_episode_steps`` and write
    ``_reset()`` (the first observation) and ``_step(action)`` (obs, reward, terminated)."""
    max_episode_steps = None
    metadata = {"render_modes": []}
    render_mode = None

    def __init__(self):
        self.np_random = np.random.default_rng()
        self._elapsed, self._needs_reset = 0, True

    def reset(self, *, seed=None, options=None):
        """Start an episode; ``seed`` reseeds the environment's generator (as in gymnasium)."""
        if seed is not None:
            self.np_random = np.random.default_rng(seed)
            self.action_space.seed(seed)
        self._elapsed, self._needs_reset = 0, False
        return self._reset(options or {}), {}

    def step(self, action):
        name = type(self).__name__
        if self._needs_reset:
            raise GradwiseError(f"{name}.step called before reset() or after the episode ended; call env.reset()")
        check_action(self.action_space, action, name)
        obs, reward, terminated = self._step(int(action) if np.ndim(action) == 0 else action)
        self._elapsed += 1
        truncated = bool(self.max_episode_steps is not None and self._elapsed >= self.max_episode_steps
                         and not terminated)
        self._needs_reset = terminated or truncated
        return obs, float(reward), bool(terminated), truncated, {}

    def close(self):
        pass

    @property
    def unwrapped(self):
        return self

    def __repr__(self):
        return (f"{type(self).__name__}(observation_space={self.observation_space!r}, "
                f"action_space={self.action_space!r})")
