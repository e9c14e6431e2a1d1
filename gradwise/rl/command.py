"""``gradwise rl``: train an agent on an environment, print the run's progress and findings, and
evaluate the greedy policy."""
import argparse
import time

AGENTS = ("qlearning", "reinforce", "a2c", "dqn")


def add_parser(sub):
    r = sub.add_parser("rl", help="train a reinforcement-learning agent on an environment",
                       description="Train an agent (qlearning on the mazes; reinforce, a2c, dqn on CartPole or any "
                                   "gymnasium environment with vector observations and discrete actions), then "
                                   "evaluate its greedy policy. Example: gradwise rl --env cartpole --agent a2c")
    r.add_argument("--env", default="maze", help="maze, slippery-maze, cartpole, or a gymnasium id such as "
                                                 "Acrobot-v1 (needs pip install gymnasium); default maze")
    r.add_argument("--agent", default=None, choices=AGENTS, help="default: qlearning for the mazes, a2c otherwise")
    r.add_argument("--steps", type=int, default=None, help="environment steps (deep agents; default 100000)")
    r.add_argument("--episodes", type=int, default=None, help="episodes (qlearning; default 300, 2000 if slippery)")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--eval-episodes", type=int, default=100, help="greedy evaluation episodes (default 100)")
    r.add_argument("--print-every", type=int, default=50, help="a console line every N episodes (0: quiet)")
    r.add_argument("--log-dir", default=None, help="write TensorBoard logs there (needs tensorboardX)")
    return r


def _env(name):
    from . import ENVS, make
    if name.lower() in ENVS or name.lower() == "cartpole-v1":
        return make(name)
    try:
        import gymnasium
    except ImportError:
        raise ValueError(f"unknown environment {name!r}; built in: {', '.join(ENVS)} "
                         "(gymnasium ids need pip install gymnasium)") from None
    try:
        return gymnasium.make(name)
    except gymnasium.error.Error as e:
        raise ValueError(f"unknown environment {name!r}: not built in ({', '.join(ENVS)}) and gymnasium says: {e}") \
            from None


def run(args):
    from . import A2C, DQN, QLearning, Reinforce, RunLogger, diagnose, evaluate
    env = _env(args.env)
    is_maze = args.env.lower().endswith("maze")
    name = args.agent or ("qlearning" if is_maze else "a2c")
    logger = RunLogger(print_every=args.print_every, log_dir=args.log_dir)
    started = time.perf_counter()
    if name == "qlearning":
        slippery = getattr(env, "slip", 0) > 0
        agent = QLearning.for_env(env, lr=0.1 if slippery else 0.5, seed=args.seed)
        agent.learn(env, episodes=args.episodes or (2000 if slippery else 300), logger=logger, seed=args.seed)
    else:
        cls = {"reinforce": Reinforce, "a2c": A2C, "dqn": DQN}[name]
        agent = cls.for_env(env, seed=args.seed)
        agent.learn(env, total_steps=args.steps or 100_000, logger=logger, seed=args.seed)
    seconds = time.perf_counter() - started
    logger.close()
    returns, lengths = evaluate(agent, env, episodes=args.eval_episodes, seed=10_000)
    print(f"gradwise rl: {name} on {args.env}: {logger.steps} env steps, {len(logger.episode_returns)} episodes, "
          f"{seconds:.1f} s; greedy policy over {args.eval_episodes} episodes: return {returns.mean():.2f} "
          f"+- {returns.std():.2f}, length {lengths.mean():.1f}")
    n_actions = getattr(env.action_space, "n", None)
    findings = diagnose(logger, n_actions=int(n_actions) if n_actions else None)
    for f in findings:
        print(f)
    print("doctor: healthy" if not findings else f"doctor: {len(findings)} finding(s)")
    return float(returns.mean())


def main(argv=None):
    p = argparse.ArgumentParser(prog="gradwise")
    add_parser(p.add_subparsers(dest="command", required=True))
    return run(p.parse_args(["rl", *(argv or [])]))
