"""NumPy's own BLAS, called directly: ``axpy`` (y += a * x) and ``scal`` (x *= a) in place for
optimizer updates, ``gemm`` with beta, and, for the compiled kernels, the addresses of its sgemm and
of its thread pool (``gemm_address``, ``pool``).

NOTE: why. ``p -= lr * g`` in NumPy is two single-threaded passes and a temporary; BLAS's axpy is
one pass, and OpenBLAS runs it on its own threads, the ones that multiply matrices. Using the
second core any other way than on those threads does not pay: they spin for a while after every
matrix product and hold that core (a thread pool of our own for copies gained 1.6x alone and
nothing inside a training step: bench/results/NOTES.md); compiled kernels run their parts on them
(``pool``). The updates, measured on 2 cores (Intel Xeon, AVX-512, numpy 2.4.6 with
scipy-openblas 0.3.31), median step in fresh processes, `python bench/tuning_ab.py blas`: W1 MLP
2.03 -> 1.81 ms, W4 big MLP 68.0 -> 57.5 ms, LeNet-5 unchanged (few parameters).

The routines are the ones of the BLAS NumPy itself loaded (the same library file, so the same
threads), found by name in NumPy's bundled OpenBLAS (``scipy_cblas_saxpy64_`` and friends). Where
there is none (an MKL or Accelerate build of NumPy, a device array, a non-contiguous or small
array), the same arithmetic runs in NumPy: every caller works either way.
"""
import ctypes
import glob
import os

import numpy

MIN_SIZE = 1 << 15          # below this a ctypes call costs more than NumPy's loop
_ROUTINES = None            # {"axpy": {dtype: fn}, "scal": {dtype: fn}} once looked up; {} when absent
_enabled = True


def _library_files():
    base = os.path.dirname(numpy.__file__)
    for folder in (base + ".libs", os.path.join(base, ".dylibs"), os.path.join(base, "..", "numpy.libs")):
        yield from sorted(glob.glob(os.path.join(folder, "*openblas*")))


def _lookup():
    """The cblas routines of NumPy's own OpenBLAS, by the names its builds export."""
    for path in _library_files():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix, suffix, index in (("scipy_cblas_", "64_", ctypes.c_int64), ("cblas_", "64_", ctypes.c_int64),
                                      ("cblas_", "", ctypes.c_int)):
            try:
                found = {kind: {numpy.dtype(numpy.float32): getattr(lib, f"{prefix}s{kind}{suffix}"),
                                numpy.dtype(numpy.float64): getattr(lib, f"{prefix}d{kind}{suffix}")}
                         for kind in ("axpy", "scal", "gemm")}
            except AttributeError:
                continue
            for dtype, real in ((numpy.float32, ctypes.c_float), (numpy.float64, ctypes.c_double)):
                fn = found["axpy"][numpy.dtype(dtype)]
                fn.argtypes, fn.restype = [index, real, ctypes.c_void_p, index, ctypes.c_void_p, index], None
                fn = found["scal"][numpy.dtype(dtype)]
                fn.argtypes, fn.restype = [index, real, ctypes.c_void_p, index], None
                fn = found["gemm"][numpy.dtype(dtype)]
                fn.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, index, index, index, real, ctypes.c_void_p,
                               index, ctypes.c_void_p, index, real, ctypes.c_void_p, index]
                fn.restype = None
            found["max_size"] = 2 ** 63 - 1 if index is ctypes.c_int64 else 2 ** 31 - 1
            try:                    # OpenBLAS's own thread pool, for compiled kernels (pool())
                found["pool"] = (ctypes.cast(lib.gotoblas_pthread, ctypes.c_void_p).value,
                                 ctypes.c_int.in_dll(lib, "blas_cpu_number"))
            except (AttributeError, ValueError):
                pass
            for name in ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
                         "openblas_set_num_threads64_", "openblas_set_num_threads"):
                if hasattr(lib, name):          # for set_threads_address() and set_threads()
                    found["set_threads"] = ctypes.cast(getattr(lib, name), ctypes.c_void_p).value
                    break
            return found
    return {}


def available():
    """True when NumPy's BLAS routines were found (and ``enable(False)`` was not called)."""
    return _enabled and _lookup_once() is not None


def enable(on=True):
    """Use BLAS for the updates (True, the default) or NumPy only (False)."""
    global _enabled
    _enabled = bool(on)


def _usable(*arrays):
    """Whether BLAS can update these arrays as flat vectors: NumPy arrays of one dtype and size,
    all C-contiguous or all F-contiguous (a column-major weight and its gradient)."""
    first = arrays[0]
    return (first.size >= MIN_SIZE and available() and first.dtype in _ROUTINES["axpy"]
            and first.size <= _ROUTINES["max_size"]
            and all(type(a) is numpy.ndarray and a.dtype == first.dtype and a.size == first.size for a in arrays)
            and (all(a.flags.c_contiguous for a in arrays) or all(a.flags.f_contiguous for a in arrays))
            and arrays[-1].flags.writeable)


_from_buffer, _addressof = ctypes.c_char.from_buffer, ctypes.addressof


def address(a):
    """The address of a NumPy array's first element, for compiled code.

    NOTE: why not ``a.ctypes.data`` alone. That builds a ``_ctypes`` object in Python; a training
    step of the MLP (W1) takes some forty addresses, ~2% of the step that way. A ctypes view of the
    array's buffer costs a third of it, for writable arrays in one C-ordered block (or F-ordered:
    their transpose, whose first element is the same); the others take the slow way (W1's step
    1.4% faster, in process)."""
    try:
        return _addressof(_from_buffer(a))
    except (TypeError, ValueError, BufferError):
        pass
    if a.flags.f_contiguous and a.flags.writeable and a.size:
        return _addressof(_from_buffer(a.T))
    return a.ctypes.data


def axpy(a, x, y):
    """y += a * x in place (y and x of one shape); returns y."""
    if _usable(x, y):
        _ROUTINES["axpy"][y.dtype](y.size, a, address(x), 1, address(y), 1)
    else:
        y += a * x
    return y


def scal(a, x):
    """x *= a in place; returns x."""
    if _usable(x):
        _ROUTINES["scal"][x.dtype](x.size, a, address(x), 1)
    else:
        x *= a
    return x


_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112


def _operand(a):
    """(transpose flag, leading dimension) for a 2-D operand whose rows or columns are contiguous."""
    item = a.itemsize
    if a.strides[1] == item and a.strides[0] % item == 0 and a.strides[0] >= a.shape[1] * item:
        return _NO_TRANS, a.strides[0] // item
    if a.strides[0] == item and a.strides[1] % item == 0 and a.strides[1] >= a.shape[0] * item:
        return _TRANS, a.strides[1] // item
    return None


def gemm(a, b, c, beta=0.0):
    """c = a @ b + beta * c, in place, for 2-D float32/float64 arrays whose rows (or, for a and
    b, columns) are contiguous at any stride: a window of a wider array, or a transpose, goes to
    BLAS as it is, with no copy. Returns c.

    NOTE: NumPy's matmul has no beta, so a sum of products costs a pass over c per term; this is
    the one BLAS call that accumulates (used by the convolution's kernel-row products)."""
    ops = _gemm_operands(a, b, c)
    if ops is not None:
        _gemm_call(ops, a, b, c, beta)
    elif beta == 0:
        c[...] = a @ b
    else:
        c *= beta
        c += a @ b
    return c


def _gemm_call(ops, a, b, c, beta):
    (ta, lda), (tb, ldb) = ops
    _ROUTINES["gemm"][c.dtype](_ROW_MAJOR, ta, tb, c.shape[0], c.shape[1], a.shape[1], 1.0, address(a), lda,
                               address(b), ldb, beta, address(c), c.strides[0] // c.itemsize)


def _gemm_operands(a, b, c):
    """((transpose, leading dimension) of a, of b) when BLAS can compute c = a @ b + beta c as the
    arrays lie, else None."""
    ops = (_operand(a), _operand(b)) if a.ndim == b.ndim == c.ndim == 2 else (None, None)
    if (available() and None not in ops and c.dtype in _ROUTINES["gemm"] and a.dtype == b.dtype == c.dtype
            and all(type(t) is numpy.ndarray for t in (a, b, c)) and c.strides[1] == c.itemsize
            and c.strides[0] >= c.shape[1] * c.itemsize and c.flags.writeable
            and a.shape[0] == c.shape[0] and b.shape[1] == c.shape[1] and a.shape[1] == b.shape[0]
            and max(a.size, b.size, c.size) <= _ROUTINES["max_size"] and min(c.shape) > 0 and a.shape[1] > 0):
        return ops
    return None


def addmm(bias, a, b):
    """bias + a @ b for 2-D a, b and a bias broadcast along the rows (shape (n,)), as PyTorch's
    addmm: a new C-ordered array.

    NOTE: why. With NumPy's BLAS the bias is copied into the output and the product added to it
    by the GEMM (beta = 1), where ``a @ b + bias`` makes a pass of its own over the output on one
    core after the product (W4's two (512, 2048) outputs: 0.5 ms each in a 60 ms step)."""
    if (type(bias) is numpy.ndarray and type(a) is numpy.ndarray and bias.ndim == 1 and a.ndim == b.ndim == 2
            and bias.shape[0] == b.shape[1] and a.shape[0] * b.shape[1] >= MIN_SIZE):
        out = numpy.empty((a.shape[0], b.shape[1]), dtype=numpy.result_type(a, b))
        ops = _gemm_operands(a, b, out)
        if ops is not None:
            out[...] = bias
            _gemm_call(ops, a, b, out, 1.0)
            return out
    out = a @ b
    out += bias
    return out


def column_sums(g):
    """g.sum(axis=0) of a 2-D array: by BLAS (ones @ g, on its threads) for a large float C-ordered g
    (NumPy's reduction runs on one core: 0.14 vs 0.05 ms for (512, 2048) float32), else NumPy's."""
    if (type(g) is numpy.ndarray and g.ndim == 2 and g.size >= MIN_SIZE and g.flags.c_contiguous
            and g.dtype in (numpy.float32, numpy.float64) and available()):
        return numpy.ones(g.shape[0], dtype=g.dtype) @ g
    return g.sum(axis=0)


def pool():
    """(address of OpenBLAS's ``gotoblas_pthread``, its current thread count): the threads that
    multiply NumPy's matrices, for compiled kernels to run their parts on (``ops/fused_common.h``,
    ``run_parts``); (None, 1) without NumPy's OpenBLAS.

    NOTE: why theirs. OpenBLAS's threads spin for a while after every matrix product; a thread of
    our own then shares a core with one of them: a kernel that took 1.2 ms on two threads of its
    own took 2.5 ms right after a GEMM, on OpenBLAS's threads 1.3 ms (Intel Xeon, 2 cores)."""
    if not available() or "pool" not in _ROUTINES:
        return None, 1
    address, threads = _ROUTINES["pool"]
    return address, max(1, threads.value)


def set_threads_address():
    """The address of OpenBLAS's ``openblas_set_num_threads(int)`` (NumPy's own library), for
    compiled code that runs OpenBLAS's sgemm on one thread from inside a job on its threads
    (``ops/lstm_kernels.c``, ``lstm_backward``); None without it."""
    return _ROUTINES.get("set_threads") if available() and "pool" in _ROUTINES else None


def set_threads(n):
    """Run NumPy's OpenBLAS (its products and updates, and the compiled kernels on its threads,
    ``pool``) on ``n`` threads. False where NumPy has no OpenBLAS of its own (nothing was changed)."""
    if _lookup_once() is None or "set_threads" not in _ROUTINES:
        return False
    ctypes.CFUNCTYPE(None, ctypes.c_int)(_ROUTINES["set_threads"])(int(n))
    return True


def threads():
    """The threads NumPy's OpenBLAS runs on now; None where NumPy has no OpenBLAS of its own."""
    if _lookup_once() is None or "pool" not in _ROUTINES:
        return None
    return max(1, _ROUTINES["pool"][1].value)


def _lookup_once():
    """The routines, looked up once (whether or not ``enable(False)`` was called); None when absent."""
    global _ROUTINES
    if _ROUTINES is None:
        _ROUTINES = _lookup()
    return _ROUTINES or None


def gemm_address(dtype):
    """(address of NumPy's own cblas ?gemm for ``dtype``, True if it takes 64-bit integers), for
    compiled loops that call BLAS themselves (``ops/lstm_kernels.c``); None without one."""
    if not available() or numpy.dtype(dtype) not in _ROUTINES["gemm"]:
        return None
    fn = _ROUTINES["gemm"][numpy.dtype(dtype)]
    return ctypes.cast(fn, ctypes.c_void_p).value, _ROUTINES["max_size"] > 2 ** 31
