"""Fused, compiled kernels for elementwise work that NumPy does in many passes (optional: numba).

``kernels(*arrays)`` gives the module of compiled kernels when they can serve these arrays
(NumPy float32, C-contiguous) and numba is installed (``pip install 'gradwise[fast]'``), else
None, and the caller runs its NumPy code, which stays the reference and is tested on its own.
numba is imported on the first call only (0.2 s), never by ``import gradwise``; the kernels are
compiled once and cached on disk. ``GRADWISE_FUSED=0`` in the environment, or
``set_enabled(False)``, turns them off (the benchmark's A/B, the tests of both paths).

What they do (measured on an AMD EPYC Zen 4, 2026-12-02, each against the NumPy code it
replaces): the LSTM step's gate arithmetic in one loop (``_fused_numba``); the scatter-adds of
the convolutions' input gradients, one channel plane at a time in cache (``_fused_conv``: LeNet's
second convolution 0.65 -> 0.17 ms, a 64-channel 8x8 3x3 one 2.3 -> 1.3 ms).
"""
import os

import numpy as np

_STATE = {"enabled": os.environ.get("GRADWISE_FUSED", "1") != "0", "module": None, "tried": False}


def set_enabled(flag):
    """Use the compiled kernels where they apply (True, the default) or always NumPy (False).
    Returns the previous setting."""
    previous, _STATE["enabled"] = _STATE["enabled"], bool(flag)
    return previous


def available():
    """True when numba is installed and the kernels are enabled."""
    if not _STATE["enabled"]:
        return False
    if not _STATE["tried"]:
        _STATE["tried"] = True
        try:
            from . import _fused_numba
            _STATE["module"] = _fused_numba
        except ImportError:         # numba is an optional extra: the NumPy code runs instead
            _STATE["module"] = None
    return _STATE["module"] is not None


def kernels(*arrays, dtypes=(np.float32,)):
    """The compiled kernels' module when they can run on ``arrays`` (all NumPy arrays of one of
    ``dtypes``, C-contiguous), else None."""
    for a in arrays:
        if type(a) is not np.ndarray or a.dtype not in dtypes or not a.flags.c_contiguous:
            return None
    return _STATE["module"] if available() else None
