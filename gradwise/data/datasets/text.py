"""Character-level text for language modelling (e.g. tiny-shakespeare)."""
from pathlib import Path

import numpy as np

from ...arguments import positive_int, real
from ...errors import ArgumentError, FileFormatError
from ..dataset import Dataset


class CharText(Dataset):
    """A text file cut into sequences of ``seq_len`` characters; each target is its input moved
    one character on. The vocabulary is every character of the whole file, so train and
    validation splits share it.

    Args:
        path: a UTF-8 text file.
        seq_len: characters per sample.
        split: "train" (the first 1 - val_fraction of the text), "val" (the rest) or None (all).

    Example:
        >>> train = CharText("../shared/data/tinyshakespeare/input.txt", 128, split="train")
        >>> x, y = train[0]; train.decode(x)[:20]
    """
    def __init__(self, path, seq_len, split=None, val_fraction=0.1):
        seq_len = positive_int("CharText", "seq_len", seq_len)
        val_fraction = real("CharText", "val_fraction", val_fraction, low=0, high=1, high_open=True)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except UnicodeDecodeError as e:
            raise FileFormatError(path, f"not UTF-8 text: byte {e.object[e.start]:#04x} at offset {e.start} "
                                        f"cannot be decoded ({e.reason}); convert the file to UTF-8") from None
        self.vocab = sorted(set(text))
        self._index = {c: i for i, c in enumerate(self.vocab)}
        codes = np.array([self._index[c] for c in text], dtype=np.int64)
        cut = int(len(codes) * (1 - val_fraction))
        parts = {None: codes, "train": codes[:cut], "val": codes[cut:]}
        if split not in parts:
            raise ArgumentError(f"CharText: split must be 'train', 'val' or None; got {split!r}")
        self.codes, self.seq_len = parts[split], seq_len
        if len(self.codes) <= seq_len:
            raise FileFormatError(path, f"CharText: {len(self.codes)} characters in the {split or 'whole'} "
                                        f"split, fewer than seq_len + 1 ({seq_len + 1})")

    @property
    def vocab_size(self):
        return len(self.vocab)

    def __len__(self):
        return (len(self.codes) - 1) // self.seq_len

    def __getitem__(self, i):
        return tuple(a[0] for a in self.get_batch(np.asarray([i])))

    def get_batch(self, indices):
        starts = np.asarray(indices)[:, None] * self.seq_len + np.arange(self.seq_len)
        return self.codes[starts], self.codes[starts + 1]

    def encode(self, text):
        return np.array([self._index[c] for c in text], dtype=np.int64)

    def decode(self, codes):
        return "".join(self.vocab[int(i)] for i in np.asarray(getattr(codes, "_data", codes)).reshape(-1))
