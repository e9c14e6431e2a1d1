/* The direct 3x3, stride-1 convolutions (conv_direct.py) and their weight gradients, for either
 * vector width (compiled with fused_kernels.c into one library; the 16-channel ones are in
 * conv_kernels.c). */
#if defined(__AVX512F__) && defined(__GNUC__) && !defined(__clang__)
/* 512-bit vectors for the loops GCC vectorises itself (see lstm_kernels.c) */
#pragma GCC target("prefer-vector-width=512")
#endif
#include "fused_common.h"

/* A 3x3, stride-1 convolution computed directly, register-blocked: 8 output channels x VF
 * output columns held in 8 vector accumulators while the input channels and the 9 kernel
 * positions stream past, each input vector loaded once for 8 multiply-adds. x: padded
 * channel-major input (C, N, H + 2, W + 2); w (O, C, 3, 3); out (O, N, H, W); W a multiple of
 * 16 and O of 8 (the caller checks). ~105 GFLOP/s on one Zen 4 core against 25-90 for im2col +
 * OpenBLAS on two at ResNet's 16-64 channels. The images are shared among the threads. */

/* 8 output channels x VF output positions (one vector): out[o * ostride + q] = sum over c, i, j of
 * w[((c * 3 + i) * 3 + j) * 8 + o] * x[c * cstride + i * wp + j + q], w the 8 channels' weights
 * packed (pack8). NOTE: why packed. Read in place (O, C, 3, 3), the 8 channels' weights were 8
 * pointers a row apart, more than the registers hold: GCC reloaded their offsets from the stack
 * between the multiply-adds; packed, one pointer and consecutive broadcasts: 45-50 -> 62-70
 * GFLOP/s a core at ResNet's 16 and 32 channels (AMD EPYC, Zen 4 without AVX-512). */
static inline void conv8xV(const float *x, long cstride, long wp, const float *w, long chans, float *out,
                            long ostride)
{
    vec a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, a4 = {0}, a5 = {0}, a6 = {0}, a7 = {0};
    for (long c = 0; c < chans; c++)
        for (long i = 0; i < 3; i++) {
            const float *row = x + c * cstride + i * wp;
            const float *wr = w + (c * 3 + i) * 24;
            for (long j = 0; j < 3; j++) {
                vec v;
                memcpy(&v, row + j, sizeof v);
                const float *e = wr + 8 * j;
                a0 += v * e[0]; a1 += v * e[1]; a2 += v * e[2]; a3 += v * e[3];
                a4 += v * e[4]; a5 += v * e[5]; a6 += v * e[6]; a7 += v * e[7];
            }
        }
    vec acc[8] = {a0, a1, a2, a3, a4, a5, a6, a7};
    for (long o = 0; o < 8; o++)
        memcpy(out + o * ostride, &acc[o], sizeof(vec));
}

#if VF == 8
/* On AVX2, 4 of the 8 output channels (w: the pack8 group's, offset to the half) x 2 vectors of
 * output positions, each input vector held in a register for 4 multiply-adds: 6 loads (2 vectors,
 * 4 broadcasts) for 8 multiply-adds. NOTE: why. conv8xV loads a vector and broadcasts 8 weights
 * for 8 multiply-adds, 9 loads for 8: on Zen 4, which loads two 256-bit vectors a cycle, that
 * bound the kernel, not its multiply-adds. (AVX-512 keeps conv8xV: 32 registers, and FMA takes
 * a broadcast operand there.) */
static inline void conv4x2V(const float *x, long cstride, long wp, const float *w, long chans, float *out,
                            long ostride)
{
    vec a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, b0 = {0}, b1 = {0}, b2 = {0}, b3 = {0};
    for (long c = 0; c < chans; c++)
        for (long i = 0; i < 3; i++) {
            const float *row = x + c * cstride + i * wp;
            const float *wr = w + (c * 3 + i) * 24;
            for (long j = 0; j < 3; j++) {
                vec u, v;
                memcpy(&u, row + j, sizeof u);
                memcpy(&v, row + j + VF, sizeof v);
                IN_REGISTERS("+v"(u), "+v"(v));     /* not a load folded into each use */
                const float *e = wr + 8 * j;
                a0 += u * e[0]; b0 += v * e[0]; a1 += u * e[1]; b1 += v * e[1];
                a2 += u * e[2]; b2 += v * e[2]; a3 += u * e[3]; b3 += v * e[3];
            }
        }
    vec acc[8] = {a0, b0, a1, b1, a2, b2, a3, b3};
    for (long o = 0; o < 4; o++) {
        memcpy(out + o * ostride, &acc[2 * o], sizeof(vec));
        memcpy(out + o * ostride + VF, &acc[2 * o + 1], sizeof(vec));
    }
}

/* 8 output channels x 2 VF positions as two halves of 4 channels */
static inline void conv8x2V(const float *x, long cstride, long wp, const float *w, long chans, float *out,
                            long ostride)
{
    conv4x2V(x, cstride, wp, w, chans, out, ostride);
    conv4x2V(x, cstride, wp, w + 4, chans, out + 4 * ostride, ostride);
}
#define CONV8(x, cstride, wp, w, chans, out, ostride) conv8x2V(x, cstride, wp, w, chans, out, ostride)
#define CONV8_STEP (2 * VF)
#else
#define CONV8(x, cstride, wp, w, chans, out, ostride) conv8xV(x, cstride, wp, w, chans, out, ostride)
#define CONV8_STEP VF
#endif

/* w (O, C, 3, 3) as conv8xV reads it: per 8 output channels, (C, 3, 3, 8) */
static void pack8(const float *w, float *packed, long outs, long chans)
{
    for (long ob = 0; ob < outs; ob += 8)
        for (long c = 0; c < chans; c++)
            for (long t = 0; t < 9; t++)
                for (long o = 0; o < 8; o++)
                    packed[((ob * chans + c * 8) * 9) + t * 8 + o] = w[((ob + o) * chans + c) * 9 + t];
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
                for (long q = 0; q < p->flat; q += CONV8_STEP)
                    CONV8(p->x + n * hp * wp + q, cstride, wp, w, chans, p->out + (ob * batch + n) * p->flat + q,
                          batch * p->flat);
            else
                for (long y = 0; y < height; y++)
                    for (long xb = 0; xb < width; xb += CONV8_STEP)
                        CONV8(p->x + (n * hp + y) * wp + xb, cstride, wp, w, chans,
                              p->out + ((ob * batch + n) * height + y) * width + xb, batch * height * width);
        }
}

/* packed: O * C * 9 floats of scratch for the weights as conv8xV reads them */
static void conv3x3_run(const void *pool, int threads, const float *x, const float *w, float *packed, float *out,
                        long chans, long batch, long height, long width, long outs, long flat)
{
    pack8(w, packed, outs, chans);
    struct conv_part all = {x, packed, out, chans, batch, height, width, outs, flat, 0, 0};
    SPLIT(pool, threads, conv3x3_part, all, batch, batch);
}

void conv3x3_f32(const void *pool, int threads, const float *x, const float *w, float *packed, float *out, long chans,
                 long batch, long height, long width, long outs)
{
    conv3x3_run(pool, threads, x, w, packed, out, chans, batch, height, width, outs, 0);
}

/* The same convolution for any width, on flat padded planes (the idea of conv_rows.py): output
 * position q = y * (W + 2) + x of an image reads x's plane at q + i * (W + 2) + j, so VF
 * consecutive positions are one vector load per kernel position even when rows are 8 wide; the
 * two columns past W of each row, and the positions from H * (W + 2) to the next multiple of 16
 * ("positions"), are computed and dropped. out (O, N, positions); x needs 16 floats of slack
 * after its last plane. */
void conv3x3_flat_f32(const void *pool, int threads, const float *x, const float *w, float *packed, float *out,
                      long chans, long batch, long height, long width, long outs, long positions)
{
    conv3x3_run(pool, threads, x, w, packed, out, chans, batch, height, width, outs, positions);
}

/* Input row r of the 4 that output rows y and y + 1 read, shifted by j: kernel position t of row
 * y (g0, h0: its gradient in the two output channels), u of row y + 1 (g1, h1). In a register
 * (the empty asm). NOTE: why. Left to itself GCC folds the load into each multiply-add that uses
 * it (on AVX2: two, 20 loads for 18 multiply-adds, over half of them unaligned and many across
 * two cache lines), and the kernel was bound by its loads, not its multiply-adds. */
#define LOAD_ROW(r, j) vec v; memcpy(&v, row + (r) * wp + (j), sizeof v); IN_REGISTERS("+v"(v));
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

#if PASS == 1
/* AVX2: kernel rows [i0, i0 + ROWS) of both channels of pair q for input channel c, 6 ROWS vector
 * accumulators: per vector of positions 2 loads of g and 3 ROWS of x (each in a register for two
 * multiply-adds) for 6 ROWS multiply-adds. NOTE: why. A channel a sweep (9 accumulators; 18 do
 * not fit 16 registers) took 10 loads for 9 multiply-adds; rows 0-1 then row 2 of the pair take
 * 13 for 18. */
static inline __attribute__((always_inline)) void flat_pair_rows(const struct flat_grad_part *p, long q, long c,
                                                                 const long i0, const long ROWS)
{
    long batch = p->batch, wp = p->wp, pos = p->positions, gplane = batch * pos;
    float *ac = p->acc + (q * p->chans + c) * 18 * VF;
    vec a[6] = {{0}}, b[6] = {{0}};
    for (long n = 0; n < batch; n++)
        for (long k = 0; k < pos; k += VF) {
            const float *gp = p->g + (2 * q * batch + n) * pos + k;
            const float *row = p->x + (c * batch + n) * p->plane + k + i0 * wp;
            vec g0, h0;
            memcpy(&g0, gp, sizeof g0);
            memcpy(&h0, gp + gplane, sizeof h0);
#pragma GCC unroll 6
            for (long t = 0; t < 3 * ROWS; t++) {
                vec v;
                memcpy(&v, row + t / 3 * wp + t % 3, sizeof v);
                IN_REGISTERS("+v"(v));
                a[t] += v * g0;
                b[t] += v * h0;
            }
        }
#pragma GCC unroll 6
    for (long t = 0; t < 3 * ROWS; t++) {
        memcpy(ac + 2 * VF * (3 * i0 + t), &a[t], sizeof(vec));
        memcpy(ac + 2 * VF * (3 * i0 + t) + VF, &b[t], sizeof(vec));
    }
}
#endif

static void conv3x3_flat_weight_grad_part(void *arg)
{   /* small planes: each (pair, channel) sweeps all images with its accumulators in registers */
    const struct flat_grad_part *p = arg;
#if PASS == 1
    for (long q = p->lo; q < p->hi; q++)
        for (long c = 0; c < p->chans; c++) {
            flat_pair_rows(p, q, c, 0, 2);
            flat_pair_rows(p, q, c, 2, 1);
        }
#else
    long chans = p->chans, batch = p->batch, wp = p->wp, pos = p->positions, gplane = batch * pos;
    for (long q = p->lo; q < p->hi; q++)
        for (long c = 0; c < chans; c++) {              /* the pair's two channels a sweep */
            float *ac = p->acc + (q * chans + c) * 18 * VF;
            vec a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, a4 = {0}, a5 = {0}, a6 = {0}, a7 = {0}, a8 = {0};
            vec b0 = {0}, b1 = {0}, b2 = {0}, b3 = {0}, b4 = {0}, b5 = {0}, b6 = {0}, b7 = {0}, b8 = {0};
            for (long n = 0; n < batch; n++)
                for (long k = 0; k < pos; k += VF) {
                    const float *gp = p->g + (2 * q * batch + n) * pos + k;
                    const float *row = p->x + (c * batch + n) * p->plane + k;
                    vec g0, h0;
                    memcpy(&g0, gp, sizeof g0);
                    memcpy(&h0, gp + gplane, sizeof h0);
                    TOP(0, 0, 0) TOP(0, 1, 1) TOP(0, 2, 2) TOP(1, 0, 3) TOP(1, 1, 4) TOP(1, 2, 5)
                    TOP(2, 0, 6) TOP(2, 1, 7) TOP(2, 2, 8)
                }
            ALL9(ACC_STORE)
        }
#endif
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
    (void)plane;            /* the second channel's offset: AVX-512 only (ON_B) */
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
