"""What every agent shares: checking observations against the space it was built for, a small
network builder, greedy evaluation, and action sampling from a policy's logits."""
import numpy as np

from ... import nn
from ... import random as _random
from ...errors import ShapeError


def observation_shape(space):
    """The shape of one observation: ``()`` for Discrete, ``space.shape`` for Box (own or gymnasium's)."""
    return tuple(space.shape) if getattr(space, "shape", None) is not None else ()


def check_observation(obs, shape, who, batched=False):
    """``obs`` as a float32 array; a ShapeError naming the agent if it is not of ``shape``
    (``(batch,) + shape`` when ``batched``)."""
    a = np.asarray(obs, dtype=np.float32)
    got = a.shape[1:] if batched and a.ndim == len(shape) + 1 else a.shape
    if got != tuple(shape):
        want = f"{tuple(shape)} or (batch, {', '.join(map(str, shape))})" if batched else str(tuple(shape))
        raise ShapeError(f"{who} got an observation of shape {a.shape}; expected {want}, the shape of its "
                         f"observation space. Is the agent built for this environment?")
    return a


def policy_net(obs_dim, n_out, hidden=(64, 64), activation="tanh", generator=None):
    """An MLP from an observation vector to ``n_out`` numbers (action logits, Q-values or a value)."""
    g = _random.rng(generator)
    layers, width = [], obs_dim
    for h in hidden:
        layers += [nn.Linear(width, h, generator=g), nn.Tanh() if activation == "tanh" else nn.ReLU()]
        width = h
    return nn.Sequential(*layers, nn.Linear(width, n_out, generator=g))


def box_size(space, who):
    """The length of a flat Box observation; a clear error for other spaces."""
    shape = observation_shape(space)
    if len(shape) != 1:
        raise ShapeError(f"{who} needs vector observations (a Box of shape (n,)); got {space!r}. "
                         f"For a Discrete space (the maze) use QLearning.")
    return shape[0]


def evaluate(agent, env, episodes=100, seed=0):
    """Returns (array of episode returns, array of lengths) of ``agent.act(obs, greedy=True)``;
    episode i is reset with seed ``seed + i``."""
    returns, lengths = [], []
    for i in range(episodes):
        obs, _ = env.reset(seed=seed + i)
        total, n, done = 0.0, 0, False
        while not done:
            obs, r, terminated, truncated, _ = env.step(agent.act(obs, greedy=True))
            total, n, done = total + r, n + 1, terminated or truncated
        returns.append(total)
        lengths.append(n)
    return np.array(returns), np.array(lengths)


def sample_actions(logits, rng, greedy):
    """One action per row of ``logits`` (an ndarray): argmax when greedy, else a softmax draw."""
    if greedy:
        return logits.argmax(-1)
    z = logits - logits.max(-1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(-1, keepdims=True)
    u = rng.random(p.shape[:-1])[..., None]
    return np.minimum((u >= np.cumsum(p, -1)).sum(-1), p.shape[-1] - 1)
