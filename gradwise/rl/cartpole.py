"""CartPole: balance a pole hinged on a cart by pushing the cart left or right.

The equations of motion are those of Barto, Sutton & Anderson (1983), "Neuronlike adaptive
elements that can solve difficult learning control problems" (IEEE SMC 13(5)), with Florian's
(2007) correction of the sign of gravity, integrated by Euler steps of 0.02 s; the constants,
thresholds, reward and start distribution are gymnasium's CartPole-v1, so an episode here and
there follow each other step for step from the same state (tests/rl/test_envs.py checks it).
"""
import math

import numpy as np

from .env import Env
from .spaces import Box, Discrete


class CartPole(Env):
    """Observation (x, x_dot, theta, theta_dot), float32; actions 0 (push left) and 1 (push right).

    Reward 1 for every step, including the one on which the pole falls (|theta| > 12 degrees) or
    the cart leaves the track (|x| > 2.4): both terminate. ``max_episode_steps`` (500 as in v1)
    truncates.
    """
    gravity, masscart, masspole, length, force_mag, tau = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
    theta_threshold = 12 * 2 * math.pi / 360
    x_threshold = 2.4

    def __init__(self, max_episode_steps=500):
        super().__init__()
        self.max_episode_steps = max_episode_steps
        self.total_mass = self.masscart + self.masspole
        self.polemass_length = self.masspole * self.length
        big = np.finfo(np.float32).max
        high = np.array([self.x_threshold * 2, big, self.theta_threshold * 2, big], dtype=np.float32)
        self.observation_space = Box(-high, high, dtype=np.float32)
        self.action_space = Discrete(2)
        self.state = None

    def _reset(self, options):
        low, high = options.get("low", -0.05), options.get("high", 0.05)
        self.state = self.np_random.uniform(low=low, high=high, size=(4,))
        return self.state.astype(np.float32)

    def _step(self, action):
        x, x_dot, theta, theta_dot = self.state
        force = self.force_mag if action == 1 else -self.force_mag
        cos, sin = np.cos(theta), np.sin(theta)
        temp = (force + self.polemass_length * theta_dot ** 2 * sin) / self.total_mass
        theta_acc = (self.gravity * sin - cos * temp) / \
            (self.length * (4.0 / 3.0 - self.masspole * cos ** 2 / self.total_mass))
        x_acc = temp - self.polemass_length * theta_acc * cos / self.total_mass
        x, x_dot = x + self.tau * x_dot, x_dot + self.tau * x_acc
        theta, theta_dot = theta + self.tau * theta_dot, theta_dot + self.tau * theta_acc
        self.state = np.array((x, x_dot, theta, theta_dot), dtype=np.float64)
        terminated = bool(abs(x) > self.x_threshold or abs(theta) > self.theta_threshold)
        return self.state.astype(np.float32), 1.0, terminated
