"""The doctor on broken trainings, each made the way a user makes that mistake, and on healthy ones.

Every broken run must get its finding (right code, and right layer where the finding names
one), and must train worse than its healthy twin (lower held-out score, or a crash). No healthy
run may get a finding above info. Runs are short (seconds) on the bundled 8x8 digits and small
synthetic sequences, in hand-written PyTorch-style loops watched by gw.diagnostics.watch (or in
Trainer.fit where the finding needs epochs or the whole dataset).

    python bench/doctor_benchmark.py            # the table; exit status 1 when a check fails
"""
import math
import sys
import time

import numpy as np

import gradwise as gw
import gradwise.nn.functional as F
from gradwise import models, nn, optim
from gradwise.data import Digits

X, Y = Digits(flatten=True).arrays
XT, YT, XV, YV = X[:1400], Y[:1400], X[1400:], Y[1400:]
ORDER = ("info", "warning", "critical")


# ----- data ---------------------------------------------------------------------------------
def first_step_task(n=512, steps=12, seed=0):
    """Sequences whose class is decided by the first time step (long memory)."""
    x = np.random.default_rng(seed).normal(size=(n, steps, 4)).astype(np.float32)
    return x, (x[:, 0, 0] > 0).astype(np.int64)


def sum_task(n=512, steps=20, seed=0):
    """Sequences whose class is the sign of two summed features (every step counts)."""
    s = np.random.default_rng(seed).normal(size=(n, steps, 8)).astype(np.float32)
    return s, ((s[:, :, 0].sum(1) > 0) * 2 + (s[:, :, 1].sum(1) > 0)).astype(np.int64)


def reverse_task(n=512, length=6, vocab=8, seed=0):
    src = np.random.default_rng(seed).integers(0, vocab, (n, length))
    return src, src[:, ::-1].copy()


# ----- models -------------------------------------------------------------------------------
def mlp(act=nn.ReLU, hidden=64, tail=(), seed=0):
    return nn.Sequential(nn.Linear(64, hidden, generator=seed), act(), nn.Linear(hidden, 10, generator=seed + 1),
                         *tail)


def deep(act, depth=20, width=32):
    rng = np.random.default_rng(0)
    layers, w = [], 64
    for _ in range(depth):
        layers += [nn.Linear(w, width, generator=rng), act()]
        w = width
    return nn.Sequential(*layers, nn.Linear(w, 10, generator=rng))


def cnn():
    return nn.Sequential(nn.Unflatten(1, (1, 8, 8)), nn.Conv2d(1, 8, 3, padding=1, generator=0), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(128, 10, generator=1))


class Recurrent(nn.Module):
    def __init__(self, cell, features=4, hidden=32, classes=2, gain=None, nonlinearity=None):
        super().__init__()
        kw = {} if nonlinearity is None else {"nonlinearity": nonlinearity}
        self.rnn = cell(features, hidden, batch_first=True, generator=0, **kw)
        if gain is not None:
            nn.init.orthogonal_(self.rnn.weight_hh_l0, gain=gain, generator=1)
        self.head = nn.Linear(hidden, classes, generator=2)

    def forward(self, x):
        return self.head(self.rnn(x)[0][:, -1])


class SigmoidAutoencoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(64, 16, generator=0), nn.ReLU(), nn.Linear(16, 64, generator=1),
                                 nn.Sigmoid())

    def forward(self, x):
        return self.net(x)


# ----- one run ------------------------------------------------------------------------------
def train(model, opt, data=(XT, YT), test=(XV, YV), steps=150, batch=32, loss="ce", zero_grad=True, shuffle=True,
          schedule=None, evaluate_in_eval_mode=True, call=None, metric=None):
    """A plain training loop under watch(); returns (findings, held-out score)."""
    x, y = data
    doctor = gw.diagnostics.watch(model, opt)
    loss_fn = LOSSES[loss] if isinstance(loss, str) else loss
    call = call or (lambda m, xb, yb: m(xb))
    rng = np.random.default_rng(0)
    order = rng.permutation(len(x)) if shuffle else np.arange(len(x))
    try:
        with np.errstate(all="ignore"):
            for step in range(steps):
                start = (step * batch) % len(x)
                if start + batch > len(x) and shuffle:
                    order = rng.permutation(len(x))
                idx = order[start:start + batch]
                xb, yb = gw.tensor(x[idx]), gw.tensor(y[idx])
                if zero_grad:
                    opt.zero_grad()
                loss_fn(call(model, xb, yb), yb).backward()
                opt.step()
                if schedule is not None:
                    schedule.step()
            if evaluate_in_eval_mode:
                model.eval()
            with gw.no_grad():
                score = (metric or accuracy)(model, call, *test)
    finally:
        doctor.detach()
    return doctor.findings, score


def accuracy(model, call, x, y):
    out = call(model, gw.tensor(x), gw.tensor(y)).numpy()
    return float((out.argmax(-1) == y).mean()) if np.isfinite(out).all() else 0.0


def reconstruction(model, call, x, y):
    err = float(((model(gw.tensor(x)).numpy() - x) ** 2).mean())
    return -err if math.isfinite(err) else -1e9


def hand_ce(out, y):
    """Cross-entropy written by hand, the way that takes log(0)."""
    p = F.softmax(out, dim=1)
    return -(gw.tensor(np.eye(out.shape[1], dtype=np.float32)[y.numpy()]) * p.log()).sum(1).mean()


LOSSES = {"ce": F.cross_entropy, "hand_ce": hand_ce, "bce": lambda o, y: F.binary_cross_entropy(o, y),
          "mse_onehot": lambda o, y: F.mse_loss(o, gw.tensor(np.eye(10, dtype=np.float32)[y.numpy()])),
          "seq": lambda o, y: F.cross_entropy(o.reshape(-1, o.shape[-1]), y.reshape(-1))}


def fit(model, opt, data=(XT, YT), test=(XV, YV), epochs=1, batch=32, balanced=False, **kw):
    """Trainer.fit (diagnostics on by default); returns (findings, held-out score; None if it crashed)."""
    trainer = gw.Trainer(model, "cross_entropy", opt, metrics=["accuracy"])
    try:
        with np.errstate(all="ignore"):
            history = trainer.fit(data, epochs=epochs, batch_size=batch, verbose=False, **kw)
    except Exception:
        return trainer.callbacks[-1].book.findings, None
    pred = trainer.predict(test[0]).argmax(1)
    if balanced:
        return history.findings, float(np.mean([(pred[test[1] == c] == c).mean() for c in np.unique(test[1])]))
    return history.findings, float((pred == test[1]).mean())


def with_nan(x):
    x = x.copy()
    x[::50, 3] = np.nan
    return x


def imbalanced():
    keep = np.concatenate([np.flatnonzero(YT == c)[:140 if c < 5 else 8] for c in range(10)])
    return XT[keep], YT[keep]


def shifted_init(std):
    m = mlp()
    nn.init.normal_(m[2].weight, std=std, generator=0)
    return m


def zeros(model):
    for p in model.parameters():
        nn.init.zeros_(p)
    return model


def negative_bias(model):
    nn.init.constant_(model[0].bias, -8.0)
    return model


def adam(m, lr=1e-3, **kw):
    return optim.Adam(m.parameters(), lr=lr, **kw)


def sgd(m, lr=0.05, **kw):
    return optim.SGD(m.parameters(), lr=lr, **kw)


def step_lr(m):
    opt = sgd(m)
    return opt, optim.StepLR(opt, step_size=1, gamma=0.5)


SORTED = np.argsort(YT, kind="stable")
SEQ_FIRST, SEQ_SUM, REV = first_step_task(), sum_task(), reverse_task()
SEQ2SEQ = dict(call=lambda m, s, t: m(s, t), loss="seq", data=REV, test=reverse_task(seed=1))
BINARY = ((X > 0.5).astype(np.float32),) * 2


def seq(task, test_seed=1):
    return dict(data=task, test=(first_step_task if task is SEQ_FIRST else sum_task)(seed=test_seed))


# ----- the cases ----------------------------------------------------------------------------
HEALTHY = {
    "mlp_adam": lambda: train(m := mlp(), adam(m)),
    "mlp_sgd_momentum": lambda: train(m := mlp(), sgd(m, momentum=0.9)),
    "mlp_batchnorm_dropout": lambda: train(m := nn.Sequential(nn.Linear(64, 64, generator=0), nn.BatchNorm1d(64),
                                                              nn.ReLU(), nn.Dropout(0.2),
                                                              nn.Linear(64, 10, generator=1)), adam(m)),
    "mlp_tanh_sgd": lambda: train(m := mlp(nn.Tanh), sgd(m, lr=0.1)),
    "cnn_adam": lambda: train(m := cnn(), adam(m)),
    "resnet_adam": lambda: train(m := models.resnet((1, 8, 8), 10, widths=(8, 16), generator=0), adam(m),
                                 data=(XT.reshape(-1, 1, 8, 8), YT), test=(XV.reshape(-1, 1, 8, 8), YV), steps=60),
    "rnn_short_adam": lambda: train(m := Recurrent(nn.RNN, features=8, classes=4), adam(m, 3e-3),
                                    **seq(sum_task(steps=8)), steps=100),
    "lstm_adam": lambda: train(m := Recurrent(nn.LSTM, features=8, classes=4), adam(m, 3e-3), **seq(SEQ_SUM),
                               steps=100),
    "gru_adam": lambda: train(m := Recurrent(nn.GRU), adam(m, 3e-3), **seq(SEQ_FIRST), steps=100),
    "autoencoder_sigmoid_bce": lambda: train(m := SigmoidAutoencoder(), adam(m, 3e-3), data=BINARY, test=BINARY,
                                             loss="bce", metric=reconstruction),
    "seq2seq_lstm": lambda: train(m := models.Seq2Seq(8, 8, 16, 32, generator=0), adam(m, 1e-2), steps=100,
                                  metric=lambda m, call, s, t: float((m.greedy(gw.tensor(s), t.shape[1]) == t).mean()),
                                  **SEQ2SEQ),
    "trainer_mlp_validation": lambda: fit(m := mlp(), adam(m), epochs=3, validation_data=(XV, YV)),
    "trainer_cnn_sgd": lambda: fit(m := cnn(), sgd(m, momentum=0.9), epochs=2),
}

BROKEN = {  # name: (run, healthy twin, expected code, expected layer or None)
    "nan_in_inputs": (lambda: train(m := mlp(), adam(m), data=(with_nan(XT), YT)),
                      "mlp_adam", "nonfinite_inputs", None),
    "pixels_0_255": (lambda: train(m := mlp(), sgd(m), data=(XT * 255, YT), test=(XV * 255, YV)),
                     "mlp_sgd_momentum", "unscaled_inputs", None),
    "pixels_0_16": (lambda: train(m := mlp(), sgd(m, momentum=0.9), data=(XT * 16, YT), test=(XV * 16, YV)),
                    "mlp_sgd_momentum", "unscaled_inputs", None),
    "labels_beyond_outputs": (lambda: fit(m := nn.Sequential(nn.Linear(64, 32, generator=0), nn.ReLU(),
                                                             nn.Linear(32, 8, generator=1)), adam(m)),
                              "trainer_mlp_validation", "labels_out_of_range", None),
    "huge_output_init": (lambda: train(m := shifted_init(10.0), adam(m), steps=40),
                         "mlp_adam", "initial_loss_too_high", None),
    "imbalanced_classes": (lambda: fit(m := mlp(), adam(m), data=imbalanced(), epochs=3, balanced=True),
                           "trainer_mlp_validation", "class_imbalance", None),
    "zero_init": (lambda: train(zeros(m := mlp()), sgd(m)), "mlp_sgd_momentum", "symmetric_initialization", "0"),
    "step_activation": (lambda: train(m := mlp(nn.Step), adam(m)), "mlp_adam", "step_activation", "1"),
    "log_of_zero_loss": (lambda: train(m := shifted_init(50.0), sgd(m), loss="hand_ce"),
                         "mlp_sgd_momentum", "nonfinite_op", "loss (Log)"),
    "lr_10_diverges": (lambda: train(m := mlp(nn.LeakyReLU), sgd(m, lr=10), loss="mse_onehot"),
                       "mlp_sgd_momentum", "diverging_loss", None),
    "lr_too_high": (lambda: train(m := mlp(nn.Tanh), sgd(m, lr=2.0)), "mlp_tanh_sgd", "learning_rate_too_high", None),
    "momentum_oscillates": (lambda: train(m := mlp(), sgd(m, momentum=0.99)), "mlp_sgd_momentum",
                            "oscillating_loss", None),
    "steplr_per_batch": (lambda: train(m := mlp(), (o := step_lr(m))[0], schedule=o[1]), "mlp_sgd_momentum",
                         "lr_schedule_kills_lr", "StepLR(step_size=1, gamma=0.5)"),
    "no_zero_grad": (lambda: train(m := mlp(), sgd(m), zero_grad=False), "mlp_sgd_momentum",
                     "gradient_accumulation", None),
    "softmax_then_cross_entropy": (lambda: train(m := mlp(tail=(nn.Softmax(dim=1),)), adam(m)), "mlp_adam",
                                   "double_softmax", "3"),
    "sorted_not_shuffled": (lambda: train(m := mlp(), adam(m), data=(XT[SORTED], YT[SORTED]), shuffle=False),
                            "mlp_adam", "unshuffled_sorted_data", None),
    "rnn_big_recurrent_weights": (lambda: train(m := Recurrent(nn.RNN, gain=3.0), sgd(m, lr=1e-3),
                                                data=tiny(first_step_task(steps=100)),
                                                test=tiny(first_step_task(steps=100, seed=1)), steps=40),
                                  "gru_adam", "exploding_gradients", "rnn"),
    "deep_sigmoid": (lambda: train(m := deep(nn.Sigmoid), sgd(m, lr=0.1)), "mlp_sgd_momentum",
                     "vanishing_gradients", None),
    "lr_1e-7": (lambda: train(m := mlp(), adam(m, lr=1e-7)), "mlp_adam", "learning_rate_too_low", None),
    "negative_bias_dead_relus": (lambda: train(negative_bias(m := mlp()), adam(m)), "mlp_adam", "dead_relus", "1"),
    "saturating_sigmoid": (lambda: train(m := shifted_first(nn.Sigmoid), adam(m)), "mlp_adam", "saturated_units",
                           "1"),
    "weight_decay_1": (lambda: train(m := mlp(), sgd(m, lr=0.1, weight_decay=1.0)), "mlp_sgd_momentum",
                       "excessive_weight_decay", None),
    "labels_shuffled_apart": (lambda: train(m := mlp(), adam(m), data=(XT, np.random.default_rng(1).permutation(YT))),
                              "mlp_adam", "labels_unrelated", None),
    "rnn_long_memory": (lambda: train(m := Recurrent(nn.RNN, gain=0.2), adam(m), **seq(SEQ_FIRST), steps=100),
                        "gru_adam", "vanishing_gradients_through_time", "rnn"),
    "irnn_identity_1.8": (lambda: train(m := identity_rnn(1.8), sgd(m, lr=1e-5), **seq(SEQ_FIRST), steps=100),
                       "gru_adam", "exploding_gradients_through_time", "rnn"),
    "dropout_at_evaluation": (lambda: train(m := nn.Sequential(nn.Linear(64, 64, generator=0), nn.ReLU(),
                                                               nn.Dropout(0.5), nn.Linear(64, 10, generator=1)),
                                            adam(m), evaluate_in_eval_mode=False, steps=60),
                              "mlp_batchnorm_dropout", "eval_mode_mismatch", "2"),
    "memorise_50_samples": (lambda: fit(m := nn.Sequential(nn.Linear(64, 512, generator=0), nn.ReLU(),
                                                           nn.Linear(512, 512, generator=1), nn.ReLU(),
                                                           nn.Linear(512, 10, generator=2)), adam(m),
                                        data=(XT[:50], YT[:50]), epochs=200, batch=50,
                                        validation_data=(XV, YV)), "trainer_mlp_validation", "overfitting", None),
    "lr_5_at_chance": (lambda: fit(m := mlp(nn.Tanh), sgd(m, lr=5.0), epochs=3), "trainer_mlp_validation",
                       "underfitting", None),
}


def shifted_first(act):
    m = mlp(act)
    nn.init.normal_(m[0].weight, std=10.0, generator=0)
    return m


def tiny(task):
    return task[0] * 0.01, task[1]


def identity_rnn(scale):
    """A ReLU RNN with recurrent weights ``scale`` * I (the IRNN recipe of Le et al. 2015 uses 1)."""
    m = Recurrent(nn.RNN, nonlinearity="relu")
    with gw.no_grad():
        m.rnn.weight_hh_l0.numpy()[...] = scale * np.eye(32, dtype=np.float32)
    return m


def main():
    gw.manual_seed(0)
    rows, failures, healthy_scores = [], 0, {}
    t0 = time.perf_counter()
    for name, run in HEALTHY.items():
        findings, score = run()
        above = [f"{f.code}({f.severity})" for f in findings if f.severity != "info"]
        healthy_scores[name] = score
        failures += bool(above)
        rows.append((name, "-", "-", "ok" if not above else "FALSE ALARM: " + ", ".join(above), score, None))
    for name, (run, twin, code, layer) in BROKEN.items():
        findings, score = run()
        hit = [f for f in findings if f.code == code and f.severity != "info"]
        layer_ok = layer is None or any(f.layer == layer or f.layer.split(", ")[0] == layer for f in hit)
        worse = score is None or score < healthy_scores[twin]
        ok = bool(hit) and layer_ok and worse
        failures += not ok
        status = ("ok" if ok else "MISSED" if not hit else "WRONG LAYER " + hit[0].layer if not layer_ok
                  else "NOT WORSE")
        rows.append((name, code, layer or "", status, score, healthy_scores[twin]))
    print(f"{'run':<28} {'expected finding':<34} {'layer':<14} {'result':<12} {'score':>7} {'twin':>7}")
    for name, code, layer, status, score, twin in rows:
        s = "crash" if score is None else f"{score:.3f}"
        t = "" if twin is None else f"{twin:.3f}"
        print(f"{name:<28} {code:<34} {layer[:14]:<14} {status:<12} {s:>7} {t:>7}")
    n_broken = len(BROKEN)
    detected = sum(r[3] == "ok" for r in rows[len(HEALTHY):])
    clean = sum(r[3] == "ok" for r in rows[:len(HEALTHY)])
    print(f"\nbroken runs detected (right code and layer, and worse than the healthy twin): {detected}/{n_broken}; "
          f"healthy runs with nothing above info: {clean}/{len(HEALTHY)}; "
          f"codes covered: {len({c for _, _, c, _ in BROKEN.values()})}; {time.perf_counter() - t0:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
