"""Building the compiled kernels' library (``fused.py`` loads it): which sources, which compiler
and flags, and the cache.

The sources (``gradwise/ops/*_kernels.c`` and their headers) are compiled into one library on
first use (never by ``import gradwise``) with ``cc -O3 -march=native`` (or ``$CC``;
``$GRADWISE_MARCH`` for another target, ``$GRADWISE_EMULATE_VF16`` for AVX-512's paths from
generic vectors), about a second, and the library is cached per source, compiler, flags and CPU
in ``$GRADWISE_CACHE_DIR`` (default ``~/.cache/gradwise``), written atomically.
"""
import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
from pathlib import Path

_SOURCES = [Path(__file__).with_name(name) for name in ("fused_kernels.c", "elementwise_kernels.c", "conv3x3_kernels.c",
                                                                "conv_kernels.c", "lstm_kernels.c", "gemm_kernels.c",
                                                                "pool_kernels.c")]
_HEADERS = [Path(__file__).with_name(name) for name in ("fused_common.h", "gemm_vector.h")]
FLAGS = ["-O3", "-march=native", "-fPIC", "-shared", "-fno-math-errno", "-fno-trapping-math"]


class _NoCompiler(Exception):
    pass


def _compiler():
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not cc:
        raise _NoCompiler("no C compiler found (install gcc or clang, or set CC); NumPy runs instead")
    return cc


def _cpu():
    """What -march=native depends on: the CPU's model and features."""
    try:
        with open("/proc/cpuinfo") as f:
            lines = [line for line in f if line.startswith(("model name", "flags", "Features"))]
        return "".join(sorted(set(lines)))
    except OSError:
        return platform.machine() + platform.processor()


def _flags():
    """FLAGS, with ``$GRADWISE_MARCH`` (e.g. haswell: an AVX2 build on an AVX-512 machine, as
    ``gradwise bench --isa avx2`` does) in place of native; with ``$GRADWISE_EMULATE_VF16`` set,
    AVX-512's code paths from generic vectors on any CPU (fused_common.h; for the tests)."""
    march = os.environ.get("GRADWISE_MARCH", "native")
    emulate = ["-DGRADWISE_EMULATE_VF16"] if os.environ.get("GRADWISE_EMULATE_VF16") else []
    return [f"-march={march}" if flag == "-march=native" else flag for flag in FLAGS] + emulate


def _library():
    """The path of the compiled library, built now if this source, compiler and CPU have none."""
    cc = _compiler()
    source = b"\0".join(path.read_bytes() for path in [*_SOURCES, *_HEADERS])
    real = os.path.realpath(shutil.which(cc) or cc)
    key = hashlib.sha256(b"\0".join([source, real.encode(), str(os.stat(real).st_mtime_ns).encode(),
                                     " ".join(_flags()).encode(), _cpu().encode()])).hexdigest()[:20]
    folder = Path(os.environ.get("GRADWISE_CACHE_DIR")
                  or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gradwise")
    path = folder / f"fused_kernels-{key}{'.dll' if os.name == 'nt' else '.so'}"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=path.suffix)
    os.close(fd)
    try:
        done = subprocess.run([cc, *_flags(), "-o", tmp, *map(str, _SOURCES), "-lm"], capture_output=True, text=True,
                              timeout=120)
        if done.returncode:
            raise _NoCompiler(f"{cc} failed on {', '.join(p.name for p in _SOURCES)}: {done.stderr.strip()[:300]}")
        os.replace(tmp, path)               # atomic: another process sees all of it or none
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
