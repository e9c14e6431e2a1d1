"""ListOps: the generator is seeded and follows the paper's settings; evaluation is right."""
import numpy as np
import pytest

from gradwise.data.datasets.listops import VOCAB, ListOps, evaluate, generate_expression, listops_splits, tokens


@pytest.mark.parametrize("expr, value", [
    (("[MAX", 2, 9, ("[MIN", 4, 7), 0), 9),
    (("[MIN", 2, 9, ("[MIN", 4, 7), 0), 0),
    (("[MED", 1, 8, 3, 6), 4),            # (3 + 6) / 2 = 4.5, rounded down as the paper's int(np.median)
    (("[MED", 5, 1, 9), 5),
    (("[SM", 7, 8, ("[SM", 9, 9)), 3),    # 7 + 8 + 8 = 23 -> 3
    (("[MAX", ("[MED", 0, 0, 9), ("[SM", 5, 5)), 0),
    (4, 4),
])
def test_evaluate(expr, value):
    assert evaluate(expr) == value


def prefix_value(toks):
    """An independent evaluator of the token sequence (a stack machine, as the task is read)."""
    stack = []
    for t in toks:
        if t == "]":
            args = []
            while not isinstance(stack[-1], str):
                args.append(stack.pop())
            op, args = stack.pop(), sorted(args)
            stack.append({"[MIN": args[0], "[MAX": args[-1], "[SM": sum(args) % 10,
                          "[MED": int(np.median(args))}[op])
        else:
            stack.append(t if t.startswith("[") else int(t))
    assert len(stack) == 1
    return stack[0]


def test_labels_match_an_independent_evaluator_and_tokens_are_in_the_vocabulary():
    ds = ListOps(300, seed=5)
    for e, label in zip(ds.expressions, ds.labels):
        toks = tokens(e)
        assert prefix_value(toks) == label
        assert set(toks) <= set(VOCAB)


def test_same_seed_same_data_other_seed_other_data():
    a, b, c = ListOps(200, seed=1), ListOps(200, seed=1), ListOps(200, seed=2)
    assert a.expressions == b.expressions and (a.labels == b.labels).all()
    assert a.expressions != c.expressions


def test_generator_respects_the_paper_settings():
    rng = np.random.default_rng(0)
    exprs = [generate_expression(rng, max_depth=6, max_args=3) for _ in range(3000)]

    def walk(e, depth=1):
        if not isinstance(e, tuple):
            return depth
        assert 2 <= len(e) - 1 <= 3
        return max(walk(a, depth + 1) for a in e[1:])
    depths = [walk(e) for e in exprs]
    assert max(depths) == 6                      # operators stop at max_depth, digits below it
    singles = np.mean([not isinstance(e, tuple) for e in exprs])
    assert abs(singles - 0.75) < 0.03            # the root is a digit with probability 1 - value_p


def test_splits_are_disjoint_unique_and_capped():
    train, test = listops_splits(400, 100, seed=0, max_length=40)
    assert len(set(train.expressions)) == 400 and len(set(test.expressions)) == 100
    assert not set(train.expressions) & set(test.expressions)
    assert train.lengths().max() <= 40


def test_batches_for_trees_and_sequences():
    ds = ListOps(50, seed=3)
    trees, node_ids, labels = ds.tree_batch([4, 7, 9])
    assert len(trees) == 3 and node_ids.shape == (trees.num_nodes,)
    assert [VOCAB[i] for i in node_ids[:len(ds.trees[4])]] == [str(v) for v in ds.trees[4].values]
    seqs, labels2 = ds.sequence_batch([4, 7, 9])
    assert (labels == labels2).all() and (labels == ds.labels[[4, 7, 9]]).all()
    lengths = ds.lengths()[[4, 7, 9]]
    assert seqs.shape == (3, lengths.max())
    for row, n, i in zip(seqs, lengths, [4, 7, 9]):
        assert not row[:len(row) - n].any()      # PAD (0) on the left
        assert [VOCAB[t] for t in row[len(row) - n:]] == tokens(ds.expressions[i])


def test_binary_parse_is_left_branching_over_the_tokens():
    from gradwise.data.datasets.listops import PAD, binary_parse
    expr = ("[MAX", 2, ("[MIN", 4, 7), 0)
    assert binary_parse(expr) == (PAD, (PAD, (PAD, (PAD, "[MAX", 2), (PAD, (PAD, (PAD, "[MIN", 4), 7), "]")), 0), "]")
    ds = ListOps(20, seed=0, parse="binary")
    for tree, e in zip(ds.trees, ds.expressions):
        leaves = [v for i, v in enumerate(tree.values) if not tree.children(i).size]
        assert [str(v) for v in leaves] == tokens(e)         # the leaves, left to right, are the sequence
    with pytest.raises(ValueError, match="parse must be 'nary' or 'binary'"):
        ListOps(2, parse="ternary")
