"""CartPole-v1 with DQN, advantage actor-critic (A2C) or REINFORCE, on gradwise's built-in CartPole
(step-for-step gymnasium's CartPole-v1). Trains for a budget of environment steps, evaluating
the greedy policy every ``--eval-every`` steps on 20 episodes and keeping the best weights
(as RL Baselines3 Zoo does), then scores those on 100 fresh evaluation episodes; CartPole-v1
counts as solved at an average return >= 475.

    python examples/rl_cartpole.py --agent dqn
    python examples/rl_cartpole.py --agent a2c
    python examples/rl_cartpole.py --agent reinforce
"""
import argparse
import copy
import os
import time

# small networks run faster on one BLAS thread than fighting over two (set before NumPy loads)
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

import gradwise as gw
from gradwise import rl

BUDGETS = {"dqn": 100_000, "a2c": 300_000, "reinforce": 300_000}
MAKERS = {"dqn": lambda seed: rl.DQN.for_env(rl.CartPole(), seed=seed),
          "a2c": lambda seed: rl.A2C.for_env(rl.CartPole(), seed=seed),
          "reinforce": lambda seed: rl.Reinforce.for_env(rl.CartPole(), seed=seed)}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--agent", choices=sorted(MAKERS), default="dqn")
    p.add_argument("--steps", type=int, default=None, help="environment steps (default: dqn 100k, others 300k)")
    p.add_argument("--eval-every", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--log-dir", default=None, help="write TensorBoard logs here")
    p.add_argument("--print-every", type=int, default=50, help="console line every N episodes")
    args = p.parse_args()
    gw.manual_seed(args.seed)
    steps = args.steps or BUDGETS[args.agent]
    agent, env = MAKERS[args.agent](args.seed), rl.CartPole()
    logger = rl.RunLogger(print_every=args.print_every, log_dir=args.log_dir)
    best = {"score": -np.inf, "agent": None, "next": args.eval_every}

    def evaluate_now(agent, logger):
        if logger.steps < best["next"]:
            return False
        best["next"] += args.eval_every
        score = rl.evaluate(agent, rl.CartPole(), episodes=20, seed=10_000 + logger.steps)[0].mean()
        print(f"[eval] step {logger.steps}: greedy return over 20 episodes {score:.1f}", flush=True)
        if score >= best["score"]:
            best["score"], best["agent"] = score, copy.deepcopy(agent)
        return score >= 500
    started = time.perf_counter()
    agent.learn(env, total_steps=steps, logger=logger, seed=args.seed * 1000, callback=evaluate_now)
    train_time = time.perf_counter() - started
    returns, _ = rl.evaluate(best["agent"] or agent, rl.CartPole(), episodes=100, seed=1_000_000)
    print(f"{args.agent}: {logger.steps} env steps, {len(logger.episode_returns)} episodes, {train_time:.1f} s; "
          f"100 evaluation episodes of the best policy: mean return {returns.mean():.1f} +- {returns.std():.1f} "
          f"({'solved' if returns.mean() >= 475 else 'not solved'})")
    logger.close()
    findings = rl.diagnose(logger, n_actions=2)
    for finding in findings:
        print(finding)
    print("doctor: healthy" if not findings else f"doctor: {len(findings)} finding(s)")


if __name__ == "__main__":
    main()
