"""REINFORCE (Williams 1992) with a learned baseline: the policy gradient from whole-episode
Monte Carlo returns, with V(s) subtracted to lower its variance."""
import numpy as np

from ..logger import RunLogger
from ..returns import discounted_returns, normalize
from .actor_critic import ActorCritic


class Reinforce(ActorCritic):
    """After every ``episodes_per_update`` episodes: advantage = G_t - V(s_t) (normalised),
    policy step on -log pi(a_t|s_t) * advantage, value step towards G_t.

    Example: ``Reinforce.for_env(CartPole(), lr=1e-3).learn(CartPole(), total_steps=100_000)``.
    Arguments: see ActorCritic, plus ``episodes_per_update``.
    """

    def __init__(self, obs_dim, n_actions, episodes_per_update=4, **kw):
        kw.setdefault("max_grad_norm", None)
        super().__init__(obs_dim, n_actions, **kw)
        self.episodes_per_update = episodes_per_update

    def _episode(self, env, seed, logger):
        obs, _ = env.reset(seed=seed)
        observations, actions, rewards, done, truncated = [], [], [], False, False
        while not done:
            a = self.act(obs)
            nxt, r, terminated, truncated, _ = env.step(a)
            observations.append(obs)
            actions.append(a)
            rewards.append(r)
            obs, done = nxt, terminated or truncated
            logger.steps += 1
        logger.episode(sum(rewards), len(rewards))
        # a time limit is not the end of the task: bootstrap the return with V of the last observation
        last = self.values(np.asarray(obs, np.float32)[None])[0] if truncated else 0.0
        return observations, actions, discounted_returns(rewards, self.gamma, bootstrap=last)

    def learn(self, env, total_steps, logger=None, seed=0, callback=None):
        """Train for about ``total_steps`` environment steps (whole episodes); returns the logger.
        ``callback(agent, logger)`` runs after every update; training stops early when it returns True."""
        logger = logger or RunLogger()
        episode = 0
        while logger.steps < total_steps:
            batch = [self._episode(env, seed + episode + i, logger) for i in range(self.episodes_per_update)]
            episode += self.episodes_per_update
            obs = np.concatenate([np.asarray(b[0], np.float32) for b in batch])
            actions = np.concatenate([b[1] for b in batch])
            returns = np.concatenate([b[2] for b in batch])
            advantages = normalize(returns - self.values(obs))
            p, v, h = self.update(obs, actions, advantages, returns)
            logger.update(entropy=h, value_loss=v, policy_loss=p)
            if callback is not None and callback(self, logger):
                break
        return logger
