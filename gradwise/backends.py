"""``gw.backends``: PyTorch's backend switches. gradwise runs on NumPy; the flags a script sets
(``torch.backends.cudnn.benchmark = True``) are accepted and have no effect."""
import types

cudnn = types.SimpleNamespace(enabled=False, benchmark=False, deterministic=True, allow_tf32=False,
                              is_available=lambda: False)
mps = types.SimpleNamespace(is_available=lambda: False, is_built=lambda: False)
cuda = types.SimpleNamespace(is_built=lambda: False,
                             matmul=types.SimpleNamespace(allow_tf32=False, allow_fp16_reduced_precision_reduction=False))
mkldnn = types.SimpleNamespace(is_available=lambda: False, enabled=False)
openmp = types.SimpleNamespace(is_available=lambda: False)
