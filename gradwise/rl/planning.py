"""Dynamic programming on a known model (``P[s][a] = [(prob, next_state, reward, terminated)]``):
the optimum that a learning agent is measured against."""
import numpy as np


def _backup(P, V, gamma):
    """Q[s, a] = sum over outcomes of prob * (reward + gamma * V[next] unless terminated)."""
    n_s, n_a = len(P), len(P[0])
    Q = np.zeros((n_s, n_a))
    for s in range(n_s):
        for a in range(n_a):
            Q[s, a] = sum(p * (r + (0.0 if done else gamma * V[s2])) for p, s2, r, done in P[s][a])
    return Q


def value_iteration(P, gamma=1.0, tol=1e-10, max_iterations=100_000):
    """Optimal state values and a greedy optimal policy: ``(V, policy)``. With ``gamma=1`` the
    MDP must be episodic (every policy considered reaches a terminal state)."""
    V = np.zeros(len(P))
    for _ in range(max_iterations):
        Q = _backup(P, V, gamma)
        new = Q.max(1)
        if np.max(np.abs(new - V)) < tol:
            V = new
            break
        V = new
    return V, _backup(P, V, gamma).argmax(1)


def policy_evaluation(P, policy, gamma=1.0, tol=1e-10, max_iterations=10_000):
    """The expected return of a deterministic ``policy`` (an array of actions) from every state.
    From a state where the policy never terminates the cost keeps growing until ``max_iterations``
    (with gamma=1 such a state has no finite value)."""
    V = np.zeros(len(P))
    for _ in range(max_iterations):
        new = np.array([sum(p * (r + (0.0 if done else gamma * V[s2])) for p, s2, r, done in P[s][int(policy[s])])
                        for s in range(len(P))])
        if np.max(np.abs(new - V)) < tol:
            return new
        V = new
    return V
