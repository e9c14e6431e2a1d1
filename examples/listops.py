"""ListOps (Nangia and Bowman 2018): a TreeLSTM that reads each expression along its parse tree
against an LSTM that reads the same expression token by token.

    python examples/listops.py                       # the README row (scaled down from the paper)
    python examples/listops.py --train 2000 --test 500 --epochs 1      # a quick look

Both models see the same generated examples, the same embedding and hidden sizes, the same
optimizer and the same number of updates; the TreeLSTM batches the nodes of all the trees of a
batch level by level.
"""
import argparse
import os
import platform
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import gradwise as gw  # noqa: E402
from gradwise import models, nn, optim  # noqa: E402
from gradwise.data.datasets.listops import OPERATORS, VOCAB, listops_splits  # noqa: E402


def batches(n, batch_size, seed):
    order = np.random.default_rng(seed).permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def train_and_test(name, model, forward, train, test, args):
    opt = optim.Adam(model.parameters(), lr=args.lr)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs * -(-len(train) // args.batch_size))
    loss_fn = nn.CrossEntropyLoss()
    start = time.perf_counter()
    for epoch in range(args.epochs):
        model.train()
        losses = []
        for idx in batches(len(train), args.batch_size, seed=args.seed * 1000 + epoch):
            logits, labels = forward(train, idx)
            loss = loss_fn(logits, labels)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            sched.step()
            losses.append(loss.item())
        acc = accuracy(model, forward, test)
        print(f"{name:9s} epoch {epoch + 1}: train loss {np.mean(losses):.3f}, test accuracy {acc:.4f} "
              f"({time.perf_counter() - start:.0f} s)", flush=True)
    return acc, time.perf_counter() - start


@gw.no_grad()
def predictions(model, forward, data, batch_size=500):
    model.eval()
    return np.concatenate([forward(data, range(i, min(i + batch_size, len(data))))[0].numpy().argmax(1)
                           for i in range(0, len(data), batch_size)])


def accuracy(model, forward, data):
    return float((predictions(model, forward, data) == data.labels).mean())


def by_root_operator(model, forward, data):
    """Test accuracy for each operator at the root (a bare digit is 'digit')."""
    right = predictions(model, forward, data) == data.labels
    roots = np.array([e[0] if isinstance(e, tuple) else "digit" for e in data.expressions])
    return {op: float(right[roots == op].mean()) for op in OPERATORS if (roots == op).any()}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--train", type=int, default=20_000)
    p.add_argument("--test", type=int, default=2_000)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--embedding", type=int, default=64)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--parse", choices=["nary", "binary"], default="nary",
                   help="the TreeLSTM's trees: operator over arguments, or the paper's binary parse")
    p.add_argument("--models", default="tree,lstm", help="comma-separated: tree, lstm")
    args = p.parse_args(argv)

    t = time.perf_counter()
    train, test = listops_splits(args.train, args.test, seed=args.seed, parse=args.parse)
    lengths = train.lengths()
    print(f"ListOps: {len(train)} training and {len(test)} test expressions (max depth 20, max 5 arguments, "
          f"at most 100 tokens; mean length {lengths.mean():.1f}, longest {lengths.max()}), "
          f"generated in {time.perf_counter() - t:.1f} s on {platform.machine()}, {os.cpu_count()} cores", flush=True)
    results, per_op = {}, {}
    if "tree" in args.models:
        gw.manual_seed(args.seed)
        tree = models.TreeClassifier(len(VOCAB), args.embedding, args.hidden, 10, generator=args.seed)

        def tree_forward(data, idx):
            trees, node_ids, labels = data.tree_batch(idx)
            return tree(node_ids, trees), labels
        results["TreeLSTM"] = train_and_test("TreeLSTM", tree, tree_forward, train, test, args)
        per_op["TreeLSTM"] = by_root_operator(tree, tree_forward, test)
    if "lstm" in args.models:
        gw.manual_seed(args.seed)
        lstm = models.token_sequence_classifier(len(VOCAB), args.embedding, args.hidden, 10, generator=args.seed)

        def lstm_forward(data, idx):
            tokens, labels = data.sequence_batch(idx)
            return lstm(tokens), labels
        results["LSTM"] = train_and_test("LSTM", lstm, lstm_forward, train, test, args)
        per_op["LSTM"] = by_root_operator(lstm, lstm_forward, test)
    for name, (acc, seconds) in results.items():
        ops = ", ".join(f"{op[1:]} {a:.3f}" for op, a in per_op[name].items())
        print(f"{name}: test accuracy {acc:.4f} after {args.epochs} epochs ({seconds:.0f} s); by root operator: {ops}")
    return results


if __name__ == "__main__":
    main()
