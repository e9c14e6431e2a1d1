"""Functional cases run the same way on PyTorch and on gradwise: ``fn(F, *inputs)``, where ``F``
is ``torch.nn.functional`` or ``gradwise.functional``. ``fixtures/make_fixtures.py`` stores
PyTorch 2.13's outputs and input gradients; ``test_functional.py`` replays them on gradwise.

Each case: (input shapes, low, high, fn). Inputs are seeded float64 arrays in [low, high),
kept away from kinks; integer constants are written out in the case.
"""
import numpy as np

IDX = np.array([[0, 2, 1], [3, 3, 0]])
LABELS = np.array([1, 0, 3, 2, 2])

CASES = {
    # activations with PyTorch's signatures
    "softmax_implicit_dim": ([(2, 3, 4)], -2, 2, lambda F, x: F.softmax(x)),
    "softmax_dim0": ([(3, 4)], -2, 2, lambda F, x: F.softmax(x, dim=0)),
    "log_softmax_dim1": ([(2, 3, 4)], -2, 2, lambda F, x: F.log_softmax(x, dim=1)),
    "relu_inplace_false": ([(3, 4)], -2, 2, lambda F, x: F.relu(x, inplace=False)),
    "leaky_relu": ([(3, 4)], -2, 2, lambda F, x: F.leaky_relu(x, negative_slope=0.2)),
    "elu": ([(3, 4)], -2, 2, lambda F, x: F.elu(x, alpha=0.7)),
    "selu": ([(3, 4)], -2, 2, lambda F, x: F.selu(x)),
    "silu": ([(3, 4)], -4, 4, lambda F, x: F.silu(x)),
    "mish": ([(3, 4)], -4, 4, lambda F, x: F.mish(x)),
    "gelu": ([(3, 4)], -3, 3, lambda F, x: F.gelu(x)),
    "gelu_tanh": ([(3, 4)], -3, 3, lambda F, x: F.gelu(x, approximate="tanh")),
    "hardtanh": ([(3, 4)], -3, 3, lambda F, x: F.hardtanh(x, min_val=-0.5, max_val=1.5)),
    "relu6": ([(3, 4)], -2, 8, lambda F, x: F.relu6(x)),
    "hardsigmoid": ([(3, 4)], -5, 5, lambda F, x: F.hardsigmoid(x)),
    "hardswish": ([(3, 4)], -5, 5, lambda F, x: F.hardswish(x)),
    "logsigmoid": ([(3, 4)], -30, 30, lambda F, x: F.logsigmoid(x)),
    "softplus": ([(3, 4)], -5, 5, lambda F, x: F.softplus(x, beta=2, threshold=4)),
    "softsign": ([(3, 4)], -3, 3, lambda F, x: F.softsign(x)),
    "glu": ([(3, 6)], -2, 2, lambda F, x: F.glu(x)),
    "glu_dim0": ([(4, 3)], -2, 2, lambda F, x: F.glu(x, dim=0)),
    # pooling, padding, resizing
    "max_pool2d": ([(2, 3, 6, 6)], -2, 2, lambda F, x: F.max_pool2d(x, 2, 2)),
    "avg_pool2d": ([(2, 3, 7, 7)], -2, 2, lambda F, x: F.avg_pool2d(x, 3, stride=2, padding=1)),
    "pad_constant": ([(2, 3, 4)], -2, 2, lambda F, x: F.pad(x, (1, 2, 0, 1), value=0.5)),
    "pad_reflect": ([(2, 3, 4, 5)], -2, 2, lambda F, x: F.pad(x, (2, 1, 1, 2), mode="reflect")),
    "pad_replicate": ([(2, 3, 4, 5)], -2, 2, lambda F, x: F.pad(x, (2, 1, 1, 3), mode="replicate")),
    "pad_circular": ([(2, 3, 4, 5)], -2, 2, lambda F, x: F.pad(x, (2, 1, 1, 3), mode="circular")),
    "interp_nearest_x2": ([(2, 3, 3, 4)], -2, 2, lambda F, x: F.interpolate(x, scale_factor=2)),
    "interp_nearest_size": ([(1, 2, 5, 7)], -2, 2, lambda F, x: F.interpolate(x, size=(3, 10), mode="nearest")),
    "interp_nearest_exact": ([(1, 2, 5, 7)], -2, 2, lambda F, x: F.interpolate(x, size=(8, 4), mode="nearest-exact")),
    "interp_bilinear_x2": ([(2, 3, 3, 4)], -2, 2,
                           lambda F, x: F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)),
    "interp_bilinear_size_ac": ([(1, 2, 4, 5)], -2, 2,
                                lambda F, x: F.interpolate(x, size=(7, 3), mode="bilinear", align_corners=True)),
    "interp_bilinear_down": ([(1, 2, 7, 9)], -2, 2, lambda F, x: F.interpolate(x, size=(3, 4), mode="bilinear")),
    "interp_bilinear_frac": ([(1, 2, 4, 5)], -2, 2,
                             lambda F, x: F.interpolate(x, scale_factor=1.7, mode="bilinear")),
    "interp_linear": ([(2, 3, 5)], -2, 2, lambda F, x: F.interpolate(x, size=8, mode="linear")),
    "interp_area": ([(1, 2, 6, 6)], -2, 2, lambda F, x: F.interpolate(x, size=(3, 2), mode="area")),
    # vectors
    "normalize": ([(3, 4)], -2, 2, lambda F, x: F.normalize(x)),
    "normalize_p1_dim0": ([(3, 4)], -2, 2, lambda F, x: F.normalize(x, p=1, dim=0)),
    "cosine_similarity": ([(3, 4), (3, 4)], -2, 2, lambda F, a, b: F.cosine_similarity(a, b)),
    "cosine_similarity_bcast": ([(3, 4), (1, 4)], -2, 2, lambda F, a, b: F.cosine_similarity(a, b, dim=-1)),
    "pairwise_distance": ([(3, 4), (3, 4)], -2, 2, lambda F, a, b: F.pairwise_distance(a, b)),
    "embedding_padding_negative": ([(4, 3)], -2, 2, lambda F, w: F.embedding(F_idx(F), w, padding_idx=-1)),
    "group_norm": ([(2, 6, 3, 3), (6,), (6,)], -2, 2, lambda F, x, w, b: F.group_norm(x, 3, w, b)),
    # losses
    "smooth_l1": ([(3, 4), (3, 4)], -2, 2, lambda F, x, t: F.smooth_l1_loss(x, t)),
    "smooth_l1_beta": ([(3, 4), (3, 4)], -2, 2, lambda F, x, t: F.smooth_l1_loss(x, t, reduction="sum", beta=0.5)),
    "smooth_l1_beta0": ([(3, 4), (3, 4)], -2, 2, lambda F, x, t: F.smooth_l1_loss(x, t, beta=0.0)),
    "kl_div_batchmean": ([(3, 4), (3, 4)], 0.05, 1,
                         lambda F, x, t: F.kl_div(F.log_softmax(x, dim=1), t / t.sum(1, keepdim=True),
                                                  reduction="batchmean")),
    "kl_div_none_log_target": ([(3, 4), (3, 4)], -2, 2,
                               lambda F, x, t: F.kl_div(x, t, reduction="none", log_target=True)),
    "kl_div_mean_zero_target": ([(3, 4)], -2, 2,
                                lambda F, x: F.kl_div(x, F_zero_target(F), reduction="mean")),
    "mse_weight": ([(3, 4), (3, 4), (3, 4)], 0.1, 2, lambda F, x, t, w: F.mse_loss(x, t, weight=w)),
    "l1_weight_sum": ([(3, 4), (3, 4), (3, 4)], 0.1, 2, lambda F, x, t, w: F.l1_loss(x, t, reduction="sum", weight=w)),
    "huber_weight": ([(3, 4), (3, 4), (3, 4)], 0.1, 2, lambda F, x, t, w: F.huber_loss(x, t, delta=0.3, weight=w)),
    "mse_legacy_size_average": ([(3, 4), (3, 4)], -2, 2, lambda F, x, t: F.mse_loss(x, t, size_average=False)),
    "l1_legacy_reduce": ([(3, 4), (3, 4)], -2, 2, lambda F, x, t: F.l1_loss(x, t, reduce=False)),
    "cross_entropy_positional": ([(5, 4)], -2, 2,
                                 lambda F, x: F.cross_entropy(x, F_labels(F), F_w(F), None, 2, None, "sum", 0.1)),
    "nll_loss_positional": ([(5, 4)], -2, 2,
                            lambda F, x: F.nll_loss(F.log_softmax(x, dim=1), F_labels(F), None, None, 0)),
    "bce_weight": ([(3, 4), (3, 4)], 0.05, 0.95, lambda F, p, t: F.binary_cross_entropy(p, t, weight=F_w(F))),
}


def F_idx(F):
    return _framework_tensor(F, IDX)


def F_labels(F):
    return _framework_tensor(F, LABELS)


def F_w(F):
    return _framework_tensor(F, np.linspace(0.5, 1.5, 4))


def F_zero_target(F):
    t = np.full((3, 4), 0.25)
    t[0, 1] = t[2, 3] = 0.0
    return _framework_tensor(F, t)


def _framework_tensor(F, a):
    """A constant tensor of the framework that ``F`` belongs to."""
    import sys
    top = sys.modules[F.__name__.split(".")[0]]
    return top.tensor(a.tolist())    # lists give the default dtype in both frameworks


def make_inputs(name):
    shapes, low, high, _ = CASES[name]
    rng = np.random.default_rng(sum(map(ord, name)))
    out = []
    for shape in shapes:
        x = rng.uniform(low, high, size=shape)
        # away from the kinks of relu-like functions and of the Huber/L1 losses
        x = np.where(np.abs(x) < 0.05, 0.05 + np.abs(x), x)
        for kink in (-0.5, 1.5, 6.0, 3.0, -3.0, 0.3, -0.3, 1.0, -1.0):
            x = np.where(np.abs(x - kink) < 0.02, kink + 0.05, x)
        out.append(x)
    return out


def make_weight(name, shape):
    """Fixed output weights: the checked gradient is that of sum(out * weight)."""
    return np.random.default_rng(sum(map(ord, name)) + 1).uniform(-1, 1, size=shape)
