"""What REINFORCE and A2C share: a policy network (observation -> action logits), a value
network (observation -> V), one optimizer over both, and the policy-gradient update."""
import numpy as np

from ... import functional as F
from ... import optim
from ... import random as _random
from ...autograd import no_grad
from ...distributions import Categorical
from ...nn.utils.clip_grad import clip_grad_norm_
from ...tensor import Tensor
from ..spaces import space_size
from .base import box_size, check_observation, policy_net, sample_actions


class ActorCritic:
    """Args:
        obs_dim, n_actions: a Box observation of shape (obs_dim,), a Discrete(n_actions) action space.
        hidden: widths of the hidden layers of both networks (tanh).
        lr: Adam's step size. gamma: discount.
        ent_coef: weight of the entropy bonus. vf_coef: weight of the value loss.
        max_grad_norm: clip the global gradient norm (None: no clipping).
        seed: seeds the weights and the action sampling.
    """

    def __init__(self, obs_dim, n_actions, hidden=(64, 64), lr=1e-3, gamma=0.99, ent_coef=0.0, vf_coef=0.5,
                 max_grad_norm=0.5, seed=0):
        self.obs_dim, self.n_actions, self.gamma = obs_dim, n_actions, gamma
        self.ent_coef, self.vf_coef, self.max_grad_norm = ent_coef, vf_coef, max_grad_norm
        self.rng = _random.rng(seed)
        self.policy = policy_net(obs_dim, n_actions, hidden, generator=self.rng)
        self.value = policy_net(obs_dim, 1, hidden, generator=self.rng)
        self.params = list(self.policy.parameters()) + list(self.value.parameters())
        self.optimizer = optim.Adam(self.params, lr=lr)

    @classmethod
    def for_env(cls, env, **kw):
        name = cls.__name__
        return cls(box_size(env.observation_space, name), space_size(env.action_space, name), **kw)

    def act(self, obs, greedy=False):
        """An action for one observation (or an array of actions for a batch of them)."""
        batch = np.ndim(obs) == 2
        x = check_observation(obs, (self.obs_dim,), type(self).__name__, batched=True)
        with no_grad():
            logits = self.policy(Tensor(x.reshape(-1, self.obs_dim))).numpy()
        a = sample_actions(logits, self.rng, greedy)
        return a if batch else int(a[0])

    def values(self, obs):
        """V of a batch of observations, as an ndarray (no graph)."""
        with no_grad():
            return self.value(Tensor(np.asarray(obs, np.float32))).numpy()[:, 0]

    def update(self, obs, actions, advantages, returns):
        """One step on -(log pi(a|s) * A) - ent_coef * H(pi) + vf_coef * (V(s) - G)^2, averaged
        over the batch; returns (policy loss, value loss, entropy)."""
        x = Tensor(np.asarray(obs, np.float32))
        dist = Categorical(logits=self.policy(x))
        v = self.value(x)[:, 0]
        logp, entropy = dist.log_prob(Tensor(np.asarray(actions, np.int64))), dist.entropy().mean()
        policy_loss = -(logp * Tensor(np.asarray(advantages, np.float32))).mean()
        value_loss = F.mse_loss(v, Tensor(np.asarray(returns, np.float32)))
        loss = policy_loss - self.ent_coef * entropy + self.vf_coef * value_loss
        self.optimizer.zero_grad()
        loss.backward()
        if self.max_grad_norm:
            clip_grad_norm_(self.params, self.max_grad_norm)
        self.optimizer.step()
        return float(policy_loss.item()), float(value_loss.item()), float(entropy.item())
