"""A grid maze: walls, a start, a goal, a cost per step; optionally slippery (stochastic moves).

The whole model is available (``transitions()``), so the optimal policy and its expected return
can be computed exactly by value iteration (gradwise.rl.planning) and compared with what a
learning agent finds.
"""
from collections import deque

import numpy as np

from ..errors import GradwiseError
from .env import Env
from .spaces import Discrete

DEFAULT_LAYOUT = (
    "##########",
    "#S.#.....#",
    "#..#.###.#",
    "#.##...#.#",
    "#....#.#.#",
    "####.#.#.#",
    "#....#...#",
    "#.######.#",
    "#.......G#",
    "##########",
)
MOVES = ((-1, 0), (0, 1), (1, 0), (0, -1))      # actions 0 up, 1 right, 2 down, 3 left


class Maze(Env):
    """A maze from a layout of strings: ``#`` wall, ``S`` start, ``G`` goal, ``.`` free.

    Observation: the agent's cell as an index ``row * width + col`` (Discrete). Actions 0 up,
    1 right, 2 down, 3 left; moving into a wall stays put. Every step gives ``step_reward``
    (default -1), so the return of an episode is minus its length and the shortest path is the
    optimal policy; reaching the goal terminates.

    Args:
        layout: a sequence of equal-length strings (default: a 10 x 10 maze).
        slip: probability that the move goes to one side of the intended direction instead
            (half each side), making the MDP stochastic (0: deterministic).
        max_episode_steps: the time limit (truncation).
    """

    def __init__(self, layout=DEFAULT_LAYOUT, slip=0.0, step_reward=-1.0, max_episode_steps=200):
        super().__init__()
        self.grid = self._parse(layout)
        if not 0.0 <= slip < 1.0:
            raise GradwiseError(f"Maze: slip must be in [0, 1); got {slip}")
        self.slip, self.step_reward, self.max_episode_steps = float(slip), float(step_reward), max_episode_steps
        self.height, self.width = self.grid.shape
        self.start = self._find("S")
        self.goal = self._find("G")
        self.observation_space = Discrete(self.height * self.width)
        self.action_space = Discrete(4)
        self.position = None

    @staticmethod
    def _parse(layout):
        rows = [list(r) for r in layout]
        if not rows or len({len(r) for r in rows}) != 1:
            raise GradwiseError(f"Maze layout must be non-empty rows of equal length; got lengths "
                                f"{[len(r) for r in rows]}")
        grid = np.array(rows)
        bad = set(np.unique(grid)) - set("#SG.")
        if bad:
            raise GradwiseError(f"Maze layout may contain only '#', 'S', 'G', '.'; found {sorted(bad)}")
        for ch in "SG":
            if (grid == ch).sum() != 1:
                raise GradwiseError(f"Maze layout needs exactly one '{ch}'; found {(grid == ch).sum()}")
        return grid

    def _find(self, ch):
        r, c = np.argwhere(self.grid == ch)[0]
        return int(r), int(c)

    def state_index(self, position):
        return position[0] * self.width + position[1]

    def _move(self, position, action):
        r, c = position[0] + MOVES[action][0], position[1] + MOVES[action][1]
        inside = 0 <= r < self.height and 0 <= c < self.width
        return (r, c) if inside and self.grid[r, c] != "#" else position

    def _outcomes(self, action):
        """(probability, actual action) pairs: the intended one, or a sideways slip."""
        if self.slip == 0:
            return [(1.0, action)]
        return [(1.0 - self.slip, action), (self.slip / 2, (action + 1) % 4), (self.slip / 2, (action + 3) % 4)]

    def _reset(self, options):
        self.position = self.start
        return np.int64(self.state_index(self.position))

    def _step(self, action):
        probs, actual = zip(*self._outcomes(action))
        taken = actual[self.np_random.choice(len(actual), p=probs)] if len(actual) > 1 else actual[0]
        self.position = self._move(self.position, taken)
        return np.int64(self.state_index(self.position)), self.step_reward, self.position == self.goal

    def transitions(self):
        """The model: ``P[s][a]`` is a list of (probability, next state, reward, terminated), as in
        gymnasium's toy-text environments; wall cells and the goal are absorbing."""
        P = {}
        for r in range(self.height):
            for c in range(self.width):
                s = self.state_index((r, c))
                if self.grid[r, c] == "#" or (r, c) == self.goal:
                    P[s] = {a: [(1.0, s, 0.0, True)] for a in range(4)}
                    continue
                P[s] = {a: [(p, self.state_index(nxt), self.step_reward, nxt == self.goal)
                            for p, taken in self._outcomes(a) for nxt in [self._move((r, c), taken)]]
                        for a in range(4)}
        return P

    def shortest_path_length(self):
        """Moves on a shortest path from start to goal (breadth-first search)."""
        seen, queue = {self.start: 0}, deque([self.start])
        while queue:
            pos = queue.popleft()
            if pos == self.goal:
                return seen[pos]
            for a in range(4):
                nxt = self._move(pos, a)
                if nxt not in seen:
                    seen[nxt] = seen[pos] + 1
                    queue.append(nxt)
        raise GradwiseError("Maze: the goal cannot be reached from the start")

    def render(self):
        """The grid as text, with ``A`` at the agent's cell."""
        g = self.grid.copy()
        if self.position is not None and self.position != self.goal:
            g[self.position] = "A"
        return "\n".join("".join(row) for row in g)
