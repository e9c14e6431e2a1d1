"""Discounted returns, TD targets and advantages: the one place every agent gets them from.

All take NumPy arrays over time (axis 0), optionally with further axes (parallel environments).
``terminated`` cuts the return at the end of an episode; a ``truncated`` episode (time limit) is
not an end of the task, so the caller bootstraps it with the value of its last observation.
"""
import numpy as np


def discounted_returns(rewards, gamma, terminated=None, bootstrap=0.0):
    """G_t = r_t + gamma * G_{t+1}, with G after the last step = ``bootstrap`` and G cut to 0
    after any step where ``terminated`` is true.

    Args:
        rewards: (T, ...) rewards.
        gamma: discount in [0, 1].
        terminated: (T, ...) booleans, or None (one episode, ended or bootstrapped).
        bootstrap: value of the state after the last step (0 when the episode ended), shape (...).

    Example: ``discounted_returns([1, 1, 1], 0.5)`` is ``[1.75, 1.5, 1.0]``.
    """
    rewards = np.asarray(rewards, dtype=np.float64)
    keep = np.ones_like(rewards) if terminated is None else 1.0 - np.asarray(terminated, dtype=np.float64)
    out = np.empty_like(rewards)
    g = np.broadcast_to(np.asarray(bootstrap, dtype=np.float64), rewards.shape[1:]).copy()
    for t in range(len(rewards) - 1, -1, -1):
        g = rewards[t] + gamma * keep[t] * g
        out[t] = g
    return out


def td_target(rewards, next_values, terminated, gamma):
    """One-step target r + gamma * V(s') (no bootstrap where the episode terminated)."""
    return np.asarray(rewards, np.float64) + gamma * (1.0 - np.asarray(terminated, np.float64)) * next_values


def gae(rewards, values, terminated, last_value, gamma, lam=0.95):
    """Generalised advantage estimation (Schulman et al. 2016): ``(advantages, returns)``.

    delta_t = r_t + gamma * V(s_{t+1}) * (1 - terminated_t) - V(s_t), and
    A_t = delta_t + gamma * lam * (1 - terminated_t) * A_{t+1}; returns = A + V (the critic's
    target). ``lam=1`` gives the n-step return minus V (A2C); ``lam=0`` the one-step TD error.

    Args:
        rewards, values, terminated: (T, ...) arrays over the rollout.
        last_value: V of the observation after the last step, shape (...).
    """
    rewards, values = np.asarray(rewards, np.float64), np.asarray(values, np.float64)
    keep = 1.0 - np.asarray(terminated, np.float64)
    next_values = np.concatenate([values[1:], np.asarray(last_value, np.float64)[None]], axis=0)
    deltas = rewards + gamma * keep * next_values - values
    adv = np.empty_like(deltas)
    a = np.zeros(deltas.shape[1:])
    for t in range(len(deltas) - 1, -1, -1):
        a = deltas[t] + gamma * lam * keep[t] * a
        adv[t] = a
    return adv, adv + values


def normalize(x, eps=1e-8):
    """(x - mean) / std: scale-free advantages for a policy-gradient step."""
    x = np.asarray(x, np.float64)
    return (x - x.mean()) / (x.std() + eps)
