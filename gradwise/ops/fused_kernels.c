/* gradwise's fused kernels: the loops that do not map onto a BLAS call well (the convolution's
 * scatter-adds and shallow convolutions, normalisation, pooling, padding). The others, compiled
 * into the same library: elementwise work and the cross-entropy in elementwise_kernels.c, the 3x3
 * direct convolutions in conv3x3_kernels.c, the 16-channel ones in conv_kernels.c, the LSTM's loops
 * in lstm_kernels.c, the matrix product in gemm_kernels.c; what they share in fused_common.h.
 *
 * Compiled on first use by the machine's C compiler (gradwise/ops/fused.py: cc -O3 -march=native,
 * cached per compiler and CPU) and called through ctypes; without a compiler gradwise runs the
 * NumPy code, which stays the reference these kernels are tested against. Arrays are C-contiguous
 * unless a row stride is given; sizes and strides count elements.
 */
#if defined(__AVX512F__) && defined(__GNUC__) && !defined(__clang__)
/* 512-bit vectors for the loops GCC vectorises itself (see lstm_kernels.c): W2 and W6 steps
 * base/main 1.024 and 1.023, W1 0.986 (7 rounds each, within the VM's noise; Intel Xeon) */
#pragma GCC target("prefer-vector-width=512")
#endif
#include "fused_common.h"
#include <math.h>

/* The scatter-adds of a convolution's input gradient, one channel plane at a time in cache
 * (NumPy: kh*kw passes over the whole gradient).
 * add_windows: out[c, n, i*dh + y*sh, j*dw + x*sw] += cols[c, i, j, n, y, x], out (C, N, Hp, Wp).
 * add_runs: out[(c*N + n)*plane + i*dh*wp + j*dw + q] += runs[c, i, j, n, q], runs (C, kh, kw, N, R),
 * out the flat padded planes with room after the last for the last run's overhang. */
struct windows_part { void *out; const void *cols; long kh, kw, batch, oh, ow, hp, wp, sh, sw, dh, dw, zero, lo, hi; };

#define SCATTERS(T, SUFFIX)                                                                          \
static void add_windows_part_##SUFFIX(void *arg)                                                     \
{   /* channels [lo, hi) */                                                                          \
    const struct windows_part *p = arg;                                                              \
    T *out = p->out;                                                                                 \
    const T *cols = p->cols;                                                                         \
    long kh = p->kh, kw = p->kw, batch = p->batch, oh = p->oh, ow = p->ow, hp = p->hp, wp = p->wp;    \
    long sh = p->sh, sw = p->sw, dh = p->dh, dw = p->dw;                                             \
    for (long c = p->lo; c < p->hi; c++)                                                             \
        for (long n = 0; n < batch; n++) {                                                           \
            T *plane = out + (c * batch + n) * hp * wp;                                              \
            if (p->zero)                /* zeroed here, on this thread, while it is about to be used */ \
                memset(plane, 0, sizeof(T) * hp * wp);                                               \
            for (long i = 0; i < kh; i++)                                                            \
                for (long j = 0; j < kw; j++) {                                                      \
                    const T *block = cols + (((c * kh + i) * kw + j) * batch + n) * oh * ow;         \
                    for (long y = 0; y < oh; y++) {                                                  \
                        T *restrict row = plane + (i * dh + y * sh) * wp + j * dw;                   \
                        const T *restrict src = block + y * ow;                                      \
                        if (sw == 1)                                                                 \
                            for (long x = 0; x < ow; x++) row[x] += src[x];                          \
                        else                                                                         \
                            for (long x = 0; x < ow; x++) row[x * sw] += src[x];                     \
                    }                                                                                \
                }                                                                                    \
        }                                                                                            \
}                                                                                                    \
void add_windows_##SUFFIX(const void *pool, int threads, T *out, const T *cols, long chans, long kh, long kw, \
                          long batch, long oh, long ow, long hp, long wp, long sh, long sw, long dh, long dw, \
                          long zero)                                                                 \
{   /* the channels (whose planes no other channel's windows touch) shared among the threads; zero:  \
     * out's planes zeroed first (a new array: no pass of NumPy's zeros on one core before) */       \
    struct windows_part all = {out, cols, kh, kw, batch, oh, ow, hp, wp, sh, sw, dh, dw, zero, 0, 0};\
    SPLIT(pool, threads, add_windows_part_##SUFFIX, all, chans, chans * batch * oh * ow * kh * kw >> 15); \
}                                                                                                    \
void add_runs_##SUFFIX(T *out, long plane, const T *runs, long chans, long kh, long kw, long batch, long length, \
                       long wp, long dh, long dw)                                                    \
{                                                                                                    \
    for (long c = 0; c < chans; c++)                                                                 \
        for (long n = 0; n < batch; n++)                                                             \
            for (long i = 0; i < kh; i++)                                                            \
                for (long j = 0; j < kw; j++) {                                                      \
                    T *restrict dst = out + (c * batch + n) * plane + i * dh * wp + j * dw;          \
                    const T *restrict src = runs + (((c * kh + i) * kw + j) * batch + n) * length;   \
                    for (long q = 0; q < length; q++) dst[q] += src[q];                              \
                }                                                                                    \
}

SCATTERS(float, f32)
SCATTERS(double, f64)

/* A shallow stride-1 convolution (few channels x kernel positions, where im2col's GEMM is thin and
 * its column copy costs more than the arithmetic) on whole padded rows, without columns:
 * y[o, n, q] = sum over c, i, j of w[o, c, i, j] * x[(c*N + n)*plane + i*dh*wp + j*dw + q], q < R,
 * x the flat padded input planes with room after the last; the columns of y past the output
 * width are computed and dropped by the caller. Kernel positions go four at a time, so that each
 * pass over an output row does four multiply-adds per element instead of one. */
/* The shallow convolution's arguments, for its parts: w is the output gradient and y the weight
 * gradient in the weight-gradient kernel. */
struct shallow_part { const void *x, *w; void *y; long plane, outs, chans, kh, kw, wp, dh, dw, batch, length, lo, hi; };

#define SHALLOW(T, SUFFIX)                                                                           \
static void shallow_conv_part_##SUFFIX(void *arg)                                                    \
{                                                                                                    \
    const struct shallow_part *p = arg;                                                              \
    const T *x = p->x, *w = p->w;                                                                    \
    T *y = p->y;                                                                                     \
    long plane = p->plane, outs = p->outs, chans = p->chans, kh = p->kh, kw = p->kw, wp = p->wp;     \
    long dh = p->dh, dw = p->dw, batch = p->batch, length = p->length;                               \
    for (long n = p->lo; n < p->hi; n++)                                                             \
        for (long o = 0; o < outs; o++) {                                                            \
            T *restrict dst = y + (o * batch + n) * length;                                          \
            for (long q = 0; q < length; q++) dst[q] = 0;                                            \
            for (long c = 0; c < chans; c++)                                                         \
                for (long i = 0; i < kh; i++) {                                                      \
                    const T *base = x + (c * batch + n) * plane + i * dh * wp;                       \
                    const T *wr = w + ((o * chans + c) * kh + i) * kw;                               \
                    long j = 0;                                                                      \
                    for (; j + 4 <= kw; j += 4) {                                                    \
                        const T *restrict s0 = base + j * dw, *restrict s1 = s0 + dw;                \
                        const T *restrict s2 = s1 + dw, *restrict s3 = s2 + dw;                      \
                        T w0 = wr[j], w1 = wr[j + 1], w2 = wr[j + 2], w3 = wr[j + 3];                \
                        for (long q = 0; q < length; q++)                                            \
                            dst[q] += (w0 * s0[q] + w1 * s1[q]) + (w2 * s2[q] + w3 * s3[q]);         \
                    }                                                                                \
                    for (; j + 2 <= kw; j += 2) {                                                    \
                        const T *restrict s0 = base + j * dw, *restrict s1 = s0 + dw;                \
                        T w0 = wr[j], w1 = wr[j + 1];                                                \
                        for (long q = 0; q < length; q++) dst[q] += w0 * s0[q] + w1 * s1[q];         \
                    }                                                                                \
                    for (; j < kw; j++) {                                                            \
                        const T *restrict s0 = base + j * dw;                                        \
                        T w0 = wr[j];                                                                \
                        for (long q = 0; q < length; q++) dst[q] += w0 * s0[q];                      \
                    }                                                                                \
                }                                                                                    \
        }                                                                                            \
}                                                                                                    \
/* Its weight gradient: gw[o, c, i, j] = sum over n, q of g[o, n, q] * x[...same index...], g zero on \
 * the dropped columns; sums in 16 partial lanes (vectorised; the order of a BLAS's). */              \
static void shallow_conv_weight_grad_part_##SUFFIX(void *arg)                                        \
{   /* output channels [lo, hi) */                                                                   \
    const struct shallow_part *p = arg;                                                              \
    const T *x = p->x, *g = p->w;                                                                    \
    T *gw = p->y;                                                                                    \
    long plane = p->plane, chans = p->chans, kh = p->kh, kw = p->kw, wp = p->wp;                     \
    long dh = p->dh, dw = p->dw, batch = p->batch, length = p->length, taps = chans * kh * kw;       \
    for (long e = p->lo * taps; e < p->hi * taps; e++) gw[e] = 0;                                    \
    long full = length / 16 * 16;                                                                    \
    for (long n = 0; n < batch; n++)                                                                 \
        for (long o = p->lo; o < p->hi; o++) {                                                       \
            const T *restrict gr = g + (o * batch + n) * length;                                     \
            for (long c = 0; c < chans; c++)                                                         \
                for (long i = 0; i < kh; i++)                                                        \
                    for (long j = 0; j < kw; j++) {                                                  \
                        const T *restrict s = x + (c * batch + n) * plane + i * dh * wp + j * dw;    \
                        T acc[16] = {0};                                                             \
                        for (long q = 0; q < full; q += 16)                                          \
                            for (long l = 0; l < 16; l++) acc[l] += gr[q + l] * s[q + l];            \
                        T total = 0;                                                                 \
                        for (long q = full; q < length; q++) total += gr[q] * s[q];                  \
                        for (long l = 0; l < 16; l++) total += acc[l];                               \
                        gw[((o * chans + c) * kh + i) * kw + j] += total;                            \
                    }                                                                                \
        }                                                                                            \
}                                                                                                    \
void shallow_conv_##SUFFIX(const void *pool, int threads, const T *x, long plane, const T *w, long outs, \
                           long chans, long kh, long kw, long wp, long dh, long dw, T *y, long batch, \
                           long length)                                                              \
{   /* the images shared among the threads */                                                        \
    struct shallow_part all = {x, w, y, plane, outs, chans, kh, kw, wp, dh, dw, batch, length, 0, 0}; \
    SPLIT(pool, threads, shallow_conv_part_##SUFFIX, all, batch, batch);                              \
}                                                                                                    \
void shallow_conv_weight_grad_##SUFFIX(const void *pool, int threads, const T *x, long plane, const T *g, \
                                       long outs, long chans, long kh, long kw, long wp, long dh, long dw, \
                                       T *gw, long batch, long length)                               \
{   /* the output channels shared among the threads */                                               \
    struct shallow_part all = {x, g, gw, plane, outs, chans, kh, kw, wp, dh, dw, batch, length, 0, 0}; \
    SPLIT(pool, threads, shallow_conv_weight_grad_part_##SUFFIX, all, outs, outs);                    \
}

SHALLOW(float, f32)
SHALLOW(double, f64)


/* A check that run_parts reaches every part (fused.py runs it once before trusting the pool). */
static void mark_part(void *arg) { *(long *)arg = 1; }

void pool_check(const void *pool, long *marks, int count)
{
    run_parts(pool, mark_part, marks, count < MAX_PARTS ? count : MAX_PARTS, sizeof(long));
}

/* Batch normalisation of channel rows, x (C, M) (a channel-major activation), in two passes
 * over each row, the second from cache (NumPy: 5 reads and 3 writes of the whole array forward,
 * 7 and 4 backward); the channels are shared among the threads. Forward: stats[2c], stats[2c+1]
 * = the row's mean and biased variance (two-pass), out = (x - mean) / sqrt(var + eps) * w + b
 * (w, b NULL: 1 and 0). Backward, from those: gx (when not NULL) and sums[2c], sums[2c+1] =
 * sum(g), sum(g * xhat) (the bias's and the weight's gradients). */
struct norm_part { const float *x, *g, *w, *b; float *out; double *stats, *sums; long m, lo, hi; float eps; };

static double row_sum(const float *x, long m, float shift, int squares)
{   /* sum of x - shift (squared when squares), 4 vectors of partial sums. NOTE: in the CPU's own
     * vector width (vec): written with 16-float vectors, GCC kept them on the stack on AVX2, and
     * BatchNorm's forward took 2x its time (AMD EPYC, Zen 4 without AVX-512) */
    vec s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
    long i = 0;
    for (; i + 4 * VF <= m; i += 4 * VF) {
        vec v0 = load_vec(x + i) - shift, v1 = load_vec(x + i + VF) - shift;
        vec v2 = load_vec(x + i + 2 * VF) - shift, v3 = load_vec(x + i + 3 * VF) - shift;
        if (squares)
            v0 *= v0, v1 *= v1, v2 *= v2, v3 *= v3;
        s0 += v0; s1 += v1; s2 += v2; s3 += v3;
    }
    vec s = (s0 + s1) + (s2 + s3);
    double total = 0;
    for (int k = 0; k < VF; k++) total += s[k];
    for (; i < m; i++) total += squares ? (double)(x[i] - shift) * (x[i] - shift) : x[i] - shift;
    return total;
}

static void norm_forward_part(void *arg)
{
    const struct norm_part *p = arg;
    long m = p->m;
    for (long c = p->lo; c < p->hi; c++) {
        const float *x = p->x + c * m;
        float *out = p->out + c * m;
        float mean = (float)(row_sum(x, m, 0.0f, 0) / m);
        double var = row_sum(x, m, mean, 1) / m;
        float scale = (float)(1.0 / __builtin_sqrt(var + p->eps)) * (p->w ? p->w[c] : 1.0f);
        float shift = p->b ? p->b[c] : 0.0f;
        for (long i = 0; i < m; i++) out[i] = (x[i] - mean) * scale + shift;
        p->stats[2 * c] = mean;
        p->stats[2 * c + 1] = var;
    }
}

static void norm_backward_part(void *arg)
{
    const struct norm_part *p = arg;
    long m = p->m;
    for (long c = p->lo; c < p->hi; c++) {
        const float *x = p->x + c * m, *g = p->g + c * m;
        float mean = (float)p->stats[2 * c];
        double inv = 1.0 / __builtin_sqrt(p->stats[2 * c + 1] + p->eps);
        vec s0 = {0}, s1 = {0}, t0 = {0}, t1 = {0};      /* the CPU's width: see row_sum */
        long i = 0;
        for (; i + 2 * VF <= m; i += 2 * VF) {
            vec g0 = load_vec(g + i), g1 = load_vec(g + i + VF);
            s0 += g0; s1 += g1;
            t0 += g0 * (load_vec(x + i) - mean); t1 += g1 * (load_vec(x + i + VF) - mean);
        }
        vec s = s0 + s1, t = t0 + t1;
        double sum_g = 0, sum_gc = 0;
        for (int k = 0; k < VF; k++) { sum_g += s[k]; sum_gc += t[k]; }
        for (; i < m; i++) { sum_g += g[i]; sum_gc += (double)g[i] * (x[i] - mean); }
        p->sums[2 * c] = sum_g;
        p->sums[2 * c + 1] = sum_gc * inv;
        if (p->out) {   /* gx = (g - sum_g / m - xhat * sum(g xhat) / m) * inv * w */
            double k1 = inv * (p->w ? p->w[c] : 1.0f), k2 = -k1 * inv * inv * sum_gc / m;
            float a = (float)k1, b = (float)k2, d = (float)(-k1 * sum_g / m);
            float *gx = p->out + c * m;
            for (long j = 0; j < m; j++) gx[j] = g[j] * a + (x[j] - mean) * b + d;
        }
    }
}

void norm_f32(const void *pool, int threads, int backward, const float *x, const float *g, const float *w,
              const float *b, float *out, double *stats, double *sums, long chans, long m, float eps)
{
    struct norm_part all = {x, g, w, b, out, stats, sums, m, 0, 0, eps};
    SPLIT(pool, threads, backward ? norm_backward_part : norm_forward_part, all, chans, chans);
}

/* Floats per vector register this library was compiled for (-march=native: the CPU's), so that
 * the Python side takes the 16-float kernels only where they were built as such, not where
 * /proc/cpuinfo merely lists AVX-512 (a compiler told another target, a CPU whose flags a VM hides). */
int vector_floats(void)
{
#if defined(__AVX512F__) || defined(GRADWISE_EMULATE_VF16)
    return 16;
#elif defined(__AVX__)
    return 8;
#else
    return 4;
#endif
}

/* Zero-padding by pad on every side, plane by plane: src (P, H, W) -> dst (P, H + 2 pad, W + 2 pad),
 * in one pass that writes each element once (NumPy: a strided copy and four strided zero fills,
 * the column ones a few elements per row); the planes shared among the threads. */
struct pad_part { const float *src; float *dst; long height, width, pad, lo, hi; };

static void pad_part(void *arg)
{
    const struct pad_part *p = arg;
    long h = p->height, w = p->width, e = p->pad, wp = w + 2 * e;
    for (long q = p->lo; q < p->hi; q++) {
        const float *s = p->src + q * h * w;
        float *d = p->dst + q * (h + 2 * e) * wp;
        memset(d, 0, sizeof(float) * (e * wp + e));                /* the top rows, the first row's left */
        for (long y = 0; y < h; y++) {
            float *row = d + (y + e) * wp + e;
            memcpy(row, s + y * w, sizeof(float) * w);
            memset(row + w, 0, sizeof(float) * 2 * e);              /* this row's right, the next one's left */
        }
        memset(d + (h + e) * wp + e, 0, sizeof(float) * (e * wp - e));  /* the bottom rows */
    }
}

void pad_f32(const void *pool, int threads, const float *src, float *dst, long planes, long height, long width,
             long pad)
{
    struct pad_part all = {src, dst, height, width, pad, 0, 0};
    SPLIT(pool, threads, pad_part, all, planes, planes * height * width >> 15);
}
