"""Reinforcement learning on gradwise: environments in gymnasium's API (a grid maze, CartPole),
spaces, returns and advantages, agents (tabular Q-learning, REINFORCE with a baseline, advantage
actor-critic, DQN), run logging and the RL doctor's findings.

Gymnasium environments work with these agents (they read ``observation_space`` and
``action_space``), and these environments work with gymnasium-style code.

    >>> from gradwise import rl
    >>> env = rl.Maze()
    >>> agent = rl.QLearning.for_env(env)
    >>> agent.learn(env, episodes=300).moving_average     # about -(shortest path length)
"""
from .spaces import Box, Discrete, SpaceError
from .env import Env
from .maze import Maze
from .cartpole import CartPole
from .planning import policy_evaluation, value_iteration
from .returns import discounted_returns, gae, td_target
from .logger import RunLogger
from .gym_compat import to_gymnasium
from .agents import A2C, DQN, QLearning, Reinforce, ReplayBuffer, evaluate

ENVS = {"maze": Maze, "slippery-maze": lambda **kw: Maze(**{"slip": 0.2, **kw}), "cartpole": CartPole}


def make(name, **kwargs):
    """An environment by name: ``maze``, ``slippery-maze``, ``cartpole`` (or ``CartPole-v1``)."""
    key = {"cartpole-v1": "cartpole"}.get(name.lower(), name.lower())
    if key not in ENVS:
        raise ValueError(f"unknown environment {name!r}; known: {', '.join(ENVS)}")
    return ENVS[key](**kwargs)
from .diagnosis import check_entropy_collapse, check_value_loss_explosion, diagnose  # noqa: E402
