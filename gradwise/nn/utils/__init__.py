"""``torch.nn.utils`` for gradwise: gradient clipping and flattening parameters into one vector.

Example:
    >>> nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
"""
from .clip_grad import clip_grad_norm_, clip_grad_value_
from .convert_parameters import parameters_to_vector, vector_to_parameters
from . import rnn

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "rnn", "vector_to_parameters"]
