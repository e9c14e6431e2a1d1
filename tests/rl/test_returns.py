"""Discounted returns, TD targets and GAE against hand computation."""
import numpy as np

from gradwise import rl
from gradwise.rl.returns import normalize


def test_discounted_returns():
    np.testing.assert_allclose(rl.discounted_returns([1, 1, 1], 0.5), [1.75, 1.5, 1.0])
    np.testing.assert_allclose(rl.discounted_returns([1, 1, 1], 0.5, bootstrap=8.0), [2.75, 3.5, 5.0])
    # an episode ends after step 1: the return does not leak across it
    np.testing.assert_allclose(rl.discounted_returns([1, 2, 3], 0.9, terminated=[False, True, False]),
                               [1 + 0.9 * 2, 2, 3])
    two_envs = rl.discounted_returns(np.array([[1.0, 0.0], [1.0, 1.0]]), 1.0, bootstrap=np.array([0.0, 10.0]))
    np.testing.assert_allclose(two_envs, [[2.0, 11.0], [1.0, 11.0]])


def test_td_target_and_gae():
    np.testing.assert_allclose(rl.td_target([1.0, 1.0], np.array([5.0, 5.0]), [False, True], 0.9), [5.5, 1.0])
    r, v, d = np.array([1.0, 0.0, 2.0]), np.array([0.5, 1.0, 1.5]), np.array([False, False, True])
    gamma, lam = 0.9, 0.8
    adv, ret = rl.gae(r, v, d, last_value=7.0, gamma=gamma, lam=lam)
    deltas = [1 + gamma * 1.0 - 0.5, 0 + gamma * 1.5 - 1.0, 2.0 - 1.5]       # no bootstrap after the end
    want = [deltas[0] + gamma * lam * (deltas[1] + gamma * lam * deltas[2]), deltas[1] + gamma * lam * deltas[2],
            deltas[2]]
    np.testing.assert_allclose(adv, want)
    np.testing.assert_allclose(ret, adv + v)
    # lam = 1 is the n-step return minus V
    adv1, ret1 = rl.gae(r, v, [False, False, False], last_value=7.0, gamma=gamma, lam=1.0)
    np.testing.assert_allclose(ret1, rl.discounted_returns(r, gamma, bootstrap=7.0))
    x = normalize([1.0, 2.0, 3.0])
    assert abs(x.mean()) < 1e-12 and abs(x.std() - 1) < 1e-6
