"""Group normalisation, composed of the fused normalisation primitive."""
from ..errors import ShapeError
from ..ops import elementwise as E
from ..ops.norm import Normalize


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise (N, C, ...) input over each group of C/num_groups channels (and all positions) of
    each sample, then scale and shift each channel by ``weight`` and ``bias`` (C,), as PyTorch's
    ``F.group_norm``."""
    if input.ndim < 2:
        raise ShapeError(f"group_norm: expected input of shape (N, C, ...); got {tuple(input.shape)}")
    n, c = input.shape[:2]
    if c % num_groups:
        raise ShapeError(f"group_norm: {c} channels cannot be split into {num_groups} equal groups")
    grouped = input.reshape(n, num_groups, -1)
    out = Normalize.apply(grouped, None, None, (2,), (1, 1, 1), eps, None).reshape(input.shape)
    pshape = (1, c) + (1,) * (input.ndim - 2)
    if weight is not None:
        out = E.mul(out, weight.reshape(pshape))
    if bias is not None:
        out = E.add(out, bias.reshape(pshape))
    return out
