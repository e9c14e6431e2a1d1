"""Compiled scatter-adds of the convolutions' backward (numba; reached through ``ops/fused.py``).

NOTE: why. The input gradient of an im2col convolution adds kh * kw shifted windows of the
column gradient back into the (padded) input. NumPy does that as kh * kw passes over the whole
input gradient, each a read-modify-write of all of it (nine for a 3x3 kernel): on these VMs'
memory bandwidth the passes, not the arithmetic, are the cost. Here each image's channel plane
(a few KiB) stays in the L1 cache while all its windows are added: the column gradient is read
once and the plane written once.
"""
from numba import njit

_OPTIONS = dict(cache=True, nogil=True, boundscheck=False, error_model="numpy")


@njit(**_OPTIONS)
def add_windows(out, cols, sh, sw, dh, dw):
    """out[c, n, i*dh + y*sh, j*dw + x*sw] += cols[c, i, j, n, y, x], for contiguous ``out``
    (C, N, Hp, Wp) and ``cols`` (C, kh, kw, N, oh, ow)."""
    chans, kh, kw, batch, oh, ow = cols.shape
    for c in range(chans):
        for n in range(batch):
            plane = out[c, n]
            for i in range(kh):
                for j in range(kw):
                    block = cols[c, i, j, n]
                    for y in range(oh):
                        row = plane[i * dh + y * sh]
                        src = block[y]
                        base = j * dw
                        for x in range(ow):
                            row[base + x * sw] += src[x]


@njit(**_OPTIONS)
def add_runs(out, plane, runs, wp, dh, dw):
    """out[(c*N + n)*plane + i*dh*wp + j*dw + q] += runs[c, i, j, n, q] for the flat buffer ``out``
    of the padded input's planes (with room after the last for the last run's overhang) and
    contiguous ``runs`` (C, kh, kw, N, R)."""
    chans, kh, kw, batch, length = runs.shape
    for c in range(chans):
        for n in range(batch):
            start = (c * batch + n) * plane
            for i in range(kh):
                for j in range(kw):
                    src = runs[c, i, j, n]
                    dst = out[start + i * dh * wp + j * dw:start + i * dh * wp + j * dw + length]
                    for q in range(length):
                        dst[q] += src[q]

