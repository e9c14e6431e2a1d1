"""Tabular Q-learning on gradwise's grid maze, measured against the optimum.

Deterministic maze: the greedy policy after training walks the shortest path (breadth-first
search gives its length). Slippery maze (each move goes sideways with probability 0.2): the
optimal expected return comes from value iteration on the known model; the learned greedy
policy's expected return is computed exactly by policy evaluation on the same model (and
checked by 2,000 simulated episodes).

    python examples/rl_maze.py
"""
import time

from gradwise import rl


def deterministic(seed=0):
    env = rl.Maze()
    started = time.perf_counter()
    agent = rl.QLearning.for_env(env, lr=0.5, seed=seed)
    agent.learn(env, episodes=200, seed=seed)
    seconds = time.perf_counter() - started
    returns, lengths = rl.evaluate(agent, env, episodes=10)
    print(env.render())
    print(f"deterministic maze: shortest path {env.shortest_path_length()} moves; greedy policy after 200 "
          f"episodes ({seconds:.1f} s): {lengths.min()}-{lengths.max()} moves, return {returns.mean():.1f}")
    return lengths.max() == env.shortest_path_length()


def slippery(seed=0, slip=0.2, episodes=2000):
    env = rl.Maze(slip=slip)
    P = env.transitions()
    start = env.state_index(env.start)
    optimum = rl.value_iteration(P)[0][start]
    started = time.perf_counter()
    agent = rl.QLearning.for_env(env, lr=0.1, seed=seed)
    agent.learn(env, episodes=episodes, seed=seed)
    seconds = time.perf_counter() - started
    learned = rl.policy_evaluation(P, agent.greedy_policy())[start]
    simulated = rl.evaluate(agent, env, episodes=2000, seed=10_000)[0].mean()
    gap = abs(learned - optimum) / abs(optimum)
    print(f"slippery maze (slip {slip}): optimal expected return {optimum:.3f} (value iteration); learned greedy "
          f"policy after {episodes} episodes ({seconds:.1f} s): {learned:.3f} exactly, {simulated:.3f} over 2,000 "
          f"simulated episodes; gap {100 * gap:.2f}% ({'within' if gap <= 0.05 else 'outside'} 5%)")
    return gap <= 0.05


if __name__ == "__main__":
    ok = deterministic() & slippery()
    print("both solved" if ok else "NOT solved")
