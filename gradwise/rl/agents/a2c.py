"""Advantage actor-critic (A2C; Mnih et al. 2016, synchronous): several environments step in
lockstep for ``n_steps``, then one update with bootstrapped (GAE) advantages."""
import copy

import numpy as np

from ..logger import EpisodeTracker, RunLogger
from ..returns import gae
from .actor_critic import ActorCritic


class A2C(ActorCritic):
    """Arguments: see ActorCritic, plus ``n_envs`` (copies of the environment), ``n_steps`` (steps
    per environment between updates), ``gae_lambda`` (1: n-step returns) and
    ``normalize_advantage``.

    Example: ``A2C.for_env(CartPole()).learn(CartPole(), total_steps=200_000)``.
    """

    def __init__(self, obs_dim, n_actions, n_envs=8, n_steps=8, gae_lambda=1.0, normalize_advantage=False, **kw):
        super().__init__(obs_dim, n_actions, **kw)
        self.n_envs, self.n_steps, self.gae_lambda = n_envs, n_steps, gae_lambda
        self.normalize_advantage = normalize_advantage

    def _rollout(self, envs, obs, tracker, logger):
        """n_steps of every env; a truncated episode's reward absorbs gamma * V(its last obs)."""
        O, A, R, D = [], [], [], []
        for _ in range(self.n_steps):
            actions = self.act(obs)
            steps = [env.step(int(a)) for env, a in zip(envs, actions)]
            rewards = np.array([s[1] for s in steps])
            terminated = np.array([s[2] for s in steps])
            truncated = np.array([s[3] and not s[2] for s in steps])
            tracker.step(rewards, terminated | truncated, logger)
            if truncated.any():
                finals = np.stack([s[0] for s in steps])[truncated]
                rewards[truncated] += self.gamma * self.values(finals)
            O.append(obs)
            A.append(actions)
            R.append(rewards)
            D.append(terminated | truncated)
            obs = np.stack([env.reset()[0] if d else s[0] for env, s, d in zip(envs, steps, D[-1])]).astype(np.float32)
            logger.steps += len(envs)
        return np.array(O), np.array(A), np.array(R), np.array(D), obs

    def learn(self, env, total_steps, logger=None, seed=0, callback=None):
        """Train for ``total_steps`` environment steps over ``n_envs`` copies of ``env`` (reset
        with seeds seed, seed+1, ...); returns the logger. ``callback(agent, logger)`` runs after
        every update; training stops early when it returns True."""
        logger = logger or RunLogger()
        envs = [env] + [copy.deepcopy(env) for _ in range(self.n_envs - 1)]
        obs = np.stack([e.reset(seed=seed + i)[0] for i, e in enumerate(envs)]).astype(np.float32)
        tracker = EpisodeTracker(self.n_envs)
        while logger.steps < total_steps:
            O, A, R, D, obs = self._rollout(envs, obs, tracker, logger)
            values = self.values(O.reshape(-1, self.obs_dim)).reshape(self.n_steps, self.n_envs)
            adv, returns = gae(R, values, D, self.values(obs), self.gamma, self.gae_lambda)
            if self.normalize_advantage:
                adv = (adv - adv.mean()) / (adv.std() + 1e-8)
            p, v, h = self.update(O.reshape(-1, self.obs_dim), A.reshape(-1), adv.reshape(-1), returns.reshape(-1))
            logger.update(entropy=h, value_loss=v, policy_loss=p)
            if callback is not None and callback(self, logger):
                break
        return logger
