from .base import evaluate
from .qlearning import QLearning
from .reinforce import Reinforce
from .a2c import A2C
from .replay import ReplayBuffer
from .dqn import DQN
