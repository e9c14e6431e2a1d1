"""A program written for PyTorch (the names this work added) runs on gradwise with only the
import changed, and learns: embedding with padding, a Transformer encoder with a key-padding
mask, an LSTM on packed sequences, GroupNorm, Upsample, AdamW, a closure step."""
import numpy as np

import gradwise as torch

nn, F = torch.nn, torch.nn.functional
pack_padded_sequence = torch.nn.utils.rnn.pack_padded_sequence


class Model(nn.Module):
    def __init__(self, vocab=6, d=16):
        super().__init__()
        self.embed = nn.Embedding(vocab, d, padding_idx=0)
        layer = nn.TransformerEncoderLayer(d, nhead=2, dim_feedforward=32, dropout=0.1, batch_first=True,
                                           norm_first=True, activation="gelu")
        self.encoder = nn.TransformerEncoder(layer, num_layers=2)
        self.lstm = nn.LSTM(d, d, batch_first=True)
        self.head = nn.Sequential(nn.Linear(2 * d, d), nn.SiLU(inplace=True), nn.Dropout(0.1), nn.Linear(d, 2))

    def forward(self, tokens, lengths):
        pad = tokens == 0
        x = self.encoder(self.embed(tokens), src_key_padding_mask=pad)
        pooled = x.masked_fill(pad.unsqueeze(-1), 0.0).sum(1) / lengths.unsqueeze(1)
        self.lstm.flatten_parameters()
        _, (h, _) = self.lstm(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
        return self.head(torch.cat([pooled, h[-1]], dim=1))


def _batch(rng, n=32, steps=8):
    lengths = rng.integers(3, steps + 1, n)
    tokens = rng.integers(1, 6, (n, steps)) * (np.arange(steps) < lengths[:, None])
    labels = (tokens == 3).any(1).astype(np.int64)        # does token 3 occur?
    return torch.tensor(tokens), torch.tensor(lengths.astype(np.float32)), torch.tensor(labels)


def test_program_runs_and_learns():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    model = Model()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)
    for _ in range(40):
        tokens, lengths, labels = _batch(rng)

        def closure():
            opt.zero_grad()
            loss = loss_fn(model(tokens, lengths), labels)
            loss.backward()
            return loss
        opt.step(closure)
    model.eval()
    with torch.no_grad():
        tokens, lengths, labels = _batch(np.random.default_rng(1), n=200)
        accuracy = (model(tokens, lengths).argmax(1) == labels).float().mean().item()
    assert accuracy > 0.9


def test_vision_names():
    x = torch.randn(2, 4, 5, 5)
    block = nn.Sequential(nn.Conv2d(4, 8, 3, padding=1, padding_mode="zeros"), nn.GroupNorm(2, 8),
                          nn.ReLU(inplace=True), nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
                          nn.Dropout2d(0.2), nn.ReflectionPad2d(1))
    y = block(x)
    assert tuple(y.shape) == (2, 8, 12, 12)
    z = F.interpolate(F.pad(y, (1, 1, 1, 1), mode="replicate"), size=(7, 7), mode="nearest")
    assert z.size() == (2, 8, 7, 7)
    target = F.softmax(torch.randn(2, 392), dim=1)
    F.kl_div(F.log_softmax(z.flatten(1), dim=1), target, reduction="batchmean").backward()
    assert block[0].weight.grad is not None
