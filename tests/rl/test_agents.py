"""Agents: Q-learning solves the maze; the deep agents run seeded, reproducible steps, learn on a
gymnasium environment too, and reject observations of the wrong shape."""
import numpy as np
import pytest

import gradwise as gw
from gradwise import rl
from gradwise.errors import ShapeError


def test_qlearning_finds_the_shortest_path():
    env = rl.Maze()
    agent = rl.QLearning.for_env(env, seed=0)
    logger = agent.learn(env, episodes=200)
    returns, lengths = rl.evaluate(agent, env, episodes=3)
    assert (lengths == env.shortest_path_length()).all() and (returns == -16).all()
    assert len(logger.episode_returns) == 200 and logger.steps == sum(logger.episode_lengths)


def test_qlearning_rejects_a_wrong_observation():
    agent = rl.QLearning(10, 4)
    with pytest.raises(gw.GradwiseError, match="state index in 0..9"):
        agent.act(np.zeros(3))
    with pytest.raises(gw.GradwiseError, match="lr"):
        rl.QLearning(10, 4, lr=0)


def weights(agent):
    nets = [agent.q] if isinstance(agent, rl.DQN) else [agent.policy, agent.value]
    return np.concatenate([p.numpy().ravel() for net in nets for p in net.parameters()])


SMALL = {"dqn": lambda: rl.DQN.for_env(rl.CartPole(), hidden=(32,), learning_starts=100, train_freq=50,
                                       gradient_steps=5, seed=3),
         "a2c": lambda: rl.A2C.for_env(rl.CartPole(), hidden=(32,), n_envs=4, n_steps=5, seed=3),
         "reinforce": lambda: rl.Reinforce.for_env(rl.CartPole(), hidden=(32,), episodes_per_update=2, seed=3)}


@pytest.mark.parametrize("name", sorted(SMALL))
def test_deep_agents_learn_reproducibly(name):
    runs = []
    for _ in range(2):
        agent = SMALL[name]()
        before = weights(agent)
        logger = agent.learn(rl.CartPole(), total_steps=400, seed=5)
        runs.append(weights(agent))
        assert not np.allclose(before, runs[-1]), "no update happened"
        assert logger.steps >= 400 and logger.episode_returns and logger.updates["step"]
        assert np.isfinite(runs[-1]).all()
    np.testing.assert_array_equal(runs[0], runs[1])              # same seeds, same weights
    with pytest.raises(ShapeError, match=r"observation of shape \(3,\); expected \(4,\)"):
        agent.act(np.zeros(3))


def test_policy_gradient_logs_entropy_and_value_loss():
    logger = SMALL["a2c"]().learn(rl.CartPole(), total_steps=200, seed=0)
    ent = [e for e in logger.updates["entropy"] if e is not None]
    assert ent and all(0 < e <= np.log(2) + 1e-6 for e in ent)
    assert all(v >= 0 for v in logger.updates["value_loss"])


def test_agents_need_the_right_spaces():
    with pytest.raises(ShapeError, match="For a Discrete space .* use QLearning"):
        rl.A2C.for_env(rl.Maze())
    with pytest.raises(rl.SpaceError, match="Discrete space"):
        rl.DQN.for_env(type("E", (), {"observation_space": rl.Box(-1, 1, (2,)),
                                      "action_space": rl.Box(-1, 1, (1,))})())


def test_gradwise_agent_on_a_gymnasium_env():
    gym = pytest.importorskip("gymnasium", reason="needs gymnasium (pip install gymnasium)")
    env = gym.make("CartPole-v1")
    agent = rl.DQN.for_env(env, hidden=(16,), learning_starts=50, train_freq=25, gradient_steps=2, seed=0)
    logger = agent.learn(env, total_steps=150, seed=0)
    assert logger.steps == 150 and logger.updates["value_loss"]
    returns, _ = rl.evaluate(agent, env, episodes=2)
    assert (returns >= 1).all()


def test_replay_buffer_wraps_around():
    buf = rl.ReplayBuffer(3, (2,))
    for i in range(5):
        buf.add(np.full(2, i), i % 2, float(i), np.full(2, i + 1), i == 4)
    assert len(buf) == 3 and sorted(buf.rewards) == [2.0, 3.0, 4.0]
    batch = buf.sample(8, np.random.default_rng(0))
    assert batch["obs"].shape == (8, 2) and set(batch["rewards"]) <= {2.0, 3.0, 4.0}
    np.testing.assert_array_equal(batch["next_obs"], batch["obs"] + 1)
    with pytest.raises(gw.GradwiseError, match="empty"):
        rl.ReplayBuffer(2, (1,)).sample(1, np.random.default_rng(0))
