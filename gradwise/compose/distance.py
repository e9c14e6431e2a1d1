"""Vector normalisation and similarity, composed of primitives."""
from ..ops import elementwise as E
from ..ops import reduce as R
from ..ops.linalg import norm


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p, eps) along ``dim``."""
    if out is not None:
        raise ValueError("normalize: out= is not supported; use the returned tensor")
    return E.div(input, E.clip(norm(input, p, dim, keepdim=True), eps, None))


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps)) along ``dim``; x1 and x2 broadcast."""
    n1 = E.clip(norm(x1, 2, dim, keepdim=True), eps, None)
    n2 = E.clip(norm(x2, 2, dim, keepdim=True), eps, None)
    return R.sum(E.mul(E.div(x1, n1), E.div(x2, n2)), dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p over the last dimension."""
    return norm(E.add(E.sub(x1, x2), eps), p, -1, keepdim)
