"""ListOps (Nangia and Bowman 2018): nested list operations on single digits, e.g.
``[MAX 2 9 [MIN 4 7 ] 0 ]`` = 9. The answer (0-9) is the class.

Generated here with the paper's procedure: a node at depth < max_depth is, with probability
1 - value_p, a digit drawn uniformly, and otherwise an operator, drawn uniformly from MIN, MAX,
MED (median, rounded down) and SM (sum modulo 10), with 2..max_args arguments generated the same
way one level deeper; the root is depth 1. Duplicates are dropped, as in the paper's generator.
Defaults are the paper's: max_depth 20, max_args 5, value_p 0.25; sequences are capped at
``max_length`` tokens (100 by default).

An expression is a nested tuple ``(operator, argument, ...)`` with ints as leaves, which is
directly the tree format of ``gradwise.data.trees.Tree.from_nested``.

Example:
    >>> train, test = listops_splits(20_000, 2_000, seed=0)
    >>> trees, node_ids, labels = train.tree_batch(range(32))
    >>> tokens, labels = train.sequence_batch(range(32))      # left-padded with PAD (id 0)
"""
import numpy as np

from ..dataset import Dataset
from ..trees import Tree, TreeBatch

OPERATORS = ("[MIN", "[MAX", "[MED", "[SM")
END = "]"
PAD = "<pad>"
VOCAB = (PAD,) + OPERATORS + (END,) + tuple(str(d) for d in range(10))
TOKEN_ID = {t: i for i, t in enumerate(VOCAB)}


class _Uniforms:
    """U(0, 1) numbers from a np.random.Generator, drawn in blocks (one call per 4,096 numbers)."""
    def __init__(self, rng):
        self.rng, self.block, self.next = rng, [], 0

    def __call__(self):
        if self.next == len(self.block):
            self.block, self.next = self.rng.random(4096).tolist(), 0
        self.next += 1
        return self.block[self.next - 1]


def generate_expression(rng, max_depth=20, max_args=5, value_p=0.25, depth=1):
    """One random expression by the paper's procedure (``rng`` a np.random.Generator or a
    ``_Uniforms`` stream of it)."""
    u = rng if isinstance(rng, _Uniforms) else _Uniforms(rng)
    if depth >= max_depth or u() > value_p:
        return int(u() * 10)
    n_args = 2 + int(u() * (max_args - 1))
    args = [generate_expression(u, max_depth, max_args, value_p, depth + 1) for _ in range(n_args)]
    return (OPERATORS[int(u() * len(OPERATORS))], *args)


def evaluate(expr):
    """The value of an expression (an int 0-9)."""
    if not isinstance(expr, tuple):
        return expr
    op, values = expr[0], [evaluate(a) for a in expr[1:]]
    if op == "[MIN":
        return min(values)
    if op == "[MAX":
        return max(values)
    if op == "[MED":
        v, n = sorted(values), len(values)
        return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) // 2    # the paper's int(np.median)
    if op == "[SM":
        return sum(values) % 10
    raise ValueError(f"ListOps: unknown operator {op!r}; expected one of {', '.join(OPERATORS)}")


def tokens(expr):
    """The sequence a sequential model reads: ``[MAX 2 9 [MIN 4 7 ] 0 ]`` as a list of tokens."""
    if not isinstance(expr, tuple):
        return [str(expr)]
    return [expr[0]] + [t for a in expr[1:] for t in tokens(a)] + [END]


def binary_parse(expr):
    """The paper's parse (its Figure 1): left-branching inside each list, ``((([MAX 2) 9) ])``;
    leaves are the tokens, and the internal nodes carry PAD (no token of their own)."""
    if not isinstance(expr, tuple):
        return expr
    t = (PAD, expr[0], binary_parse(expr[1]))
    for a in expr[2:]:
        t = (PAD, t, binary_parse(a))
    return (PAD, t, END)


def _node_id(value):
    return TOKEN_ID[value if isinstance(value, str) else str(value)]


class ListOps(Dataset):
    """ListOps examples: ``ds[i]`` is (expression, label).

    Args:
        num_examples: how many distinct expressions.
        seed: the generator's seed (the same seed gives the same examples).
        max_depth, max_args, value_p: the paper's generation settings.
        max_length: expressions longer than this many tokens are drawn again.
        exclude: expressions never to produce (e.g. another split's).
        parse: the trees a tree model reads: "nary" (an operator node over its arguments) or
            "binary" (the paper's left-branching parse over the tokens, ``binary_parse``).
    """
    num_classes = 10
    vocab = VOCAB

    def __init__(self, num_examples, seed=0, max_depth=20, max_args=5, value_p=0.25, max_length=100,
                 exclude=(), expressions=None, parse="nary"):
        if parse not in ("nary", "binary"):
            raise ValueError(f"ListOps: parse must be 'nary' or 'binary'; got {parse!r}")
        if expressions is None:
            rng, seen, expressions = _Uniforms(np.random.default_rng(seed)), set(exclude), []
            while len(expressions) < num_examples:
                e = generate_expression(rng, max_depth, max_args, value_p)
                if e not in seen and len(tokens(e)) <= max_length:
                    seen.add(e)
                    expressions.append(e)
        self.expressions = list(expressions)
        self.labels = np.array([evaluate(e) for e in self.expressions], np.int64)
        self.trees = [Tree.from_nested(e if parse == "nary" else binary_parse(e)) for e in self.expressions]
        self._node_ids = [np.array([_node_id(v) for v in t.values], np.int64) for t in self.trees]
        self._token_ids = [np.array([TOKEN_ID[t] for t in tokens(e)], np.int64) for e in self.expressions]

    def __len__(self):
        return len(self.expressions)

    def __getitem__(self, index):
        return self.expressions[index], self.labels[index]

    def tree_batch(self, indices):
        """(TreeBatch, node token ids (N,), labels (B,)) for the examples at ``indices``."""
        indices = list(indices)
        return (TreeBatch([self.trees[i] for i in indices]),
                np.concatenate([self._node_ids[i] for i in indices]), self.labels[indices])

    def sequence_batch(self, indices):
        """(token ids (B, T) left-padded with PAD so that every sequence ends at T, labels (B,))."""
        indices = list(indices)
        seqs = [self._token_ids[i] for i in indices]
        out = np.zeros((len(seqs), max(len(s) for s in seqs)), np.int64)
        for row, s in zip(out, seqs):
            row[len(row) - len(s):] = s
        return out, self.labels[indices]

    def lengths(self):
        """Tokens per expression."""
        return np.array([len(s) for s in self._token_ids])


def listops_splits(num_train, num_test, seed=0, parse="nary", **settings):
    """Disjoint train and test sets (no expression in both), generated from one seed."""
    train = ListOps(num_train, seed=seed, parse=parse, **settings)
    test = ListOps(num_test, seed=seed + 1_000_003, exclude=train.expressions, parse=parse, **settings)
    return train, test
