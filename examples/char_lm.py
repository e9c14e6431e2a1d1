"""A character-level LSTM language model on tiny-shakespeare, trained with truncated
backpropagation through time, with temperature sampling.

The standard split (first 90% train, last 10% validation); the text is cut into B contiguous
streams read T characters at a time, and the LSTM state is carried from chunk to chunk and
detached (truncated BPTT). Stops after --minutes and prints the validation curve and a sample.

    python examples/char_lm.py [--data ../shared/data/tinyshakespeare/input.txt] [--minutes 15]
"""
import argparse
import time

import gradwise as gw
from gradwise import models, nn, optim
from gradwise.data import CharText


def streams(codes, batch):
    n = (len(codes) - 1) // batch * batch
    return codes[:n].reshape(batch, -1), codes[1:n + 1].reshape(batch, -1)


def validation_loss(model, codes, batch=32, seq=100, max_chars=60_000):
    x_all, y_all = streams(codes[:max_chars + 1], batch)
    state, total, count = None, 0.0, 0
    model.eval()
    with gw.no_grad():
        for i in range(0, x_all.shape[1] - seq + 1, seq):
            logits, state = model(gw.tensor(x_all[:, i:i + seq]), state)
            total += gw.functional.cross_entropy(logits.reshape(-1, model.vocab_size),
                                                 y_all[:, i:i + seq].reshape(-1), reduction="sum").item()
            count += batch * seq
    model.train()
    return total / count


def main(path, minutes=15.0, batch=64, seq=100, lr=3e-3, seed=0, eval_every=200):
    train, val = CharText(path, seq, split="train"), CharText(path, seq, split="val")
    model = models.CharLM(train.vocab_size, embedding_dim=64, hidden_size=256, generator=seed)
    opt = optim.Adam(model.parameters(), lr=lr)
    x_all, y_all = streams(train.codes, batch)
    loss_fn = nn.CrossEntropyLoss()
    started, step, state, curve = time.perf_counter(), 0, None, []
    print(f"{len(train.codes):,} training characters in {batch} streams, {seq} steps of BPTT; "
          f"{sum(p.numel() for p in model.parameters()):,} parameters")
    while time.perf_counter() - started < minutes * 60:
        i = (step * seq) % (x_all.shape[1] - seq)
        if i < seq:
            state = None                               # a new pass over the streams
        logits, state = model(gw.tensor(x_all[:, i:i + seq]), state)
        loss = loss_fn(logits.reshape(-1, train.vocab_size), y_all[:, i:i + seq].reshape(-1))
        opt.zero_grad()
        loss.backward()
        optim.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        state = nn.detach_state(state)                 # truncated backpropagation through time
        step += 1
        if step % eval_every == 0:
            v = validation_loss(model, val.codes)
            elapsed = time.perf_counter() - started
            curve.append((step, elapsed, loss.item(), v))
            print(f"step {step:5d}  {elapsed:6.0f} s  train loss {loss.item():.3f}  validation {v:.3f} nats/char")
    v = validation_loss(model, val.codes)
    curve.append((step, time.perf_counter() - started, loss.item(), v))
    print(f"final validation loss {v:.3f} nats/char after {step} steps, {time.perf_counter() - started:.0f} s")
    prompt = "ROMEO:\n"
    text = train.decode(model.sample(train.encode(prompt), length=400, temperature=0.8, generator=seed))
    print("sample (temperature 0.8):\n" + prompt + text)
    return v, curve


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default="../shared/data/tinyshakespeare/input.txt")
    p.add_argument("--minutes", type=float, default=15.0)
    args = p.parse_args()
    main(args.data, args.minutes)
