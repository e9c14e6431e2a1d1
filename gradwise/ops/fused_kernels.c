/* gradwise's fused kernels: elementwise work that NumPy does in many passes, done in one, and the
 * loops that do not map onto a BLAS call well (the scatter-adds and 3x3 direct convolutions,
 * normalisation, pooling; the LSTM's loops are in lstm_kernels.c, the 16-channel convolutions in
 * conv_kernels.c, what they share in fused_common.h).
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

void exp_array(const float *restrict x, float *restrict out, long n)
{
    for (long e = 0; e < n; e++) out[e] = fexp(x[e]);
}

void tanh_array(const float *restrict x, float *restrict out, long n)
{
    for (long e = 0; e < n; e++) out[e] = ftanh(x[e]);
}

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


/* A 3x3, stride-1 convolution computed directly, register-blocked: 8 output channels x VF
 * output columns held in 8 vector accumulators while the input channels and the 9 kernel
 * positions stream past, each input vector loaded once for 8 multiply-adds. x: padded
 * channel-major input (C, N, H + 2, W + 2); w (O, C, 3, 3); out (O, N, H, W); W a multiple of
 * 16 and O of 8 (the caller checks). ~105 GFLOP/s on one Zen 4 core against 25-90 for im2col +
 * OpenBLAS on two at ResNet's 16-64 channels. The images are shared among the threads. */

/* 8 output channels x VF output positions (one vector): out[o * ostride + q] = sum over c, i, j of
 * w[(o * chans + c) * 9 + i * 3 + j] * x[c * cstride + i * wp + j + q]. */
static inline void conv8xV(const float *x, long cstride, long wp, const float *w, long chans, float *out,
                            long ostride)
{
    long ws = chans * 9;
    vec a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, a4 = {0}, a5 = {0}, a6 = {0}, a7 = {0};
    for (long c = 0; c < chans; c++)
        for (long i = 0; i < 3; i++) {
            const float *row = x + c * cstride + i * wp;
            const float *wr = w + c * 9 + i * 3;
            for (long j = 0; j < 3; j++) {
                vec v;
                memcpy(&v, row + j, sizeof v);
                a0 += v * wr[j]; a1 += v * wr[ws + j]; a2 += v * wr[2 * ws + j];
                a3 += v * wr[3 * ws + j]; a4 += v * wr[4 * ws + j]; a5 += v * wr[5 * ws + j];
                a6 += v * wr[6 * ws + j]; a7 += v * wr[7 * ws + j];
            }
        }
    vec acc[8] = {a0, a1, a2, a3, a4, a5, a6, a7};
    for (long o = 0; o < 8; o++)
        memcpy(out + o * ostride, &acc[o], sizeof(vec));
}

/* height, width: the output's; flat: 0 for rows of W (a multiple of 16) outputs, else the
 * number of positions (a multiple of 16) computed per image on its flat padded plane (see
 * conv3x3_flat_f32). */
struct conv_part { const float *x, *w; float *out; long chans, batch, height, width, outs, flat, lo, hi; };

static void conv3x3_part(void *arg)
{
    const struct conv_part *p = arg;
    long chans = p->chans, batch = p->batch, height = p->height, width = p->width;
    long hp = height + 2, wp = width + 2, cstride = batch * hp * wp;
    for (long n = p->lo; n < p->hi; n++)
        for (long ob = 0; ob < p->outs; ob += 8) {
            const float *w = p->w + ob * chans * 9;
            if (p->flat)
                for (long q = 0; q < p->flat; q += VF)
                    conv8xV(p->x + n * hp * wp + q, cstride, wp, w, chans, p->out + (ob * batch + n) * p->flat + q,
                             batch * p->flat);
            else
                for (long y = 0; y < height; y++)
                    for (long xb = 0; xb < width; xb += VF)
                        conv8xV(p->x + (n * hp + y) * wp + xb, cstride, wp, w, chans,
                                 p->out + ((ob * batch + n) * height + y) * width + xb, batch * height * width);
        }
}

static void conv3x3_run(const void *pool, int threads, const float *x, const float *w, float *out, long chans,
                        long batch, long height, long width, long outs, long flat)
{
    struct conv_part all = {x, w, out, chans, batch, height, width, outs, flat, 0, 0};
    SPLIT(pool, threads, conv3x3_part, all, batch, batch);
}

void conv3x3_f32(const void *pool, int threads, const float *x, const float *w, float *out, long chans, long batch,
                 long height, long width, long outs)
{
    conv3x3_run(pool, threads, x, w, out, chans, batch, height, width, outs, 0);
}

/* The same convolution for any width, on flat padded planes (the idea of conv_rows.py): output
 * position q = y * (W + 2) + x of an image reads x's plane at q + i * (W + 2) + j, so VF
 * consecutive positions are one vector load per kernel position even when rows are 8 wide; the
 * two columns past W of each row, and the positions from H * (W + 2) to the next multiple of 16
 * ("positions"), are computed and dropped. out (O, N, positions); x needs 16 floats of slack
 * after its last plane. */
void conv3x3_flat_f32(const void *pool, int threads, const float *x, const float *w, float *out, long chans,
                      long batch, long height, long width, long outs, long positions)
{
    conv3x3_run(pool, threads, x, w, out, chans, batch, height, width, outs, positions);
}

/* Input row r of the 4 that output rows y and y + 1 read, shifted by j: kernel position t of row
 * y (g0, h0: its gradient in the two output channels), u of row y + 1 (g1, h1). */
#define LOAD_ROW(r, j) vec v; memcpy(&v, row + (r) * wp + (j), sizeof v);
/* Output channels a sweep takes: on AVX-512 the pair (18 accumulators of 32 zmm registers), on
 * AVX2 one at a time, the pair in two sweeps (9 of 16 ymm; 18 spilled: W6's weight gradients
 * 19.5% of the step's samples with both frameworks held to AVX2, perf). ON_B: the second
 * channel's part (b, h), there only when a sweep takes both. */
#if VF == 16
#define PASS 2
#define ON_B(...) __VA_ARGS__
#else
#define PASS 1
#define ON_B(...)
#endif
#define TOP(r, j, t) { LOAD_ROW(r, j) a##t += v * g0; ON_B(b##t += v * h0;) }
#define BOTTOM(r, j, u) { LOAD_ROW(r, j) a##u += v * g1; ON_B(b##u += v * h1;) }
#define BOTH(r, j, t, u) { LOAD_ROW(r, j) a##t += v * g0; a##u += v * g1; ON_B(b##t += v * h0; b##u += v * h1;) }
/* accumulators a_t, b_t (kernel position t, the pair's two output channels) to and from memory */
#define ACC_LOAD(t) memcpy(&a##t, ac + 2 * VF * t, sizeof a##t); ON_B(memcpy(&b##t, ac + 2 * VF * t + VF, sizeof b##t);)
#define ACC_STORE(t) memcpy(ac + 2 * VF * t, &a##t, sizeof a##t); \
                     ON_B(memcpy(ac + 2 * VF * t + VF, &b##t, sizeof b##t);)
#define ALL9(op) op(0) op(1) op(2) op(3) op(4) op(5) op(6) op(7) op(8)

/* The weight gradient of conv3x3_flat_f32: gw[o, c, i, j] = sum over n and q of g[o, n, q] *
 * x[c, n, q + i * (W + 2) + j], g (O, N, positions) zero at the dropped positions. 2 output
 * channels x 9 kernel positions in 18 vector accumulators (acc (O/2, C, 18, VF), as below). */
struct flat_grad_part { const float *x, *g; float *acc; long chans, batch, plane, wp, positions, lo, hi; };

static void conv3x3_flat_weight_grad_part(void *arg)
{   /* small planes: each (pair, channel) sweeps all images with its accumulators in registers */
    const struct flat_grad_part *p = arg;
    long chans = p->chans, batch = p->batch, wp = p->wp, pos = p->positions, gplane = batch * pos;
    for (long q = p->lo; q < p->hi; q++)
        for (long c = 0; c < chans; c++)
            for (long ch = 0; ch < 2; ch += PASS) {     /* the pair's channel(s) this sweep: 2q + ch */
                float *ac = p->acc + (q * chans + c) * 18 * VF + ch * VF;
                vec a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, a4 = {0}, a5 = {0}, a6 = {0}, a7 = {0}, a8 = {0}
                    ON_B(, b0 = {0}, b1 = {0}, b2 = {0}, b3 = {0}, b4 = {0}, b5 = {0}, b6 = {0}, b7 = {0}, b8 = {0});
                for (long n = 0; n < batch; n++)
                    for (long k = 0; k < pos; k += VF) {
                        const float *gp = p->g + ((2 * q + ch) * batch + n) * pos + k;
                        const float *row = p->x + (c * batch + n) * p->plane + k;
                        vec g0;
                        memcpy(&g0, gp, sizeof g0);
                        ON_B(vec h0; memcpy(&h0, gp + gplane, sizeof h0);)
                        TOP(0, 0, 0) TOP(0, 1, 1) TOP(0, 2, 2) TOP(1, 0, 3) TOP(1, 1, 4) TOP(1, 2, 5)
                        TOP(2, 0, 6) TOP(2, 1, 7) TOP(2, 2, 8)
                    }
                ALL9(ACC_STORE)
            }
}

/* The weight gradient of conv3x3_f32: gw[o, c, i, j] = sum over n, y, x of g[o, n, y, x] *
 * x[c, n, y + i, x + j]. Register-blocked: 2 output channels x 9 kernel positions in 18 vector
 * accumulators; two output rows at a time, so each of the 4 input rows they touch is loaded once
 * (12 loads and 4 of g for 36 multiply-adds). Image by image, so that what one image needs (its
 * planes and the accumulators, acc (O/2, C, 18, VF)) stays in cache; the pairs of output channels
 * are shared among the threads. H even, W a multiple of 16, O even (the caller checks). Intel
 * Xeon, 2 threads: 16 channels at 32x32, batch 32, 4.5 ms as kernel-row columns + GEMM -> 1.2. */

struct grad_part { const float *x, *g; float *acc; long chans, batch, height, width, lo, hi; };

static void conv3x3_weight_grad_part(void *arg)
{
    const struct grad_part *p = arg;
    long chans = p->chans, batch = p->batch, height = p->height, width = p->width;
    long hp = height + 2, wp = width + 2, plane = batch * height * width;
    for (long n = 0; n < batch; n++)
        for (long q = p->lo; q < p->hi; q++)
            for (long c = 0; c < chans; c++)
                for (long ch = 0; ch < 2; ch += PASS) {
                    float *ac = p->acc + (q * chans + c) * 18 * VF + ch * VF;
                    vec a0, a1, a2, a3, a4, a5, a6, a7, a8 ON_B(, b0, b1, b2, b3, b4, b5, b6, b7, b8);
                    ALL9(ACC_LOAD)
                    for (long y = 0; y < height; y += 2)
                        for (long xb = 0; xb < width; xb += VF) {
                            const float *gp = p->g + (((2 * q + ch) * batch + n) * height + y) * width + xb;
                            const float *row = p->x + ((c * batch + n) * hp + y) * wp + xb;
                            vec g0, g1;
                            memcpy(&g0, gp, sizeof g0); memcpy(&g1, gp + width, sizeof g1);
                            ON_B(vec h0, h1; memcpy(&h0, gp + plane, sizeof h0);
                                 memcpy(&h1, gp + plane + width, sizeof h1);)
                            TOP(0, 0, 0) TOP(0, 1, 1) TOP(0, 2, 2)
                            BOTH(1, 0, 3, 0) BOTH(1, 1, 4, 1) BOTH(1, 2, 5, 2)
                            BOTH(2, 0, 6, 3) BOTH(2, 1, 7, 4) BOTH(2, 2, 8, 5)
                            BOTTOM(3, 0, 6) BOTTOM(3, 1, 7) BOTTOM(3, 2, 8)
                        }
                    ALL9(ACC_STORE)
                }
}

/* gw (O, C, 3, 3) from the weight-gradient kernels' vector accumulators, acc (O/2, C, 18, VF). */
static void sum_accumulators(const float *acc, float *gw, long chans, long pairs)
{
    for (long q = 0; q < pairs; q++)
        for (long c = 0; c < chans; c++)
            for (long t = 0; t < 9; t++)
                for (long k = 0; k < 2; k++) {
                    const float *v = acc + ((q * chans + c) * 18 + 2 * t + k) * VF;
                    float s = 0;
                    for (long l = 0; l < VF; l++) s += v[l];
                    gw[((2 * q + k) * chans + c) * 9 + t] = s;
                }
}

void conv3x3_weight_grad_f32(const void *pool, int threads, const float *x, const float *g, float *gw, float *acc,
                             long chans, long batch, long height, long width, long outs)
{   /* acc: (O/2, C, 18, VF) floats of scratch */
    struct grad_part all = {x, g, acc, chans, batch, height, width, 0, 0};
    long pairs = outs / 2;
    memset(acc, 0, sizeof(float) * pairs * chans * 18 * VF);
    SPLIT(pool, threads, conv3x3_weight_grad_part, all, pairs, pairs);
    sum_accumulators(acc, gw, chans, pairs);
}

void conv3x3_flat_weight_grad_f32(const void *pool, int threads, const float *x, const float *g, float *gw,
                                  float *acc, long chans, long batch, long height, long width, long outs,
                                  long positions)
{
    struct flat_grad_part all = {x, g, acc, chans, batch, (height + 2) * (width + 2), width + 2, positions, 0, 0};
    long pairs = outs / 2;
    memset(acc, 0, sizeof(float) * pairs * chans * 18 * VF);
    SPLIT(pool, threads, conv3x3_flat_weight_grad_part, all, pairs, pairs);
    sum_accumulators(acc, gw, chans, pairs);
}

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
{   /* sum of x - shift (squared when squares), 64 lanes of partial sums */
    v16f s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0}, v[4];
    long i = 0;
    for (; i + 64 <= m; i += 64) {
        memcpy(v, x + i, sizeof v);
        for (int k = 0; k < 4; k++) v[k] -= shift;
        if (squares)
            for (int k = 0; k < 4; k++) v[k] *= v[k];
        s0 += v[0]; s1 += v[1]; s2 += v[2]; s3 += v[3];
    }
    v16f s = (s0 + s1) + (s2 + s3);
    double total = 0;
    for (int k = 0; k < 16; k++) total += s[k];
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
        v16f s0 = {0}, s1 = {0}, t0 = {0}, t1 = {0}, gv[2], xv[2];
        long i = 0;
        for (; i + 32 <= m; i += 32) {
            memcpy(gv, g + i, sizeof gv);
            memcpy(xv, x + i, sizeof xv);
            s0 += gv[0]; s1 += gv[1];
            t0 += gv[0] * (xv[0] - mean); t1 += gv[1] * (xv[1] - mean);
        }
        v16f s = s0 + s1, t = t0 + t1;
        double sum_g = 0, sum_gc = 0;
        for (int k = 0; k < 16; k++) { sum_g += s[k]; sum_gc += t[k]; }
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
#if defined(__AVX512F__)
    return 16;
#elif defined(__AVX__)
    return 8;
#else
    return 4;
#endif
}

/* out = x + y over n floats, in blocks shared among the threads (NumPy's add: one core; W6's
 * residual sums and the gradients' sums at its forks). */
struct add_part { const float *x, *y; float *out; long lo, hi; };

static void add_part_f32(void *arg)
{
    const struct add_part *p = arg;
    for (long i = p->lo; i < p->hi; i++) p->out[i] = p->x[i] + p->y[i];
}

void add_f32(const void *pool, int threads, const float *x, const float *y, float *out, long n)
{
    struct add_part all = {x, y, out, 0, 0};
    SPLIT(pool, threads, add_part_f32, all, n, n >> 16);
}

/* The ReLU of a dense layer's output (rows of cols floats, cols >= 64, 16 Ki floats or more) and
 * its gradient split among the threads by the column blocks gemm_f32 gave each thread, so
 * that each reads what its own core wrote. NOTE: why. Split by rows (or on one thread, below
 * 64 Ki floats), half of the array comes from the other core's cache: W1's first ReLU took 46 us
 * in the step against 15 us alone. Job: lo, hi (columns), cols, rows, adjacent longs at `range`.
 * Returns 0 (nothing run) where the split does not apply. */
static int relu_split(const void *pool, int threads, void (*fn)(void *), const void *all, int size, size_t range,
                      long n, long cols)
{
    if (cols < 64 || n < (16 << 10) || n % cols || !pool || threads < 2)
        return 0;
    long blocks = (cols + SPLIT_COLUMNS - 1) / SPLIT_COLUMNS;
    int count = part_count(threads, blocks);
    unsigned char parts[count * size] __attribute__((aligned(16)));
    for (int i = 0; i < count; i++) {
        long *f = (long *)(parts + i * size + range), hi = SPLIT_COLUMNS * (blocks * (i + 1) / count);
        memcpy(parts + i * size, all, size);
        f[0] = SPLIT_COLUMNS * (blocks * i / count);
        f[1] = hi < cols ? hi : cols;
        f[2] = cols;
        f[3] = n / cols;
    }
    run_parts(pool, fn, parts, count, size);
    return 1;
}

/* ReLU, y = max(x, 0) as NumPy's maximum (NaN stays NaN, -0 becomes 0), over n floats in blocks
 * shared among the threads (NumPy's maximum: one core). */
struct relu_fwd_part { const float *x; float *y; long lo, hi, cols, rows; };

static void relu_forward_part(void *arg)
{
    const struct relu_fwd_part *p = arg;
    for (long r = 0; r < p->rows; r++) {
        const float *x = p->x + r * p->cols;
        float *y = p->y + r * p->cols;
        for (long i = p->lo; i < p->hi; i++) y[i] = x[i] <= 0.0f ? 0.0f : x[i];
    }
}

/* cols > 0: the n floats are rows of cols, and the threads take the columns that gemm_f32's took
 * of its output (relu_split). */
void relu_forward_f32(const void *pool, int threads, const float *x, float *y, long n, long cols)
{
    struct relu_fwd_part all = {x, y, 0, 0, n, 1};
    if (relu_split(pool, threads, relu_forward_part, &all, sizeof all, offsetof(struct relu_fwd_part, lo), n, cols))
        return;
    SPLIT(pool, threads, relu_forward_part, all, n, n >> 16);
}

/* ReLU's backward, gx = g * (y > 0), over n floats, in blocks shared among the threads
 * (NumPy: g * (y > 0), a pass for the mask, one for the product, on one core). */
struct relu_part { const float *y, *g; float *gx; long lo, hi, cols, rows; };

static void relu_backward_part(void *arg)
{
    const struct relu_part *p = arg;
    for (long r = 0; r < p->rows; r++) {
        const float *y = p->y + r * p->cols, *g = p->g + r * p->cols;
        float *gx = p->gx + r * p->cols;
        for (long i = p->lo; i < p->hi; i++) gx[i] = g[i] * (float)(y[i] > 0.0f);   /* as NumPy's: NaN * 0 */
    }
}

void relu_backward_f32(const void *pool, int threads, const float *y, const float *g, float *gx, long n, long cols)
{
    struct relu_part all = {y, g, gx, 0, 0, n, 1};
    if (relu_split(pool, threads, relu_backward_part, &all, sizeof all, offsetof(struct relu_part, lo), n, cols))
        return;
    SPLIT(pool, threads, relu_backward_part, all, n, n >> 16);     /* a part under 64 Ki floats: not worth a thread */
}

/* Max pooling's backward for 2x2 windows, stride 2, tiling the input: each window's gradient goes
 * to its first position (row-major) holding the maximum, the others get 0 (as pool.py does:
 * none at all where the maximum is NaN). planes: images x
 * channels, each x (H, W) and g, out (H/2, W/2) contiguous; branch-free. The planes are shared
 * among the threads. */
struct pool_part { const float *x, *out, *g; float *gx; long height, width, lo, hi; };

static void max_pool2_backward_part(void *arg)
{
    const struct pool_part *p = arg;
    long w = p->width, ow = w / 2, oplane = p->height / 2 * ow;
    for (long q = p->lo; q < p->hi; q++) {
        const float *x = p->x + q * 4 * oplane, *m = p->out + q * oplane, *g = p->g + q * oplane;
        float *gx = p->gx + q * 4 * oplane;
        for (long y = 0; y < p->height / 2; y++)
            for (long j = 0; j < ow; j++) {
                long top = 2 * y * w + 2 * j, o = y * ow + j;
                float mx = m[o], gr = g[o];
                int a = x[top] == mx, b = !a && x[top + 1] == mx, c = !a && !b && x[top + w] == mx;
                int d = !a && !b && !c && x[top + w + 1] == mx;     /* a NaN window: no position */
                gx[top] = a ? gr : 0.0f; gx[top + 1] = b ? gr : 0.0f;
                gx[top + w] = c ? gr : 0.0f; gx[top + w + 1] = d ? gr : 0.0f;
            }
    }
}

void max_pool2_backward_f32(const void *pool, int threads, const float *x, const float *out, const float *g,
                            float *gx, long planes, long height, long width)
{
    struct pool_part all = {x, out, g, gx, height, width, 0, 0};
    SPLIT(pool, threads, max_pool2_backward_part, all, planes, planes * height * width >> 15);
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

/* Cross-entropy of (n, c) float32 logits (rows ldx apart) against int64 class indices, in one pass
 * a row: p (n, c) = the softmax (kept for the backward), *loss = the sum over rows of
 * log(sum exp x) - x[target] (in double). Returns 1, with nothing usable, when a target is outside
 * [0, c) or equals ignore (the NumPy path then names it). NaN in a row makes its p and the loss
 * NaN, as NumPy's max does. NOTE: why. The NumPy path is a dozen calls on a (128, 10) array
 * (max and sum along the short rows are the slow ones): 64 us of W1's 1.7 ms step. */
int cross_entropy_rows_f32(const float *x, long n, long c, long ldx, const int64_t *target, long ignore, float *p,
                           double *loss)
{
    double total = 0;
    for (long i = 0; i < n; i++) {
        int64_t y = target[i];
        if (y < 0 || y >= c || y == ignore)
            return 1;
        const float *r = x + i * ldx;
        float *q = p + i * c, m = r[0], s = 0.0f;
        for (long j = 1; j < c; j++)
            m = r[j] > m || r[j] != r[j] ? r[j] : m;
        for (long j = 0; j < c; j++) {
            q[j] = fexp(r[j] - m);
            s += q[j];
        }
        float inv = 1.0f / s;
        for (long j = 0; j < c; j++) q[j] *= inv;
        total += (double)m + log((double)s) - (double)r[y];
    }
    *loss = total;
    return 0;
}
