"""What an RL run reports: episode return (and its moving average over the last 100 episodes),
episode length, policy entropy and value loss, in the console and in TensorBoard; the history
it keeps is what the RL doctor (gradwise.rl.diagnosis) reads."""
import math
import time
from collections import deque

import numpy as np


class RunLogger:
    """Collects episodes and update statistics of one training run.

    Args:
        print_every: print a console line every this many episodes (0: silent).
        log_dir: write TensorBoard events there (needs tensorboardX); None: no TensorBoard.
        window: episodes in the moving average of the return (100, as CartPole's criterion).
    """

    def __init__(self, print_every=0, log_dir=None, window=100):
        self.print_every, self.window = print_every, window
        self.episode_returns, self.episode_lengths, self.episode_steps = [], [], []
        self.updates = {"step": [], "entropy": [], "value_loss": [], "policy_loss": []}
        self._recent = deque(maxlen=window)
        self.steps, self.started = 0, time.perf_counter()
        self.writer = None
        if log_dir is not None:
            try:
                from tensorboardX import SummaryWriter
            except ImportError:
                raise ImportError("TensorBoard logs need tensorboardX: pip install 'gradwise[tensorboard]'") from None
            self.writer = SummaryWriter(str(log_dir))

    @property
    def moving_average(self):
        return float(np.mean(self._recent)) if self._recent else float("nan")

    def episode(self, ret, length):
        """Record one finished episode (at the current env step count)."""
        self.episode_returns.append(float(ret))
        self.episode_lengths.append(int(length))
        self.episode_steps.append(self.steps)
        self._recent.append(float(ret))
        n = len(self.episode_returns)
        if self.writer is not None:
            self.writer.add_scalar("episode/return", ret, self.steps)
            self.writer.add_scalar("episode/return_moving_average", self.moving_average, self.steps)
            self.writer.add_scalar("episode/length", length, self.steps)
        if self.print_every and n % self.print_every == 0:
            last = {k: v[-1] for k, v in self.updates.items() if v and k != "step"}
            extra = "".join(f"  {k} {v:.4g}" for k, v in last.items() if v is not None and math.isfinite(v))
            print(f"episode {n:5d}  step {self.steps:7d}  return {ret:8.2f}  average({len(self._recent)}) "
                  f"{self.moving_average:8.2f}  length {length:4d}{extra}  {time.perf_counter() - self.started:6.1f} s",
                  flush=True)

    def update(self, entropy=None, value_loss=None, policy_loss=None):
        """Record the statistics of one learning update."""
        self.updates["step"].append(self.steps)
        for k, v in (("entropy", entropy), ("value_loss", value_loss), ("policy_loss", policy_loss)):
            self.updates[k].append(None if v is None else float(v))
            if v is not None and self.writer is not None:
                self.writer.add_scalar(f"update/{k}", float(v), self.steps)

    def close(self):
        if self.writer is not None:
            self.writer.close()

    def summary(self):
        return {"episodes": len(self.episode_returns), "env_steps": self.steps,
                "return_moving_average": self.moving_average,
                "seconds": round(time.perf_counter() - self.started, 2)}


class EpisodeTracker:
    """Running return and length of the current episode of each parallel environment."""

    def __init__(self, n_envs=1):
        self.returns, self.lengths = np.zeros(n_envs), np.zeros(n_envs, dtype=np.int64)

    def step(self, rewards, dones, logger):
        """Add one step of rewards; report and reset the episodes that ended (``dones``)."""
        self.returns += rewards
        self.lengths += 1
        for i in np.flatnonzero(dones):
            logger.episode(self.returns[i], int(self.lengths[i]))
            self.returns[i], self.lengths[i] = 0.0, 0
