/* Direct convolutions vectorised over output channels (conv_o16.py), compiled with
 * fused_kernels.c into one library (fused.py).
 *
 * One vector holds VF output channels (fused_common.h: 16 on AVX-512, 8 on AVX2) of one output
 * position, so every lane does useful work
 * whatever the image's width (LeNet's second convolution writes rows of 10): a row chunk of up
 * to 14 positions sits in vector accumulators while the input channels and kernel positions
 * stream past, each weight vector loaded once for the chunk's multiply-adds, the inputs
 * broadcast from memory; stride 1 or 2. The weight gradient is the same idea turned around: one
 * (VF-channel block, input channel) pair's K x K kernel positions in K*K vector accumulators (K = 3
 * or 5), swept over every output position, image by image. The stride-1 input gradient is
 * vectorised over positions instead, on flat planes (any number of input channels). */
#include "fused_common.h"

#define ROW_CHUNK 14
/* input channels a call of the input gradient keeps (2 accumulators each): 16 of 32 zmm, 12 of 16 ymm */
#define IGRAD_CHANNELS (VF == 16 ? 8 : 6)

/* a chunk's NX vector accumulators (VF output channels each), started at the bias */
#define CHUNK_START(NX)                                                                             \
    vec acc[NX], b;                                                                                  \
    memcpy(&b, bias, sizeof b);                                                                      \
    _Pragma("GCC unroll 16") for (int q = 0; q < NX; q++) acc[q] = b;
/* out[o * oo + q] = acc[q][o]: the chunk's positions into each output channel's row */
#define CHUNK_STORE(NX)                                                                             \
    float t[NX][VF];                                                                                 \
    memcpy(t, acc, sizeof t);                                                                        \
    for (int o = 0; o < VF; o++)                                                                     \
        _Pragma("GCC unroll 16") for (int q = 0; q < NX; q++) out[o * oo + q] = t[q][o];

/* out[o * oo + q] = bias[o] + sum over c, i, j of w[((c * kh + i) * kw + j) * VF + o] *
 * x[c * sc + i * sy + j + q * st], for o < VF and q < NX: one chunk of an output row (stride st). */
#define ROWV(NX)                                                                                    \
    static void rowv_##NX(const float *x, long sc, long sy, long st, const float *w, long chans, long kh, \
                           long kw, const float *bias, float *out, long oo)                          \
    {                                                                                                \
        CHUNK_START(NX)                                                                              \
        for (long c = 0; c < chans; c++)                                                             \
            for (long i = 0; i < kh; i++) {                                                          \
                const float *row = x + c * sc + i * sy, *wr = w + (c * kh + i) * kw * VF;            \
                for (long j = 0; j < kw; j++) {                                                      \
                    vec v;                                                                           \
                    memcpy(&v, wr + j * VF, sizeof v);                                               \
                    _Pragma("GCC unroll 16") for (int q = 0; q < NX; q++) acc[q] += v * row[j + q * st]; \
                }                                                                                    \
            }                                                                                        \
        CHUNK_STORE(NX)                                                                              \
    }
ROWV(1) ROWV(2) ROWV(3) ROWV(4) ROWV(5) ROWV(6) ROWV(7)
ROWV(8) ROWV(9) ROWV(10) ROWV(11) ROWV(12) ROWV(13) ROWV(14)

typedef void (*rowv_t)(const float *, long, long, long, const float *, long, long, long, const float *, float *,
                        long);
static const rowv_t ROWSV[ROW_CHUNK + 1] = {NULL, rowv_1, rowv_2, rowv_3, rowv_4, rowv_5, rowv_6, rowv_7,
                                              rowv_8, rowv_9, rowv_10, rowv_11, rowv_12, rowv_13, rowv_14};

#if VF == 8
/* Stride 1 on AVX2, kernels K (3 or 5) wide: the same chunk with each input element broadcast
 * once for the (up to K) positions and kernel columns that read it, the K weight vectors of a
 * kernel row held in registers: K + NX + K - 1 loads for K NX multiply-adds (NX 12 for K 3, 10
 * for K 5: the accumulators, weights and one broadcast fill the 16 registers). NOTE: why. ROWV
 * loads one weight vector and NX broadcasts for NX multiply-adds, over one load each: on Zen 4
 * (two 256-bit loads a cycle, two FMA pipes) that bound it, not its multiply-adds. */
#define ROWS1(K, NX)                                                                                \
    static void rows1_k##K##_##NX(const float *x, long sc, long sy, long st, const float *w, long chans, \
                                  long kh, long kw, const float *bias, float *out, long oo)          \
    {                                                                                                \
        (void)st, (void)kw;                                                                          \
        CHUNK_START(NX)                                                                              \
        for (long c = 0; c < chans; c++)                                                             \
            for (long i = 0; i < kh; i++) {                                                          \
                const float *row = x + c * sc + i * sy, *wr = w + (c * kh + i) * K * VF;             \
                vec wv[K];                                                                           \
                _Pragma("GCC unroll 5") for (int j = 0; j < K; j++) memcpy(&wv[j], wr + j * VF, sizeof(vec)); \
                _Pragma("GCC unroll 16") for (int m = 0; m < NX + K - 1; m++) {                      \
                    float e = row[m];                                                                \
                    _Pragma("GCC unroll 5") for (int j = 0; j < K; j++)                              \
                        if (m - j >= 0 && m - j < NX) acc[m - j] += wv[j] * e;                       \
                }                                                                                    \
            }                                                                                        \
        CHUNK_STORE(NX)                                                                              \
    }
ROWS1(3, 1) ROWS1(3, 2) ROWS1(3, 3) ROWS1(3, 4) ROWS1(3, 5) ROWS1(3, 6) ROWS1(3, 7) ROWS1(3, 8) ROWS1(3, 9)
ROWS1(3, 10) ROWS1(3, 11) ROWS1(3, 12)
ROWS1(5, 1) ROWS1(5, 2) ROWS1(5, 3) ROWS1(5, 4) ROWS1(5, 5) ROWS1(5, 6) ROWS1(5, 7) ROWS1(5, 8) ROWS1(5, 9)
ROWS1(5, 10)
static const rowv_t ROWS1_K3[13] = {NULL, rows1_k3_1, rows1_k3_2, rows1_k3_3, rows1_k3_4, rows1_k3_5, rows1_k3_6,
                                     rows1_k3_7, rows1_k3_8, rows1_k3_9, rows1_k3_10, rows1_k3_11, rows1_k3_12};
static const rowv_t ROWS1_K5[11] = {NULL, rows1_k5_1, rows1_k5_2, rows1_k5_3, rows1_k5_4, rows1_k5_5, rows1_k5_6,
                                     rows1_k5_7, rows1_k5_8, rows1_k5_9, rows1_k5_10};
#endif

/* the chunk kernels for this convolution and their widest chunk */
static const rowv_t *row_kernels(long st, long kw, long *chunk)
{
#if VF == 8
    if (st == 1 && (kw == 3 || kw == 5)) {
        *chunk = kw == 3 ? 12 : 10;
        return kw == 3 ? ROWS1_K3 : ROWS1_K5;
    }
#else
    (void)st, (void)kw;
#endif
    *chunk = ROW_CHUNK;
    return ROWSV;
}

/* x: input planes, image n and channel c at x + n * sn + c * sc, rows sy apart (already padded);
 * w (O/VF, C, kh, kw, VF); bias (O) or zeros; out: image n, channel o at out + n * on + o * oo,
 * rows of ow contiguous; stride st both ways. The images are shared among the threads. */
struct conv16_part {
    const float *x, *w, *bias; float *out;
    long sn, sc, sy, st, on, oo, chans, kh, kw, outs, oh, ow, lo, hi;
};

static void conv16_part(void *arg)
{
    const struct conv16_part *p = arg;
    long chunk;
    const rowv_t *kernels = row_kernels(p->st, p->kw, &chunk);
    for (long n = p->lo; n < p->hi; n++)
        for (long ob = 0; ob < p->outs; ob += VF)
            for (long y = 0; y < p->oh; y++)
                for (long q = 0; q < p->ow; q += chunk) {
                    long nx = p->ow - q < chunk ? p->ow - q : chunk;
                    kernels[nx](p->x + n * p->sn + (y * p->sy + q) * p->st, p->sc, p->sy, p->st,
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

/* gw[ob, c, i, j, o] += sum over y in [y0, y1), q in [q0, q1) of gl[((y - y0) * (q1 - q0) + q - q0)
 * * VF + o] * x[c * sc + (y * st + i) * sy + q * st + j] for one image: gl the VF channels'
 * gradient at those positions, channels last; gw (O/VF, C, K, K, VF). One (block, channel) pair's
 * K*K accumulators stay in registers over the positions. */
#define WGRADV(K)                                                                                   \
    static void wgradv_k##K(const float *x, long sy, long st, const float *gl, long y0, long y1, long q0, \
                             long q1, float *gw)                                                     \
    {                                                                                                \
        vec acc[K * K];                                                                              \
        memcpy(acc, gw, sizeof acc);                                                                 \
        for (long y = y0; y < y1; y++)                                                               \
            for (long q = q0; q < q1; q++, gl += VF) {                                               \
                vec gv;                                                                              \
                memcpy(&gv, gl, sizeof gv);                                                          \
                const float *p = x + (y * sy + q) * st;                                              \
                _Pragma("GCC unroll 5") for (int i = 0; i < K; i++)                                  \
                    _Pragma("GCC unroll 5") for (int j = 0; j < K; j++) acc[i * K + j] += gv * p[i * sy + j]; \
            }                                                                                        \
        memcpy(gw, acc, sizeof acc);                                                                 \
    }
WGRADV(3) WGRADV(5)

/* floats of one thread's channels-last gradient positions (16 KiB, on its stack) */
#define WGRAD_FLOATS 4096

/* Image by image, so that what one image needs (its planes, its output gradient) stays in cache
 * while every pair sweeps it (pair by pair over all images, a 64-channel layer's gradient was
 * streamed from memory once per pair: 1.4x slower than the GEMM on columns); the pairs (a block
 * of VF output channels, an input channel) are shared among the threads, each writing its own
 * part of gw. The output gradient is read as it is laid out, channel-major planes (g(n, o, y, q)
 * at g[n * gsn + o * gso + y * ow + q]): each thread turns its blocks' channels last, a few rows
 * at a time (WGRAD_FLOATS), into its own buffer. NOTE: why. The channels-last copy NumPy made of the whole
 * gradient before the call (a 4-D transpose on one core, its reads a plane apart) took longer
 * than the weight gradients themselves: 1.8-2.9x faster now at W6's strided convolutions. */
struct wgrad16_part { const float *x, *g; float *gw; long sn, sc, sy, st, gsn, gso, chans, batch, k, oh, ow, lo, hi; };

static void wgrad16_part(void *arg)
{
    const struct wgrad16_part *p = arg;
    long kkv = p->k * p->k * VF, chans = p->chans, ow = p->ow;
    /* the positions turned at a time: whole rows, or parts of one row where a row is too long */
    long cols = ow * VF <= WGRAD_FLOATS ? ow : WGRAD_FLOATS / VF;
    long rows = ow * VF <= WGRAD_FLOATS ? WGRAD_FLOATS / (ow * VF) : 1;
    float gl[WGRAD_FLOATS] __attribute__((aligned(64)));
    memset(p->gw + p->lo * kkv, 0, sizeof(float) * (p->hi - p->lo) * kkv);
    for (long n = 0; n < p->batch; n++)
        for (long ob = p->lo / chans; ob * chans < p->hi; ob++) {
            long c0 = ob * chans > p->lo ? 0 : p->lo - ob * chans;
            long c1 = (ob + 1) * chans < p->hi ? chans : p->hi - ob * chans;
            const float *g = p->g + n * p->gsn + ob * VF * p->gso;
            for (long y0 = 0; y0 < p->oh; y0 += rows)
                for (long q0 = 0; q0 < ow; q0 += cols) {
                    long y1 = y0 + rows < p->oh ? y0 + rows : p->oh, q1 = q0 + cols < ow ? q0 + cols : ow;
                    float *dst = gl;
                    for (long y = y0; y < y1; y++)
                        for (long q = q0; q < q1; q++, dst += VF)
                            for (long o = 0; o < VF; o++)
                                dst[o] = g[o * p->gso + y * ow + q];
                    for (long c = c0; c < c1; c++) {
                        const float *x = p->x + n * p->sn + c * p->sc;
                        float *gw = p->gw + (ob * chans + c) * kkv;
                        if (p->k == 3)
                            wgradv_k3(x, p->sy, p->st, gl, y0, y1, q0, q1, gw);
                        else
                            wgradv_k5(x, p->sy, p->st, gl, y0, y1, q0, q1, gw);
                    }
                }
        }
}

/* k: 3 or 5 (the caller checks); g (N, O, oh, ow) with planes contiguous, images gsn and
 * channels gso floats apart. */
void conv16_weight_grad_f32(const void *pool, int threads, const float *x, long sn, long sc, long sy, long st,
                            const float *g, long gsn, long gso, float *gw, long chans, long batch, long k, long outs,
                            long oh, long ow)
{
    struct wgrad16_part all = {x, g, gw, sn, sc, sy, st, gsn, gso, chans, batch, k, oh, ow, 0, 0};
    long pairs = outs / VF * chans;
    SPLIT(pool, threads, wgrad16_part, all, pairs, pairs);
}

/* The input gradient on flat planes (the idea of conv_rows.py), vectorised over positions, for
 * any number of input channels: gx[c, n, p] = sum over o, i, j of wf[((o * K + i) * K + j) * C + c]
 * * g[(o * N + n) * plane + p + i * wg + j], p = y * wg + x, where g is the output gradient padded
 * by K - 1 on every side (planes of hg x wg, 32 floats of slack after the last) and wf the kernel
 * flipped, (O, K, K, C); positions with x >= the padded input's width, and those past its
 * height, are computed and dropped. CB input channels x 2 VF positions in 2 * CB accumulators,
 * each of g's vectors loaded once for CB multiply-adds. */
#define IGRADV(CB)                                                                                  \
    static void igrad_c##CB(const float *g, long gstride, long wg, const float *wf, long chans, long outs, long k, \
                            float *gx, long xstride)                                                 \
    {                                                                                                \
        vec a[CB], b[CB];                                                                            \
        memset(a, 0, sizeof a); memset(b, 0, sizeof b);                                              \
        for (long o = 0; o < outs; o++)                                                              \
            for (long i = 0; i < k; i++)                                                             \
                for (long j = 0; j < k; j++) {                                                       \
                    const float *src = g + o * gstride + i * wg + j, *w = wf + ((o * k + i) * k + j) * chans; \
                    vec u, v;                                                                        \
                    memcpy(&u, src, sizeof u); memcpy(&v, src + VF, sizeof v);                       \
                    _Pragma("GCC unroll 8") for (int c = 0; c < CB; c++) { a[c] += u * w[c]; b[c] += v * w[c]; } \
                }                                                                                    \
        for (int c = 0; c < CB; c++) {                                                               \
            memcpy(gx + c * xstride, &a[c], sizeof a[c]); memcpy(gx + c * xstride + VF, &b[c], sizeof b[c]); \
        }                                                                                            \
    }
IGRADV(1) IGRADV(2) IGRADV(3) IGRADV(4) IGRADV(5) IGRADV(6) IGRADV(7) IGRADV(8)

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
        for (long c = 0; c < p->chans; c += IGRAD_CHANNELS) {
            long cb = p->chans - c < IGRAD_CHANNELS ? p->chans - c : IGRAD_CHANNELS;
            for (long q = 0; q < p->positions; q += 2 * VF)
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
