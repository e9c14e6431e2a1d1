"""Spaces, the maze and CartPole: gymnasium's API, clear errors, value iteration, and CartPole
step for step against gymnasium's CartPole-v1."""
import numpy as np
import pytest

from gradwise import rl
from gradwise.errors import GradwiseError


def test_spaces():
    d = rl.Discrete(3)
    d.seed(0)
    assert all(d.contains(d.sample()) for _ in range(20))
    assert d.contains(2) and not d.contains(3) and not d.contains(-1) and not d.contains(1.0) and not d.contains(True)
    b = rl.Box(-1.0, 1.0, shape=(2,))
    assert b.contains(np.zeros(2, np.float32)) and not b.contains(np.zeros(3, np.float32))
    assert not b.contains(np.array([2.0, 0.0], np.float32))
    assert b.contains(b.sample()) and b.sample().dtype == np.float32
    inf = rl.Box(np.array([-np.inf, 0.0]), np.array([np.inf, np.inf]))
    assert inf.sample()[1] >= 0
    with pytest.raises(rl.SpaceError, match="positive integer"):
        rl.Discrete(0)


def test_maze_follows_gymnasium_api_and_rewards_steps():
    env = rl.Maze()
    obs, info = env.reset(seed=0)
    assert env.observation_space.contains(obs) and info == {}
    assert env.shortest_path_length() == 16
    obs, r, terminated, truncated, info = env.step(3)          # left into the wall: stays put
    assert (obs, r, terminated, truncated) == (env.state_index(env.start), -1.0, False, False)
    # the optimal policy of value iteration walks the shortest path
    V, policy = rl.value_iteration(env.transitions())
    assert V[env.state_index(env.start)] == -16
    obs, _ = env.reset()
    total, done = 0.0, False
    while not done:
        obs, r, terminated, truncated, _ = env.step(int(policy[obs]))
        total, done = total + r, terminated or truncated
    assert terminated and total == -16


def test_maze_truncates_and_slips():
    env = rl.Maze(max_episode_steps=3)
    env.reset(seed=0)
    assert [env.step(3)[3] for _ in range(3)] == [False, False, True]
    with pytest.raises(GradwiseError, match="reset"):
        env.step(0)
    slippery = rl.Maze(slip=0.2)
    P = slippery.transitions()
    s = slippery.state_index((4, 2))                             # open in every direction but down
    assert sorted(p for p, *_ in P[s][1]) == pytest.approx([0.1, 0.1, 0.8])
    V, _ = rl.value_iteration(P)
    assert V[slippery.state_index(slippery.start)] < -16      # slipping costs steps


def test_bad_actions_and_layouts_are_clear_errors():
    env = rl.Maze()
    env.reset(seed=0)
    with pytest.raises(rl.SpaceError, match=r"Maze.step got action 4 .*Discrete\(4\).*0..3"):
        env.step(4)
    cart = rl.CartPole()
    cart.reset(seed=0)
    with pytest.raises(rl.SpaceError, match="CartPole.step got action"):
        cart.step(0.5)
    with pytest.raises(GradwiseError, match="exactly one 'G'"):
        rl.Maze(["#S.#"])
    with pytest.raises(GradwiseError, match="cannot be reached"):
        rl.Maze(["S#G"]).shortest_path_length()
    with pytest.raises(ValueError, match="unknown environment 'pong'"):
        rl.make("pong")


def test_cartpole_terminates_when_the_pole_falls():
    env = rl.make("CartPole-v1")
    obs, _ = env.reset(seed=1)
    assert obs.dtype == np.float32 and env.observation_space.contains(obs)
    n, done = 0, False
    while not done:                                              # always pushing right: falls fast
        obs, r, terminated, truncated, _ = env.step(1)
        n, done = n + 1, terminated or truncated
    assert terminated and not truncated and r == 1.0 and 5 < n < 30
    assert abs(obs[2]) > env.theta_threshold or abs(obs[0]) > env.x_threshold


def test_cartpole_matches_gymnasium_step_for_step():
    gym = pytest.importorskip("gymnasium", reason="the parity check needs gymnasium (pip install gymnasium)")
    theirs, ours = gym.make("CartPole-v1"), rl.CartPole()
    rng = np.random.default_rng(0)
    for seed in range(5):
        o1, _ = theirs.reset(seed=seed)
        o2, _ = ours.reset(seed=seed)
        np.testing.assert_array_equal(o1, o2)
        done = False
        while not done:
            # a mildly sensible policy so that some episodes run long
            a = int(o1[2] + 0.5 * o1[3] > 0) if rng.random() < 0.9 else int(rng.integers(2))
            t, g = theirs.step(a), ours.step(a)
            np.testing.assert_array_equal(t[0], g[0])
            assert t[1:4] == g[1:4]
            o1, done = t[0], t[2] or t[3]


def test_gradwise_envs_pass_gymnasiums_checker():
    gym = pytest.importorskip("gymnasium", reason="needs gymnasium (pip install gymnasium)")
    from gymnasium.utils.env_checker import check_env
    for env in (rl.CartPole(), rl.Maze(slip=0.2)):
        wrapped = rl.to_gymnasium(env)
        check_env(wrapped, skip_render_check=True)
        assert isinstance(wrapped, gym.Env)
        obs, _ = wrapped.reset(seed=0)
        assert wrapped.observation_space.contains(obs)
