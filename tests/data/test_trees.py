"""Tree and TreeBatch: building from nested tuples and parent arrays, the level schedule, and
clear errors for what is not a tree."""
import numpy as np
import pytest

from gradwise.data.trees import Tree, TreeBatch
from gradwise.errors import TreeError


def test_from_nested_numbers_in_preorder_and_round_trips():
    nested = ("+", 1, ("*", 2, 3), 4)
    t = Tree.from_nested(nested)
    assert t.parents.tolist() == [-1, 0, 0, 2, 2, 0]
    assert t.values == ["+", 1, "*", 2, 3, 4]
    assert t.depth.tolist() == [0, 1, 1, 2, 2, 1] and t.height == 2
    assert t.children(0).tolist() == [1, 2, 5]
    assert t.to_nested() == nested
    assert Tree.from_nested(7).parents.tolist() == [-1]


def test_parent_arrays_in_any_order():
    t = Tree([2, 2, -1, 1], values="abcd")
    assert t.depth.tolist() == [1, 1, 0, 2]
    assert t.to_nested() == ("c", "a", ("b", "d"))


def test_batch_schedule_children_follow_their_parents_level_by_level():
    trees = [Tree.from_nested(("+", 1, ("*", 2, 3), 4)), Tree([-1, 0, 0, 1, 1, 1]), Tree.from_nested(7)]
    b = TreeBatch(trees)
    assert b.num_nodes == 13 and b.offsets.tolist() == [0, 6, 12] and b.roots.tolist() == [0, 6, 12]
    assert len(b.levels) == 3 and b.levels[0].tolist() == [0, 6, 12]
    for d in range(len(b.levels) - 1):
        expected = [c for p in b.levels[d] for c in np.flatnonzero(b.parents == p)]
        assert b.levels[d + 1].tolist() == expected
        assert b.counts[d].tolist() == [int((b.parents == p).sum()) for p in b.levels[d]]
    assert not b.counts[-1].any()
    assert sorted(b.order.tolist()) == list(range(13))
    assert (b.order[b.position] == np.arange(13)).all()
    with pytest.raises(TreeError, match="tree 1 has no values"):
        b.values
    assert TreeBatch(trees[:1]).values == ["+", 1, "*", 2, 3, 4]


@pytest.mark.parametrize("parents, match", [
    ([-1, 2, 1], r"cycle 1 -> 2 -> 1"),
    ([-1, 1], r"cycle 1 -> 1"),
    ([1, 2, 0], r"no root .* the parents form a cycle"),
    ([-1, 0, 7], r"node 2 names parent 7, which does not exist \(nodes are 0..2\)"),
    ([-1, 0, -1], r"2 roots \(nodes \[0, 2\]\)"),
    ([], r"non-empty 1-D array of integers"),
    ([[-1]], r"non-empty 1-D array of integers"),
])
def test_parent_arrays_that_are_not_trees(parents, match):
    with pytest.raises(TreeError, match=match):
        Tree(np.array(parents, dtype=np.int64))


def test_nested_inputs_that_are_not_trees():
    with pytest.raises(TreeError, match=r"missing child \(None\) at path \(1, 0\)"):
        Tree.from_nested(("+", 1, ("*", None, 3)))
    loop = ["+", 1]
    loop.append(loop)
    with pytest.raises(TreeError, match=r"contains itself \(a cycle\)"):
        Tree.from_nested(loop)
    with pytest.raises(TreeError, match=r"empty node at path \(0,\)"):
        Tree.from_nested(("+", ()))
    with pytest.raises(TreeError, match=r"3 values for 2 nodes"):
        Tree([-1, 0], values=[1, 2, 3])


def test_shared_subtrees_are_copied_not_cycles():
    leaf = ("*", 2, 3)
    t = Tree.from_nested(("+", leaf, leaf))
    assert len(t) == 7 and t.to_nested() == ("+", leaf, leaf)


def test_deep_chain_needs_no_recursion():
    n = 5000
    t = Tree(np.arange(-1, n - 1))
    assert t.height == n - 1
    assert len(TreeBatch([t]).levels) == n
    nested = 0
    for _ in range(3000):
        nested = ("s", nested)
    assert Tree.from_nested(nested).height == 3000
