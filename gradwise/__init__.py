"""gradwise: a deep-learning framework on NumPy that trains fast and explains its own training.

PyTorch's Python API is the contract, so ``import gradwise as torch`` runs PyTorch programs:

    >>> import gradwise as gw
    >>> x = gw.tensor([[1.0, 2.0]], requires_grad=True)
    >>> (x * x).sum().backward(); x.grad
    tensor([[2., 4.]])
"""
from . import allocator
allocator.tune()        # keep freed array memory for the next step (see gradwise/allocator.py)
from . import autograd  # noqa: E402
from .autograd import Function, enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .tensor import Size, Tensor, is_tensor, tensor
from .dtypes import (bool, cdouble, cfloat, complex64, complex128, double, finfo, float, float16, float32,  # noqa: A004
                     float64, get_default_dtype, half, iinfo, int, int8, int16, int32, int64, long,
                     promote_types, set_default_dtype, short, uint8)
from .device import device
from .random import Generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from .creation import (arange, bernoulli, empty, empty_like, eye, full, full_like, linspace, logspace,
                       multinomial, normal, ones, ones_like, rand, rand_like, randint, randint_like, randn,
                       randn_like, randperm, zeros, zeros_like)
from .functions import *  # noqa: F401,F403  (cat, stack, where, exp, sum ... : PyTorch's top-level functions)
from .functions import from_numpy, as_tensor
from . import accelerator, backends, cuda, random
from . import data, functional, nn, optim, utils
from .errors import DeviceError, GradcheckError, GradwiseError, ShapeError, UnsupportedError
from .serialization import load, save

__version__ = "0.1.0"


# imported on first use, to keep `import gradwise` light (goal: under 0.3 s): name -> (module, attribute)
_LAZY = {"vision": (".vision", None), "onnx": (".onnx", None), "training": (".training", None),
         "viz": (".viz", None), "distributions": (".distributions", None), "diagnostics": (".diagnostics", None),
         "Trainer": (".training", "Trainer"), "detect_anomaly": (".diagnostics", "detect_anomaly"),
         "gradcheck": (".diagnostics.gradcheck", "gradcheck")}


def __getattr__(name):
    if name in _LAZY:
        import importlib
        module, attribute = _LAZY[name]
        value = importlib.import_module(module, __name__)
        return value if attribute is None else getattr(value, attribute)
    raise AttributeError(f"module 'gradwise' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


def is_floating_point(input):
    """True for a tensor of a floating dtype."""
    return input.is_floating_point()


def set_num_threads(n):
    """Run gradwise's arithmetic on ``n`` threads: NumPy's OpenBLAS, whose threads also run the
    compiled kernels. With another BLAS under NumPy, ``threadpoolctl`` when installed; otherwise a
    warning says that nothing changed (set OMP_NUM_THREADS before starting Python)."""
    import builtins
    import numbers
    import warnings
    from . import blas
    from .errors import ArgumentError
    if isinstance(n, builtins.bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ArgumentError(f"set_num_threads expects a positive int, got {n!r}")
    if blas.set_threads(builtins.int(n)):
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        warnings.warn(f"set_num_threads({n}) changed nothing: NumPy's BLAS is not its own OpenBLAS and "
                      "threadpoolctl is not installed; set OMP_NUM_THREADS before starting Python", stacklevel=2)
        return
    threadpool_limits(builtins.int(n))


def get_num_threads():
    """The threads gradwise's arithmetic runs on (NumPy's OpenBLAS's), as torch.get_num_threads."""
    import builtins
    import os
    from . import blas
    found = blas.threads()
    if found is not None:
        return found
    return builtins.int(os.environ.get("OMP_NUM_THREADS", os.cpu_count() or 1))


def _legacy(dtype):
    import builtins

    def make(*data, device=None):
        if not data or len(data) == 1 and not isinstance(data[0], builtins.int):
            return Tensor(data[0] if data else [], dtype=dtype)
        return zeros(*data, dtype=dtype)
    return make


# PyTorch's legacy typed constructors: FloatTensor([1, 2]) or LongTensor(3) (three zeros)
FloatTensor, DoubleTensor, LongTensor = _legacy(float32), _legacy(float64), _legacy(int64)
IntTensor, ByteTensor, BoolTensor = _legacy(int32), _legacy(uint8), _legacy(bool)
