"""Deep Q-network (Mnih et al. 2015): Q-learning with a neural network, a replay buffer and a
target network that is copied from the online one every ``target_update_interval`` env steps."""
import numpy as np

from ... import functional as F
from ... import optim
from ... import random as _random
from ...autograd import no_grad
from ...nn.utils.clip_grad import clip_grad_norm_
from ...tensor import Tensor
from ..logger import RunLogger
from ..returns import td_target
from ..spaces import space_size
from .base import box_size, check_observation, policy_net
from .replay import ReplayBuffer


class DQN:
    """Huber loss between Q(s, a) and r + gamma * max_a' Q_target(s', a'); epsilon-greedy acting
    with epsilon decayed linearly over ``exploration_fraction`` of the training steps.

    Defaults are RL Baselines3 Zoo's tuned CartPole-v1 settings (256-256 ReLU network, Adam 2.3e-3,
    batch 64, every 256 steps 128 gradient steps, target copied every 10 steps, epsilon to 0.04
    over the first 16% of the steps).

    Example: ``DQN.for_env(CartPole()).learn(CartPole(), total_steps=50_000)``.
    """

    def __init__(self, obs_dim, n_actions, hidden=(256, 256), lr=2.3e-3, gamma=0.99, buffer_size=100_000,
                 batch_size=64, learning_starts=1000, train_freq=256, gradient_steps=128, target_update_interval=10,
                 exploration_fraction=0.16, exploration_final_eps=0.04, max_grad_norm=10.0, seed=0):
        self.obs_dim, self.n_actions, self.gamma, self.batch_size = obs_dim, n_actions, gamma, batch_size
        self.learning_starts, self.train_freq, self.gradient_steps = learning_starts, train_freq, gradient_steps
        self.target_update_interval, self.max_grad_norm = target_update_interval, max_grad_norm
        self.exploration_fraction, self.final_eps, self.epsilon = exploration_fraction, exploration_final_eps, 1.0
        self.rng = _random.rng(seed)
        self.q = policy_net(obs_dim, n_actions, hidden, activation="relu", generator=self.rng)
        self.target = policy_net(obs_dim, n_actions, hidden, activation="relu", generator=self.rng)
        self.target.load_state_dict(self.q.state_dict())
        self.optimizer = optim.Adam(self.q.parameters(), lr=lr)
        self.buffer = ReplayBuffer(buffer_size, (obs_dim,))

    @classmethod
    def for_env(cls, env, **kw):
        return cls(box_size(env.observation_space, "DQN"), space_size(env.action_space, "DQN"), **kw)

    def act(self, obs, greedy=False):
        x = check_observation(obs, (self.obs_dim,), "DQN")
        if not greedy and self.rng.random() < self.epsilon:
            return int(self.rng.integers(self.n_actions))
        with no_grad():
            return int(self.q(Tensor(x[None])).numpy()[0].argmax())

    def train_step(self):
        """One gradient step on a sampled batch; returns the loss."""
        b = self.buffer.sample(self.batch_size, self.rng)
        with no_grad():
            next_q = self.target(Tensor(b["next_obs"])).numpy().max(1)
        target = td_target(b["rewards"], next_q, b["terminated"], self.gamma).astype(np.float32)
        q = self.q(Tensor(b["obs"])).gather(1, b["actions"][:, None])[:, 0]
        loss = F.huber_loss(q, Tensor(target))
        self.optimizer.zero_grad()
        loss.backward()
        if self.max_grad_norm:
            clip_grad_norm_(self.q.parameters(), self.max_grad_norm)
        self.optimizer.step()
        return float(loss.item())

    def learn(self, env, total_steps, logger=None, seed=0, callback=None):
        """Train for ``total_steps`` environment steps; returns the logger. ``callback(agent,
        logger)`` runs after every episode; training stops early when it returns True."""
        logger = logger or RunLogger()
        obs, _ = env.reset(seed=seed)
        episode, ret, length = 0, 0.0, 0
        for step in range(1, total_steps + 1):
            progress = step / (self.exploration_fraction * total_steps)
            self.epsilon = max(self.final_eps, 1 - (1 - self.final_eps) * progress)
            a = self.act(obs)
            nxt, r, terminated, truncated, _ = env.step(a)
            # only a real end (not the time limit) stops the bootstrap
            self.buffer.add(obs, a, r, nxt, terminated)
            obs, ret, length, logger.steps = nxt, ret + r, length + 1, logger.steps + 1
            if terminated or truncated:
                logger.episode(ret, length)
                episode, ret, length = episode + 1, 0.0, 0
                obs, _ = env.reset(seed=seed + episode)
                if callback is not None and callback(self, logger):
                    break
            if step > self.learning_starts and step % self.train_freq == 0:
                losses = [self.train_step() for _ in range(self.gradient_steps)]
                logger.update(value_loss=float(np.mean(losses)))
            if step % self.target_update_interval == 0:
                self.target.load_state_dict(self.q.state_dict())
        return logger
