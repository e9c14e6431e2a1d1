"""Encoder-decoder (sequence-to-sequence) LSTM with teacher forcing and greedy decoding."""
import numpy as np

from .. import nn
from ..autograd import no_grad
from ..creation import generator_stream


class Seq2Seq(nn.Module):
    """An LSTM encoder reads the source; its final (h, c) starts an LSTM decoder that writes the
    target one token at a time.

    Training uses teacher forcing: the decoder sees the true previous token (``bos`` first).
    ``greedy`` decodes by feeding back its own most likely token.

    Args:
        src_vocab, tgt_vocab: vocabulary sizes; the decoder's inputs add one ``bos`` token
            (index ``tgt_vocab``).
    """
    def __init__(self, src_vocab, tgt_vocab, embedding_dim=32, hidden_size=128, generator=None):
        super().__init__()
        seed = generator_stream(generator)
        self.tgt_vocab, self.bos = tgt_vocab, tgt_vocab
        self.src_embed = nn.Embedding(src_vocab, embedding_dim, generator=seed())
        self.encoder = nn.LSTM(embedding_dim, hidden_size, batch_first=True, generator=seed())
        self.tgt_embed = nn.Embedding(tgt_vocab + 1, embedding_dim, generator=seed())
        self.decoder = nn.LSTM(embedding_dim, hidden_size, batch_first=True, generator=seed())
        self.head = nn.Linear(hidden_size, tgt_vocab, generator=seed())

    def encode(self, src):
        return self.encoder(self.src_embed(src))[1]

    def forward(self, src, tgt):
        """Teacher forcing: logits (B, T, tgt_vocab) for target tokens ``tgt`` (B, T)."""
        tgt = np.asarray(getattr(tgt, "_data", tgt))
        dec_in = np.concatenate([np.full((len(tgt), 1), self.bos), tgt[:, :-1]], axis=1)
        out, _ = self.decoder(self.tgt_embed(dec_in), self.encode(src))
        return self.head(out)

    def greedy(self, src, length):
        """Decode ``length`` tokens for each source sequence, feeding back the argmax: (B, length)."""
        was = self.training
        self.eval()
        try:
            with no_grad():
                state = self.encode(src)
                token = np.full((len(getattr(src, "_data", src)), 1), self.bos)
                out = []
                for _ in range(length):
                    h, state = self.decoder(self.tgt_embed(token), state)
                    token = self.head(h)._data.argmax(axis=-1)
                    out.append(token[:, 0])
        finally:
            self.train(was)
        return np.stack(out, axis=1)
