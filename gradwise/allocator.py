"""Keep freed array memory in the process, so the next step's arrays do not page-fault.

NOTE: why. A training step allocates and frees the same large arrays every step (activations,
im2col columns, gradients). glibc's malloc serves large requests with fresh ``mmap`` pages, or
returns the top of its heap to the system once more than a threshold is free, so the next step
touches new pages, and each first touch is a page fault that the kernel answers by zeroing the
page. Measured on 2 cores (Intel Xeon, AVX-512, glibc 2.36; `python bench/tuning_ab.py malloc`):
the first write into a fresh (50, 512, 64) float32 buffer cost 2.7 ms where the same copy into
reused memory took 0.5 ms. Raising the two thresholds (what ``MALLOC_MMAP_THRESHOLD_`` and
``MALLOC_TRIM_THRESHOLD_`` do, set at import with ``mallopt``) keeps the memory for reuse: the
resident set stays at its peak instead of shrinking between steps; the peak itself is unchanged.

Only on Linux with glibc; skipped when the user set either variable, or ``GRADWISE_MALLOC=0``.
"""
import ctypes
import os
import sys

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3         # glibc's mallopt parameters
MMAP_THRESHOLD = 256 << 20      # larger requests still get their own mapping (C@112's im2col columns: 0.92x
                                # step time at 256 MiB against glibc's usual 32 MiB cap)
TRIM_THRESHOLD = 1 << 30        # keep up to 1 GiB of freed heap for reuse

_applied = None


def tune():
    """Apply the thresholds once; True when glibc accepted them."""
    global _applied
    if _applied is not None:
        return _applied
    _applied = False
    if (not sys.platform.startswith("linux") or os.environ.get("GRADWISE_MALLOC", "1") == "0"
            or "MALLOC_MMAP_THRESHOLD_" in os.environ or "MALLOC_TRIM_THRESHOLD_" in os.environ):
        return _applied
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):       # not glibc (musl, ...)
        return _applied
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    _applied = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return _applied
