"""Multi-head attention with PyTorch's arguments, parameter names and masks."""
import numpy as np

from ... import functional as F
from ...compose.attention import additive_mask, attend
from ...errors import ShapeError
from .. import init
from ..module import Module, Parameter
from .linear import Linear


class MultiheadAttention(Module):
    """Attention over ``num_heads`` heads of size embed_dim / num_heads (Vaswani et al. 2017).

    Args:
        embed_dim, num_heads: model width and number of heads (embed_dim divisible by num_heads).
        dropout: dropout on the attention weights while training.
        kdim, vdim: key and value widths (default embed_dim; if they differ, the projections are
            q_proj_weight, k_proj_weight, v_proj_weight instead of the packed in_proj_weight).
        batch_first: inputs are (N, L, E) instead of (L, N, E). Unbatched (L, E) works too.
    Call: (query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True) -> (output, weights or None). Bool masks are True where attention
    is NOT allowed; float masks are added to the scores. Parameters and state_dict keys are
    PyTorch's: in_proj_weight, in_proj_bias, out_proj.weight, out_proj.bias.

    Example:
        >>> mha = nn.MultiheadAttention(16, 4, batch_first=True)
        >>> out, w = mha(x, x, x)              # x (N, L, 16) -> out (N, L, 16), w (N, L, L)
    """
    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False,
                 kdim=None, vdim=None, batch_first=False, device=None, dtype=None, generator=None):
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0 or embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible by "
                             f"num_heads ({num_heads})")
        if add_bias_kv or add_zero_attn:
            raise ValueError("MultiheadAttention: add_bias_kv and add_zero_attn are not supported")
        self.embed_dim, self.num_heads, self.head_dim = embed_dim, num_heads, embed_dim // num_heads
        self.kdim, self.vdim = kdim or embed_dim, vdim or embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.dropout, self.batch_first = dropout, batch_first
        e = embed_dim
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(np.empty((3 * e, e), np.float32))
            init.xavier_uniform_(self.in_proj_weight, generator=generator)
        else:
            for name, width in (("q_proj_weight", e), ("k_proj_weight", self.kdim), ("v_proj_weight", self.vdim)):
                setattr(self, name, Parameter(np.empty((e, width), np.float32)))
                init.xavier_uniform_(getattr(self, name), generator=generator)
        self.in_proj_bias = Parameter(np.zeros(3 * e, np.float32)) if bias else None
        self.out_proj = Linear(e, e, bias=bias, generator=generator)
        if bias:
            init.zeros_(self.out_proj.bias)
        if dtype is not None:
            self.to(dtype=dtype)

    def _project(self, query, key, value):
        e, b = self.embed_dim, self.in_proj_bias
        bias = (None, None, None) if b is None else (b[:e], b[e:2 * e], b[2 * e:])
        if self._qkv_same_embed_dim:
            if query is key and key is value:                      # self-attention: one GEMM
                return F.linear(query, self.in_proj_weight, b).chunk(3, -1)
            w = self.in_proj_weight
            weights = (w[:e], w[e:2 * e], w[2 * e:])
        else:
            weights = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        return tuple(F.linear(x, w, bb) for x, w, bb in zip((query, key, value), weights, bias))

    def _mask(self, attn_mask, key_padding_mask, n, lq, s, dtype):
        """One additive mask broadcastable to (N, H, L, S), or None."""
        mask = additive_mask(attn_mask, dtype, allowed_when_true=False)
        if mask is not None:
            if mask.shape == (lq, s):
                pass
            elif mask.shape == (n * self.num_heads, lq, s):
                mask = mask.reshape(n, self.num_heads, lq, s)
            else:
                raise ShapeError(f"MultiheadAttention: attn_mask must have shape ({lq}, {s}) or "
                                 f"({n * self.num_heads}, {lq}, {s}); got {mask.shape}")
        pad = additive_mask(key_padding_mask, dtype, allowed_when_true=False)
        if pad is not None:
            if pad.shape != (n, s):
                raise ShapeError(f"MultiheadAttention: key_padding_mask must have shape ({n}, {s}); got {pad.shape}")
            pad = pad.reshape(n, 1, 1, s)
            mask = pad if mask is None else mask + pad
        return mask

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        if is_causal and attn_mask is None:
            raise ValueError("MultiheadAttention: is_causal=True is a hint about attn_mask; pass the causal attn_mask")
        unbatched = query.ndim == 2
        if unbatched:
            query, key, value = (t.unsqueeze(0) for t in (query, key, value))
            key_padding_mask = None if key_padding_mask is None else np.asarray(
                getattr(key_padding_mask, "_data", key_padding_mask))[None]
        elif not self.batch_first:
            same_kv = key is value
            same_qk = query is key
            query = query.transpose(0, 1)
            key = query if same_qk else key.transpose(0, 1)
            value = key if same_kv else value.transpose(0, 1)
        if query.ndim != 3 or query.shape[-1] != self.embed_dim:
            raise ShapeError(f"MultiheadAttention(embed_dim={self.embed_dim}) got query of shape "
                             f"{tuple(query.shape)}; expected (N, L, {self.embed_dim}) with batch_first=True, "
                             f"(L, N, {self.embed_dim}) without, or (L, {self.embed_dim})")
        n, lq, s, h, d = query.shape[0], query.shape[1], key.shape[1], self.num_heads, self.head_dim
        q, k, v = self._project(query, key, value)
        q, k, v = (t.reshape(n, -1, h, d).transpose(1, 2) for t in (q, k, v))       # (N, H, L, d)
        mask = self._mask(attn_mask, key_padding_mask, n, lq, s, q.dtype)
        out, weights = attend(q, k, v, mask, self.dropout if self.training else 0.0)
        out = self.out_proj(out.transpose(1, 2).reshape(n, lq, self.embed_dim))
        if unbatched:
            out = out.squeeze(0)
        elif not self.batch_first:
            out = out.transpose(0, 1)
        if not need_weights:
            return out, None
        if average_attn_weights:
            weights = weights.mean(1)
        return out, (weights.squeeze(0) if unbatched else weights)

    def extra_repr(self):
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, batch_first={self.batch_first}"
