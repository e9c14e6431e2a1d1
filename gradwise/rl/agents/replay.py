"""A replay buffer (Lin 1992; Mnih et al. 2015): a fixed-size ring of transitions sampled
uniformly, which breaks the correlation of consecutive steps."""
import numpy as np

from ...errors import GradwiseError


class ReplayBuffer:
    """Stores (obs, action, reward, next_obs, terminated); the oldest are overwritten when full.

    Args:
        capacity: transitions kept. obs_shape: shape of one observation.
    """

    def __init__(self, capacity, obs_shape, obs_dtype=np.float32):
        if capacity < 1:
            raise GradwiseError(f"ReplayBuffer capacity must be >= 1; got {capacity}")
        self.capacity, self.size, self._next = int(capacity), 0, 0
        self.obs = np.zeros((capacity, *obs_shape), obs_dtype)
        self.next_obs = np.zeros((capacity, *obs_shape), obs_dtype)
        self.actions = np.zeros(capacity, np.int64)
        self.rewards = np.zeros(capacity, np.float32)
        self.terminated = np.zeros(capacity, np.float32)

    def add(self, obs, action, reward, next_obs, terminated):
        i = self._next
        self.obs[i], self.actions[i], self.rewards[i] = obs, action, reward
        self.next_obs[i], self.terminated[i] = next_obs, terminated
        self._next = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, batch_size, rng):
        """A dict of arrays for ``batch_size`` transitions drawn uniformly (with replacement)."""
        if self.size == 0:
            raise GradwiseError("ReplayBuffer.sample called on an empty buffer")
        idx = rng.integers(0, self.size, size=batch_size)
        return {"obs": self.obs[idx], "actions": self.actions[idx], "rewards": self.rewards[idx],
                "next_obs": self.next_obs[idx], "terminated": self.terminated[idx]}

    def __len__(self):
        return self.size
