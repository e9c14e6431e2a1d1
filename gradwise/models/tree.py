"""Classifiers of trees and of token sequences: a TreeLSTM (or plain recursive network) over
embedded node tokens, and the LSTM that reads the same expressions as sequences."""
from .. import nn
from ..creation import _rng
from .sequence import SequenceClassifier


class TreeClassifier(nn.Module):
    """Embed each node's token, compose the tree bottom-up with a TreeLSTM (or RecursiveCell),
    classify from the root's hidden state.

    Args:
        vocab_size, embedding_dim: the node token table.
        hidden_size, num_classes: the cell's state size and the classes.
        cell: "lstm" (child-sum TreeLSTM) or "rnn" (RecursiveCell, tanh).
    Call: ``model(node_ids (N,), trees)`` -> logits (number of trees, num_classes).

    Example:
        >>> model = models.TreeClassifier(15, 64, 128, 10, generator=0)
        >>> logits = model(node_ids, tree_batch)
    """
    CELLS = {"lstm": nn.TreeLSTM, "rnn": nn.RecursiveCell}

    def __init__(self, vocab_size, embedding_dim, hidden_size, num_classes, cell="lstm", generator=None):
        super().__init__()
        if cell not in self.CELLS:
            raise ValueError(f"TreeClassifier: cell must be one of {', '.join(self.CELLS)}; got {cell!r}")
        rng = _rng(generator)
        self.embedding = nn.Embedding(vocab_size, embedding_dim, generator=rng)
        self.tree = self.CELLS[cell](embedding_dim, hidden_size, generator=rng)
        self.head = nn.Linear(hidden_size, num_classes, generator=rng)

    def forward(self, node_ids, trees):
        _, root = self.tree(self.embedding(node_ids), trees)
        return self.head(root[0] if isinstance(root, tuple) else root)


def token_sequence_classifier(vocab_size, embedding_dim, hidden_size, num_classes, kind="lstm", generator=None):
    """Embedding then ``SequenceClassifier`` (final hidden state -> classes): the sequential
    baseline. Input token ids (B, T); pad on the left so that every sequence ends at step T."""
    rng = _rng(generator)
    return nn.Sequential(nn.Embedding(vocab_size, embedding_dim, generator=rng),
                         SequenceClassifier(embedding_dim, hidden_size, num_classes, kind=kind, generator=rng))
