"""Sequence classifiers on RNN, LSTM or GRU (deep and bidirectional)."""
from .. import functional as F
from .. import nn
from ..errors import ArgumentError


class SequenceClassifier(nn.Module):
    """Read a sequence (B, T, input_size) with a recurrent network and classify it from the final
    hidden state (both directions' when bidirectional).

    Args:
        kind: "rnn", "lstm" or "gru".
        num_layers, bidirectional, dropout: as in the recurrent layers.
    """
    KINDS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}

    def __init__(self, input_size, hidden_size, num_classes, kind="lstm", num_layers=1, bidirectional=False,
                 dropout=0.0, generator=None):
        super().__init__()
        if kind not in self.KINDS:
            raise ArgumentError(f"SequenceClassifier: kind must be one of {', '.join(self.KINDS)}; got {kind!r}")
        self.kind, self.bidirectional = kind, bidirectional
        self.rnn = self.KINDS[kind](input_size, hidden_size, num_layers=num_layers, batch_first=True,
                                    bidirectional=bidirectional, dropout=dropout, generator=generator)
        self.head = nn.Linear(hidden_size * (2 if bidirectional else 1), num_classes, generator=generator)

    def forward(self, x):
        _, state = self.rnn(x)
        h = state[0] if self.kind == "lstm" else state
        last = F.cat([h[-2], h[-1]], axis=1) if self.bidirectional else h[-1]
        return self.head(last)
