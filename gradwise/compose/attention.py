"""Scaled dot-product attention, composed of batched matmuls and the softmax primitive."""
import math

import numpy as np

from ..ops import activation as A
from ..ops import elementwise as E
from ..ops.linalg import matmul
from .dropout import dropout


def additive_mask(mask, dtype, allowed_when_true):
    """A float mask to add to attention scores: bool masks become 0 / -inf (``allowed_when_true``
    says which value lets a position take part), float masks are used as they are."""
    if mask is None:
        return None
    m = np.asarray(getattr(mask, "_data", mask))
    if m.dtype == np.bool_:
        blocked = ~m if allowed_when_true else m
        return np.where(blocked, -np.inf, 0.0).astype(dtype)
    return m.astype(dtype, copy=False)


def attend(query, key, value, mask=None, dropout_p=0.0, scale=None, generator=None):
    """softmax(query @ key^T * scale + mask) @ value over the last two axes; returns (output, weights).

    Shapes: query (..., L, d), key (..., S, d), value (..., S, dv); mask broadcastable to (..., L, S).
    """
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = matmul(E.mul(query, scale), key.transpose(-2, -1))
    if mask is not None:
        scores = E.add(scores, mask)
    weights = A.softmax(scores, -1)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, True, generator=generator)
    return matmul(weights, value), weights


def causal_mask(n_query, n_key, dtype):
    """0 on and below the diagonal, -inf above: position i attends to positions <= i."""
    return np.triu(np.full((n_query, n_key), -np.inf, dtype=dtype), 1)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False, generator=None):
    """PyTorch's ``F.scaled_dot_product_attention``: a bool ``attn_mask`` is True where a position
    may be attended to; a float mask is added to the scores. ``dropout_p`` applies whenever > 0."""
    if enable_gqa:
        raise ValueError("scaled_dot_product_attention: enable_gqa=True is not supported")
    mask = additive_mask(attn_mask, query.dtype, allowed_when_true=True)
    if is_causal:
        if mask is not None:
            raise ValueError("scaled_dot_product_attention: give either attn_mask or is_causal=True, not both")
        mask = causal_mask(query.shape[-2], key.shape[-2], query.dtype)
    return attend(query, key, value, mask, dropout_p, scale, generator)[0]
