"""Parameters as one flat vector and back (``torch.nn.utils.parameters_to_vector``)."""
from ...tensor import Tensor
from ...errors import ArgumentError, ArgumentTypeError


def parameters_to_vector(parameters):
    """Concatenate the parameters, flattened, into one 1-D tensor (part of the graph, as in PyTorch)."""
    from ...ops.shape import cat
    params = _as_list(parameters, "parameters_to_vector")
    return cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-D ``vec`` into the parameters, in order (no graph)."""
    if not isinstance(vec, Tensor) or vec.dim() != 1:
        raise ArgumentTypeError(f"vector_to_parameters: expected a 1-D Tensor; got "
                        f"{type(vec).__name__}{'' if not isinstance(vec, Tensor) else ' of shape ' + str(tuple(vec.shape))}")
    params = _as_list(parameters, "vector_to_parameters")
    total = sum(p.numel() for p in params)
    if vec.numel() != total:
        raise ArgumentError(f"vector_to_parameters: the parameters hold {total} numbers; the vector has {vec.numel()}")
    from ...autograd import no_grad
    start = 0
    with no_grad():
        for p in params:
            n = p.numel()
            p.copy_(vec[start:start + n].view_as(p))
            start += n


def _as_list(parameters, who):
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    for p in params:
        if not isinstance(p, Tensor):
            raise ArgumentTypeError(f"{who}: expected Tensors; got {type(p).__name__}")
    return params
