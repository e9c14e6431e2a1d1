"""Trees for recursive networks: one tree from nested tuples or a parent array, checked; a batch
of trees with its level schedule (every node of one depth, in all trees, computed together).

A node's children are the nodes that name it as parent, in increasing index order. Nested
tuples read ``(value, child, child, ...)``; anything that is not a tuple (or list) is a leaf.

Example:
    >>> t = Tree.from_nested(("+", 1, ("*", 2, 3)))     # 5 nodes, numbered in pre-order
    >>> t.parents
    array([-1,  0,  0,  2,  2])
    >>> TreeBatch([t, Tree([-1, 0])]).levels            # 3 depths: roots, their children, ...
"""
import numpy as np

from ..errors import TreeError


class Tree:
    """A rooted tree given by its parent array: ``parents[i]`` is node i's parent, -1 at the root.

    Args:
        parents: 1-D integers, one per node, each -1 (the one root) or a node index.
        values: optional per-node values (token ids, labels ...), one per node.
    Raises TreeError for a cycle, a parent that does not exist, no root or several roots.
    """
    __slots__ = ("parents", "values", "depth")

    def __init__(self, parents, values=None):
        parents = np.asarray(parents)
        if parents.ndim != 1 or parents.size == 0 or (parents.dtype.kind not in "iu"):
            raise TreeError(f"Tree: parents must be a non-empty 1-D array of integers; got {parents!r}")
        self.parents = parents.astype(np.int64)
        self.depth = _depths(self.parents)
        if values is not None:
            values = list(values)
            if len(values) != len(parents):
                raise TreeError(f"Tree: {len(values)} values for {len(parents)} nodes; give one value per node")
        self.values = values

    @classmethod
    def from_parents(cls, parents, values=None):
        """The same as ``Tree(parents, values)``."""
        return cls(parents, values)

    @classmethod
    def from_nested(cls, nested):
        """A tree from nested tuples ``(value, child, ...)``; nodes are numbered in pre-order.

        A ``None`` child is a missing child and a list that contains itself is a cycle: both raise
        TreeError, naming the path (child positions from the root) where they occur.
        """
        parents, values, on_path = [], [], set()
        stack = [(nested, -1, ())]
        while stack:
            item, parent, path = stack.pop()
            if item is _EXIT:
                on_path.discard(parent)
                continue
            if item is None:
                raise TreeError(f"Tree.from_nested: missing child (None) at path {path}; every child must be "
                                f"a value or a (value, child, ...) tuple")
            index = len(parents)
            parents.append(parent)
            if not isinstance(item, (tuple, list)):
                values.append(item)
                continue
            if len(item) == 0:
                raise TreeError(f"Tree.from_nested: empty node at path {path}; a node is (value, child, ...)")
            if id(item) in on_path:
                raise TreeError(f"Tree.from_nested: the node at path {path} contains itself (a cycle); "
                                f"a tree's nodes must not be their own ancestors")
            on_path.add(id(item))
            values.append(item[0])
            stack.append((_EXIT, id(item), path))
            stack.extend((child, index, path + (k,)) for k, child in reversed(list(enumerate(item[1:]))))
        return cls(np.array(parents, np.int64), values)

    def __len__(self):
        return len(self.parents)

    @property
    def height(self):
        """The number of edges on the longest root-to-leaf path."""
        return int(self.depth.max())

    def children(self, node):
        """The children of ``node``, in order."""
        return np.flatnonzero(self.parents == node)

    def to_nested(self):
        """Back to nested tuples (leaves as bare values)."""
        kids = [[] for _ in range(len(self))]
        for i, p in enumerate(self.parents):
            if p >= 0:
                kids[p].append(i)
        values = self.values if self.values is not None else list(range(len(self)))
        built = {}
        for i in np.argsort(-self.depth, kind="stable"):
            built[i] = (values[i], *[built[k] for k in kids[i]]) if kids[i] else values[i]
        return built[int(np.flatnonzero(self.parents < 0)[0])]

    def __repr__(self):
        return f"Tree(nodes={len(self)}, height={self.height})"


_EXIT = object()


def _depths(parents):
    """Each node's distance from the root, by pointer doubling; checks that the array is a tree."""
    n = len(parents)
    bad = np.flatnonzero((parents < -1) | (parents >= n))
    if bad.size:
        i = int(bad[0])
        raise TreeError(f"Tree: node {i} names parent {int(parents[i])}, which does not exist (nodes are 0..{n - 1}); "
                        f"a missing node")
    roots = np.flatnonzero(parents == -1)
    if roots.size != 1:
        what = "no root (no parent is -1)" if roots.size == 0 else f"{roots.size} roots (nodes {roots[:5].tolist()})"
        raise TreeError(f"Tree: {what}; a tree has exactly one node with parent -1"
                        + (" (every node has a parent, so the parents form a cycle)" if roots.size == 0 else
                           "; give the trees separately to TreeBatch"))
    up = np.where(parents < 0, np.arange(n), parents)
    dist = (parents >= 0).astype(np.int64)
    for _ in range(max(1, n.bit_length())):
        dist, up = dist + dist[up], up[up]
    stuck = np.flatnonzero(up != roots[0])
    if stuck.size:
        raise TreeError(f"Tree: the parents form a cycle {_cycle(parents, int(stuck[0]))}; "
                        f"a node must not be its own ancestor")
    return dist


def _cycle(parents, start):
    seen, node = [], start
    while node not in seen:
        seen.append(node)
        node = int(parents[node])
    loop = seen[seen.index(node):] + [node]
    return " -> ".join(str(i) for i in loop)


def as_trees(trees):
    """A list of Trees from a Tree, a TreeBatch's trees, nested tuples or parent arrays."""
    if isinstance(trees, Tree):
        return [trees]
    out = []
    for t in trees:
        out.append(t if isinstance(t, Tree) else Tree(t) if isinstance(t, np.ndarray) else Tree.from_nested(t))
    return out


class TreeBatch:
    """Many trees as one set of nodes, with the schedule that computes them level by level.

    Node ``i`` of tree ``t`` is batch node ``offsets[t] + i``. ``levels[d]`` holds the batch
    nodes at depth d in every tree, ordered so that the nodes of ``levels[d + 1]`` are the
    children of ``levels[d]``'s nodes, parent by parent: ``counts[d][j]`` children belong to the
    j-th node of ``levels[d]`` (0 for a leaf). ``order`` concatenates the levels (the roots come
    first, in tree order), and ``position[node]`` is a node's place in ``order``.

    Args:
        trees: Trees (or nested tuples / parent arrays, converted).
    """
    def __init__(self, trees):
        self.trees = as_trees(trees)
        if not self.trees:
            raise TreeError("TreeBatch: no trees given")
        sizes = np.array([len(t) for t in self.trees])
        self.offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        self.num_nodes = int(sizes.sum())
        parents = np.concatenate([np.where(t.parents < 0, -1, t.parents + o) for t, o in zip(self.trees, self.offsets)])
        depth = np.concatenate([t.depth for t in self.trees])
        self.roots = np.flatnonzero(parents < 0)
        self.levels, self.counts = [self.roots], []
        position = np.empty(self.num_nodes, np.int64)
        position[self.roots] = np.arange(len(self.roots))
        by_depth = np.argsort(depth, kind="stable")
        bounds = np.searchsorted(depth[by_depth], np.arange(depth.max() + 2))
        for d in range(1, int(depth.max()) + 1):
            nodes = by_depth[bounds[d]:bounds[d + 1]]
            local = position[parents[nodes]]                    # parent's place in the level above
            nodes = nodes[np.argsort(local, kind="stable")]
            self.counts.append(np.bincount(local, minlength=len(self.levels[-1])))
            position[nodes] = np.arange(len(nodes))
            self.levels.append(nodes)
        self.counts.append(np.zeros(len(self.levels[-1]), np.int64))
        self.order = np.concatenate(self.levels)
        self.position = np.empty(self.num_nodes, np.int64)
        self.position[self.order] = np.arange(self.num_nodes)
        self.parents = parents

    def __len__(self):
        return len(self.trees)

    @property
    def values(self):
        """The per-node values of all trees, in batch node order."""
        missing = [i for i, t in enumerate(self.trees) if t.values is None]
        if missing:
            raise TreeError(f"TreeBatch: tree {missing[0]} has no values")
        return [v for t in self.trees for v in t.values]

    def __repr__(self):
        return f"TreeBatch(trees={len(self)}, nodes={self.num_nodes}, levels={len(self.levels)})"


def as_batch(trees):
    """A TreeBatch from a TreeBatch (returned as is), a Tree or a list of trees."""
    return trees if isinstance(trees, TreeBatch) else TreeBatch(trees)
