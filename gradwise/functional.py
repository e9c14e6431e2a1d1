"""Stateless functions on tensors, PyTorch's ``torch.nn.functional`` for gradwise (``F``).

The primitives (with backward) live in ``gradwise.ops``; this module re-exports them and adds
compositions of them, which need no backward of their own.

Example:
    >>> import gradwise.functional as F
    >>> F.relu(gw.tensor([-1.0, 2.0]))
    tensor([0., 2.])
"""
from .ops.activation import (elu, gelu, leaky_relu, log_softmax, relu, sigmoid, softmax,  # noqa: F401
                             softplus, step, tanh)
from .ops.elementwise import (abs, add, clip, div, eq, exp, ge, gt, le, log, lt, maximum,  # noqa: F401
                              minimum, mul, ne, neg, pow, sqrt, sub, where)
from .ops.conv import conv1d, conv2d, conv_transpose2d  # noqa: F401
from .ops.embedding import embedding  # noqa: F401
from .ops.linalg import linear, matmul  # noqa: F401
from .ops.loss import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,  # noqa: F401
                       huber_loss, l1_loss, mse_loss, nll_loss)
from .ops.norm import batch_norm, layer_norm  # noqa: F401
from .ops.pool import adaptive_avg_pool2d, avg_pool2d, max_pool1d, max_pool2d  # noqa: F401
from .ops.reduce import argmax, argmin, logsumexp, max, mean, min, std, sum, var  # noqa: F401
from .ops.shape import (broadcast_to, cast, cat, concatenate, expand, flatten, getitem, pad,  # noqa: F401
                        permute, reshape, setitem, split, squeeze, stack, transpose, unsqueeze)

# PyTorch's signatures (inplace=, legacy size_average/reduce, pad modes) and the compositions
from .compose.activation import (elu, glu, hardsigmoid, hardswish, hardtanh, leaky_relu, log_softmax,  # noqa: F401,E402
                                 logsigmoid, mish, relu, relu6, selu, silu, softmax, softsign)
from .compose.distance import cosine_similarity, normalize, pairwise_distance  # noqa: F401,E402
from .compose.dropout import dropout, dropout1d, dropout2d, dropout3d  # noqa: F401,E402
from .compose.encoding import embedding, one_hot  # noqa: F401,E402
from .compose.loss import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,  # noqa: F401,E402
                           huber_loss, kl_div, l1_loss, mse_loss, nll_loss, smooth_l1_loss)
from .compose.norm import group_norm  # noqa: F401,E402
from .compose.sampling import interpolate, pad, upsample  # noqa: F401,E402
from .compose.attention import scaled_dot_product_attention  # noqa: F401,E402

clamp = clip
