"""gradwise environments as real gymnasium environments (for gymnasium's wrappers, vector envs,
checkers and other libraries' agents); gymnasium is imported only when this is used."""
import numpy as np

from .spaces import Box, Discrete


def _space(space, gym_spaces):
    if isinstance(space, Discrete):
        return gym_spaces.Discrete(space.n, start=space.start)
    if isinstance(space, Box):
        return gym_spaces.Box(space.low, space.high, shape=space.shape, dtype=space.dtype)
    raise TypeError(f"to_gymnasium: no gymnasium counterpart for {space!r}")


def to_gymnasium(env):
    """Wrap a gradwise environment in a ``gymnasium.Env`` with gymnasium's spaces (needs
    ``pip install gymnasium``). Example: ``gymnasium.utils.env_checker.check_env(to_gymnasium(CartPole()))``."""
    import gymnasium

    class GradwiseEnv(gymnasium.Env):
        metadata = {"render_modes": []}

        def __init__(self):
            self.env = env
            self.observation_space = _space(env.observation_space, gymnasium.spaces)
            self.action_space = _space(env.action_space, gymnasium.spaces)

        def reset(self, *, seed=None, options=None):
            super().reset(seed=seed)
            return self.env.reset(seed=seed, options=options)

        def step(self, action):
            return self.env.step(np.asarray(action).item() if np.ndim(action) == 0 else action)

        def __repr__(self):
            return f"to_gymnasium({self.env!r})"

    GradwiseEnv.__name__ = f"{type(env).__name__}Gymnasium"
    return GradwiseEnv()
