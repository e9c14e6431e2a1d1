"""A character-level language model: embedding, LSTM, and a dense layer to next-character logits."""
import numpy as np

from .. import functional as F
from .. import nn
from ..autograd import no_grad
from ..creation import _rng, generator_stream
from ..tensor import Tensor
from ..errors import ArgumentError


class CharLM(nn.Module):
    """Predict the next character from the ones before.

    forward(x (B, T) int, state) -> (logits (B, T, vocab), state); carry ``state`` from one chunk
    of text to the next and ``nn.detach_state`` it for truncated backpropagation through time.
    """
    def __init__(self, vocab_size, embedding_dim=64, hidden_size=256, num_layers=1, dropout=0.0, generator=None):
        super().__init__()
        seed = generator_stream(generator)
        self.vocab_size = vocab_size
        self.embed = nn.Embedding(vocab_size, embedding_dim, generator=seed())
        self.lstm = nn.LSTM(embedding_dim, hidden_size, num_layers=num_layers, batch_first=True, dropout=dropout,
                            generator=seed())
        self.head = nn.Linear(hidden_size, vocab_size, generator=seed())

    def forward(self, x, state=None):
        out, state = self.lstm(self.embed(x), state)
        return self.head(out), state

    def sample(self, prompt_codes, length=300, temperature=0.8, generator=None):
        """Generate ``length`` codes after ``prompt_codes``; lower temperature = safer, more repetitive."""
        if temperature <= 0:
            raise ArgumentError(f"sample: temperature must be > 0; got {temperature}")
        rng = _rng(generator)
        was = self.training
        self.eval()
        out = []
        try:
            with no_grad():
                logits, state = self(Tensor(np.asarray(prompt_codes, dtype=np.int64)[None]))
                for _ in range(length):
                    p = F.softmax(logits[0, -1] / temperature, dim=-1)._data.astype(np.float64)
                    code = int(rng.choice(self.vocab_size, p=p / p.sum()))
                    out.append(code)
                    logits, state = self(Tensor(np.array([[code]])), state)
        finally:
            self.train(was)
        return out
