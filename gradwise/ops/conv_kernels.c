/* Direct convolutions vectorised over 16 output channels (conv_o16.py), compiled with
 * fused_kernels.c into one library (fused.py).
 *
 * One vector holds 16 output channels of one output position, so every lane does useful work
 * whatever the image's width (LeNet's second convolution writes rows of 10): a row chunk of up
 * to 14 positions sits in vector accumulators while the input channels and kernel positions
 * stream past, each weight vector loaded once for the chunk's multiply-adds, the inputs
 * broadcast from memory; stride 1 or 2. The weight gradient is the same idea turned around: one
 * (16-channel block, input channel) pair's K x K kernel positions in K*K vector accumulators (K = 3
 * or 5), swept over every output position, image by image. The stride-1 input gradient is
 * vectorised over positions instead, on flat planes (any number of input channels). */
#include "fused_common.h"

#define ROW_CHUNK 14

/* out[o * oo + q] = bias[o] + sum over c, i, j of w[((c * kh + i) * kw + j) * 16 + o] *
 * x[c * sc + i * sy + j + q * st], for o < 16 and q < NX: one chunk of an output row (stride st). */
#define ROW16(NX)                                                                                    \
    static void row16_##NX(const float *x, long sc, long sy, long st, const float *w, long chans, long kh, \
                           long kw, const float *bias, float *out, long oo)                          \
    {                                                                                                \
        v16f acc[NX], b;                                                                             \
        memcpy(&b, bias, sizeof b);                                                                  \
        _Pragma("GCC unroll 16") for (int q = 0; q < NX; q++) acc[q] = b;                            \
        for (long c = 0; c < chans; c++)                                                             \
            for (long i = 0; i < kh; i++) {                                                          \
                const float *row = x + c * sc + i * sy, *wr = w + (c * kh + i) * kw * 16;            \
                for (long j = 0; j < kw; j++) {                                                      \
                    v16f v;                                                                          \
                    memcpy(&v, wr + j * 16, sizeof v);                                               \
                    _Pragma("GCC unroll 16") for (int q = 0; q < NX; q++) acc[q] += v * row[j + q * st]; \
                }                                                                                    \
            }                                                                                        \
        float t[NX][16];                                                                             \
        memcpy(t, acc, sizeof t);                                                                    \
        for (int o = 0; o < 16; o++)                                                                 \
            _Pragma("GCC unroll 16") for (int q = 0; q < NX; q++) out[o * oo + q] = t[q][o];         \
    }
ROW16(1) ROW16(2) ROW16(3) ROW16(4) ROW16(5) ROW16(6) ROW16(7)
ROW16(8) ROW16(9) ROW16(10) ROW16(11) ROW16(12) ROW16(13) ROW16(14)

typedef void (*row16_t)(const float *, long, long, long, const float *, long, long, long, const float *, float *,
                        long);
static const row16_t ROWS16[ROW_CHUNK + 1] = {NULL, row16_1, row16_2, row16_3, row16_4, row16_5, row16_6, row16_7,
                                              row16_8, row16_9, row16_10, row16_11, row16_12, row16_13, row16_14};

/* x: input planes, image n and channel c at x + n * sn + c * sc, rows sy apart (already padded);
 * w (O/16, C, kh, kw, 16); bias (O) or zeros; out: image n, channel o at out + n * on + o * oo,
 * rows of ow contiguous; stride st both ways. The images are shared among the threads. */
struct conv16_part {
    const float *x, *w, *bias; float *out;
    long sn, sc, sy, st, on, oo, chans, kh, kw, outs, oh, ow, lo, hi;
};

static void conv16_part(void *arg)
{
    const struct conv16_part *p = arg;
    for (long n = p->lo; n < p->hi; n++)
        for (long ob = 0; ob < p->outs; ob += 16)
            for (long y = 0; y < p->oh; y++)
                for (long q = 0; q < p->ow; q += ROW_CHUNK) {
                    long nx = p->ow - q < ROW_CHUNK ? p->ow - q : ROW_CHUNK;
                    ROWS16[nx](p->x + n * p->sn + (y * p->sy + q) * p->st, p->sc, p->sy, p->st,
                               p->w + ob * p->chans * p->kh * p->kw,
                               p->chans, p->kh, p->kw, p->bias + ob,
                               p->out + n * p->on + ob * p->oo + y * p->ow + q, p->oo);
                }
}

void conv16_f32(const void *pool, int threads, const float *x, long sn, long sc, long sy, long st, const float *w,
                const float *bias, float *out, long on, long oo, long chans, long batch, long kh, long kw, long outs,
                long oh, long ow)
{
    struct conv16_part all = {x, w, bias, out, sn, sc, sy, st, on, oo, chans, kh, kw, outs, oh, ow, 0, 0};
    SPLIT(pool, threads, conv16_part, all, batch, batch);
}

/* gw[ob, c, i, j, o] += sum over y, q of g[(y * ow + q) * outs + ob * 16 + o] *
 * x[c * sc + (y * st + i) * sy + q * st + j] for one image: g channels-last (oh, ow, O); gw (O/16,
 * C, K, K, 16). One (block, channel) pair's K*K accumulators stay in registers over the image's
 * positions. */
#define WGRAD16(K)                                                                                   \
    static void wgrad16_k##K(const float *x, long sy, long st, const float *g, long outs, long oh, long ow,     \
                             float *gw)                                                              \
    {                                                                                                \
        v16f acc[K * K];                                                                             \
        memcpy(acc, gw, sizeof acc);                                                                 \
        for (long y = 0; y < oh; y++)                                                                \
            for (long q = 0; q < ow; q++) {                                                          \
                v16f gv;                                                                             \
                memcpy(&gv, g + (y * ow + q) * outs, sizeof gv);                                     \
                const float *p = x + (y * sy + q) * st;                                              \
                _Pragma("GCC unroll 5") for (int i = 0; i < K; i++)                                  \
                    _Pragma("GCC unroll 5") for (int j = 0; j < K; j++) acc[i * K + j] += gv * p[i * sy + j]; \
            }                                                                                        \
        memcpy(gw, acc, sizeof acc);                                                                 \
    }
WGRAD16(3) WGRAD16(5)

/* Image by image, so that what one image needs (its planes, its output gradient) stays in cache
 * while every pair sweeps it (pair by pair over all images, a 64-channel layer's gradient was
 * streamed from memory once per pair: 1.4x slower than the GEMM on columns); the pairs are shared
 * among the threads, each writing its own part of gw. */
struct wgrad16_part { const float *x, *g; float *gw; long sn, sc, sy, st, chans, batch, k, outs, oh, ow, lo, hi; };

static void wgrad16_part(void *arg)
{
    const struct wgrad16_part *p = arg;
    long kk16 = p->k * p->k * 16;
    memset(p->gw + p->lo * kk16, 0, sizeof(float) * (p->hi - p->lo) * kk16);
    for (long n = 0; n < p->batch; n++)
        for (long pair = p->lo; pair < p->hi; pair++) {
            long ob = pair / p->chans, c = pair % p->chans;
            const float *x = p->x + n * p->sn + c * p->sc, *g = p->g + n * p->oh * p->ow * p->outs + ob * 16;
            if (p->k == 3)
                wgrad16_k3(x, p->sy, p->st, g, p->outs, p->oh, p->ow, p->gw + pair * kk16);
            else
                wgrad16_k5(x, p->sy, p->st, g, p->outs, p->oh, p->ow, p->gw + pair * kk16);
        }
}

/* k: 3 or 5 (the caller checks). */
void conv16_weight_grad_f32(const void *pool, int threads, const float *x, long sn, long sc, long sy, long st,
                            const float *g, float *gw, long chans, long batch, long k, long outs, long oh, long ow)
{
    struct wgrad16_part all = {x, g, gw, sn, sc, sy, st, chans, batch, k, outs, oh, ow, 0, 0};
    long pairs = outs / 16 * chans;
    SPLIT(pool, threads, wgrad16_part, all, pairs, pairs);
}

/* The input gradient on flat planes (the idea of conv_rows.py), vectorised over positions, for
 * any number of input channels: gx[c, n, p] = sum over o, i, j of wf[((o * K + i) * K + j) * C + c]
 * * g[(o * N + n) * plane + p + i * wg + j], p = y * wg + x, where g is the output gradient padded
 * by K - 1 on every side (planes of hg x wg, 32 floats of slack after the last) and wf the kernel
 * flipped, (O, K, K, C); positions with x >= the padded input's width, and those past its
 * height, are computed and dropped. CB input channels x 32 positions in 2 * CB accumulators, each
 * of g's vectors loaded once for CB multiply-adds. */
#define IGRAD16(CB)                                                                                  \
    static void igrad_c##CB(const float *g, long gstride, long wg, const float *wf, long chans, long outs, long k, \
                            float *gx, long xstride)                                                 \
    {                                                                                                \
        v16f a[CB], b[CB];                                                                           \
        memset(a, 0, sizeof a); memset(b, 0, sizeof b);                                              \
        for (long o = 0; o < outs; o++)                                                              \
            for (long i = 0; i < k; i++)                                                             \
                for (long j = 0; j < k; j++) {                                                       \
                    const float *src = g + o * gstride + i * wg + j, *w = wf + ((o * k + i) * k + j) * chans; \
                    v16f u, v;                                                                       \
                    memcpy(&u, src, sizeof u); memcpy(&v, src + 16, sizeof v);                       \
                    _Pragma("GCC unroll 8") for (int c = 0; c < CB; c++) { a[c] += u * w[c]; b[c] += v * w[c]; } \
                }                                                                                    \
        for (int c = 0; c < CB; c++) {                                                               \
            memcpy(gx + c * xstride, &a[c], sizeof a[c]); memcpy(gx + c * xstride + 16, &b[c], sizeof b[c]); \
        }                                                                                            \
    }
IGRAD16(1) IGRAD16(2) IGRAD16(3) IGRAD16(4) IGRAD16(5) IGRAD16(6) IGRAD16(7) IGRAD16(8)

typedef void (*igrad_t)(const float *, long, long, const float *, long, long, long, float *, long);
static const igrad_t IGRADS[9] = {NULL, igrad_c1, igrad_c2, igrad_c3, igrad_c4, igrad_c5, igrad_c6, igrad_c7,
                                  igrad_c8};

/* g: (O, N, hg, wg) flat; gx: (C, N, positions), positions a multiple of 32. The images are
 * shared among the threads. */
struct igrad_part { const float *g, *wf; float *gx; long chans, batch, outs, k, hg, wg, positions, lo, hi; };

static void igrad_part(void *arg)
{
    const struct igrad_part *p = arg;
    long plane = p->hg * p->wg, gstride = p->batch * plane, xstride = p->batch * p->positions;
    for (long n = p->lo; n < p->hi; n++)
        for (long c = 0; c < p->chans; c += 8) {
            long cb = p->chans - c < 8 ? p->chans - c : 8;
            for (long q = 0; q < p->positions; q += 32)
                IGRADS[cb](p->g + n * plane + q, gstride, p->wg, p->wf + c, p->chans, p->outs, p->k,
                           p->gx + (c * p->batch + n) * p->positions + q, xstride);
        }
}

void conv_input_grad_flat_f32(const void *pool, int threads, const float *g, const float *wf, float *gx, long chans,
                              long batch, long outs, long k, long hg, long wg, long positions)
{
    struct igrad_part all = {g, wf, gx, chans, batch, outs, k, hg, wg, positions, 0, 0};
    SPLIT(pool, threads, igrad_part, all, batch, batch);
}
