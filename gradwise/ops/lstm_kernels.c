/* The LSTM's time loops (lstm_fused.py), compiled with fused_kernels.c into one library.
 *
 * The batch is cut into column blocks (one when the loop runs alone with OpenBLAS's sgemm, else a
 * multiple of 16 columns each, side by side on OpenBLAS's threads with small_product below: the
 * recurrence of one sample never reads another's, so the blocks need no synchronisation between
 * steps). Every buffer is block-major: a block's columns are contiguous within each row, so the
 * two threads never share a cache line, and a core's prefetcher fetches the block's own next step
 * rather than the other core's columns (with the blocks side by side in every row, the forward
 * loop ran 1.26x slower than the same work in two processes).
 *
 * With block b holding batch columns [off, off + nb):
 *   states (K, (T + 1) * B), K = H + I + 1: the block's columns start at T * off, step t's at
 *     + t * nb, rows (T + 1) * B apart: rows [0, H) hold h_{t-1} (step 0: h0, the caller's), rows
 *     [H, H + I) the input x_t and row H + I ones (both copied in step by step), so that each
 *     step's pre-activations are one product w (4H, K) @ states_t, the input projection and the
 *     bias included; the last step's h_T (read by no product) goes to columns T * B + off, so
 *     that the first T * B columns are every block's steps in the order of d's: the weight
 *     gradient is one GEMM over all blocks where the blocks cannot each compute their own part
 *     (lstm_backward's dw);
 *   d (4H, T * B): the gates' gradients, block at T * off, step t at + t * nb, PyTorch's gate order;
 *   the loops' own buffers, at (floats per column) * off: rec (4H, nb); c0, dh, dc (H, nb); cs, f
 *     (T, H, nb); k (T, 3H, nb), k_g and k_c (T, H, nb) (one step's worth each without grad). */
#if defined(__AVX512F__) && defined(__GNUC__) && !defined(__clang__)
/* the loops GCC vectorises itself (the gate arithmetic) with 512-bit vectors, not its default
 * 256 on AVX-512: 15.4 -> 12.2 us of a forward step's 47 on one thread, the W3 step about 1%
 * (Intel Xeon); for the whole file, so that exp stays inlined (a function with other target
 * options cannot inline it) */
#pragma GCC target("prefer-vector-width=512")
#endif
#include "fused_common.h"

#define PRODUCT_DEPTH 256

typedef void (*gemm32_t)(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *,
                         int);
typedef void (*gemm64_t)(int, int, int, int64_t, int64_t, int64_t, float, const float *, int64_t, const float *,
                         int64_t, float, float *, int64_t);

static void sgemm(const void *fn, int ilp64, int transb, long m, long n, long k, const float *a, long lda,
                  const float *b, long ldb, float *c, long ldc)
{   /* c = a @ b (transb: a @ b^T), row-major, by the BLAS NumPy uses (cblas_sgemm, 32/64-bit ints) */
    int tb = transb ? 112 : 111;
    if (ilp64)
        ((gemm64_t)fn)(101, 111, tb, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
    else
        ((gemm32_t)fn)(101, 111, tb, (int)m, (int)n, (int)k, 1.0f, a, (int)lda, b, (int)ldb, 0.0f, c, (int)ldc);
}

/* c (m, n) = a (m, k) @ b (k, n), a's rows lda apart, b's ldb, c's ldc; m a multiple of 8, n of
 * 16. TILE rows x 2 VF columns in 2 TILE vector accumulators (8 x 32 on AVX-512, 6 x 16 on AVX2:
 * 16 of 32 zmm, 12 of 16 ymm registers; the rows past the last whole tile two at a time), each
 * of a's elements broadcast once for two multiply-adds. NOTE: why 6 on AVX2: 4 x 16 (8
 * accumulators) left the two FMA pipes waiting on loads, 38-50 GFLOP/s at the forward's shape
 * of a 90 peak; 6 x 16 64-68, the backward's 128 x 512 @ 512 x 32 39-45 -> 55-61, the W3 step in
 * 0.79 of its time (AMD EPYC, Zen 4 without AVX-512, `bench/lowering_ab.py source W3`, 15
 * rounds). One thread's small products (an LSTM step's 512 x 161 @ 161 x 32) without
 * OpenBLAS, which cannot be called from its own threads. Rows of b far apart (T * B floats) share
 * a few L1 sets: their columns [j, j + 2 VF) are packed first (the forward's products 85 -> 114
 * GFLOP/s; near rows are read in place), at most PRODUCT_DEPTH rows at a time, so that the panel
 * stays in L1 while the row tiles pass (the backward's k = 512 in two: the W3 step +2%, two A/B
 * runs of 9 and 11 rounds; a depth of 128, which cuts the forward's 161 too: -2.5%). */
#define TILE (VF == 16 ? 8 : 6)
/* rows [r, r + rows) of c's columns [j, j + VF or 2 VF) over depth [q0, q0 + kq): rows <= TILE, a
 * constant where it is inlined, so that the accumulators stay in registers */
static inline __attribute__((always_inline)) void product_tile(const float *a, long lda, const float *bp, long ld,
                                                               float *c, long ldc, long r, long j, long q0, long kq,
                                                               int two, int rows)
{
    vec s[TILE][2] = {{{0}}};
    for (int i = 0; i < rows && q0; i++) {
        memcpy(&s[i][0], c + (r + i) * ldc + j, sizeof(vec));
        if (two)
            memcpy(&s[i][1], c + (r + i) * ldc + j + VF, sizeof(vec));
    }
    for (long q = 0; q < kq; q++) {
        vec u, v = {0};
        memcpy(&u, bp + q * ld, sizeof u);
        if (two)
            memcpy(&v, bp + q * ld + VF, sizeof v);
        const float *ar = a + r * lda + q0 + q;
        for (int i = 0; i < rows; i++) {
            float e = ar[i * lda];
            s[i][0] += u * e;
            if (two)
                s[i][1] += v * e;
        }
    }
    for (int i = 0; i < rows; i++) {
        memcpy(c + (r + i) * ldc + j, &s[i][0], sizeof(vec));
        if (two)
            memcpy(c + (r + i) * ldc + j + VF, &s[i][1], sizeof(vec));
    }
}

static void small_product(const float *a, long lda, const float *b, long ldb, float *c, long ldc, long m, long n,
                          long k)
{
    int pack = ldb > 256;
    long depth = pack && k > PRODUCT_DEPTH ? PRODUCT_DEPTH : k;
    float panel[pack ? depth * 2 * VF : 1] __attribute__((aligned(64)));
    for (long j = 0; j < n; j += 2 * VF) {
        int two = j + 2 * VF <= n;
        for (long q0 = 0; q0 < k; q0 += depth) {
            long kq = k - q0 < depth ? k - q0 : depth;
            const float *bp = pack ? panel : b + q0 * ldb + j;
            long ld = pack ? 2 * VF : ldb;
            for (long q = 0; q < kq && pack; q++)
                memcpy(panel + q * 2 * VF, b + (q0 + q) * ldb + j, sizeof(float) * (two ? 2 * VF : VF));
            long r = 0;
            for (; r + TILE <= m; r += TILE)
                if (two)
                    product_tile(a, lda, bp, ld, c, ldc, r, j, q0, kq, 1, TILE);
                else
                    product_tile(a, lda, bp, ld, c, ldc, r, j, q0, kq, 0, TILE);
            for (; r + 2 <= m; r += 2)
                product_tile(a, lda, bp, ld, c, ldc, r, j, q0, kq, two, 2);
        }
    }
}

static void product(const void *gemm, int ilp64, const float *a, long lda, const float *b, long ldb, float *c,
                    long m, long n, long k)
{   /* c (m, n), rows n apart */
    if (gemm)
        sgemm(gemm, ilp64, 0, m, n, k, a, lda, b, ldb, c, n);
    else
        small_product(a, lda, b, ldb, c, n, m, n, k);
}

/* One row r of a step (nb batch elements): separate restrict-qualified rows, the form in which
 * GCC vectorises the loop. z*: the gates' pre-activations, the sigmoid gates' negated. Writes c,
 * h, the forget gate f and, with grad, the backward's factors k_i = i(1-i)g, k_f = f(1-f)c_prev,
 * k_o = o(1-o)tanh(c), k_g = (1-g^2) i, k_c = (1-tanh(c)^2) o. */
static void lstm_row(const float *restrict zi, const float *restrict zf, const float *restrict zo,
                     const float *restrict zg, const float *restrict cp, float *restrict cr, float *restrict hr,
                     float *restrict fr, long nb)
{
    for (long j = 0; j < nb; j++) {
        float i = 1.0f / (1.0f + fexp(zi[j])), f = 1.0f / (1.0f + fexp(zf[j]));
        float o = 1.0f / (1.0f + fexp(zo[j])), g = ftanh(zg[j]);
        float ce = f * cp[j] + i * g;
        cr[j] = ce; hr[j] = o * ftanh(ce); fr[j] = f;
    }
}

static void lstm_row_grad(const float *restrict zi, const float *restrict zf, const float *restrict zo,
                          const float *restrict zg, const float *restrict cp, float *restrict cr,
                          float *restrict hr, float *restrict fr, float *restrict ki, float *restrict kf,
                          float *restrict ko, float *restrict kg, float *restrict kc, long nb)
{
    for (long j = 0; j < nb; j++) {
        float i = 1.0f / (1.0f + fexp(zi[j])), f = 1.0f / (1.0f + fexp(zf[j]));
        float o = 1.0f / (1.0f + fexp(zo[j])), g = ftanh(zg[j]);
        float ce = f * cp[j] + i * g, tc = ftanh(ce);
        cr[j] = ce; hr[j] = o * tc; fr[j] = f;
        ki[j] = i * (1.0f - i) * g; kf[j] = f * (1.0f - f) * cp[j]; ko[j] = o * (1.0f - o) * tc;
        kg[j] = (1.0f - g * g) * i; kc[j] = (1.0f - tc * tc) * o;
    }
}

struct lstm_part {
    const void *gemm; const float *w, *c0, *g_out, *x; float *states, *rec, *f, *cs, *k, *k_g, *k_c, *dh, *dc, *d, *out;
    const void *gemm_dw; float *dw;
    const long *gs, *xs; double *sumsq; float vanished; int ilp64, grad;
    long kdim, flush_every, steps, hid, batch, off, nb, part;
};

/* One block's forward over all steps: x_t's block and a row of ones into the states buffer (x at
 * element strides xs, (T, B, I)), rec = w @ states_t (gate rows i, f, o, g, the sigmoid gates'
 * negated: the NumPy path's internal form), the step's arithmetic, and h_t into out (T, B, H),
 * transposed while it is in cache (NumPy's copy of the output afterwards cost 0.5 ms of the W3
 * forward's 3). */
static void lstm_forward_part(void *arg)
{
    const struct lstm_part *p = arg;
    long hid = p->hid, nb = p->nb, off = p->off, steps = p->steps, g = p->grad ? 1 : 0, batch = p->batch;
    long srow = (steps + 1) * batch, block = hid * nb, inp = p->kdim - hid - 1;
    float *st = p->states + steps * off, *rec = p->rec + 4 * hid * off, *f = p->f + steps * hid * off;
    float *cs = p->cs + steps * hid * off, *k = p->k + (g ? steps : 1) * 3 * hid * off;
    float *k_g = p->k_g + (g ? steps : 1) * hid * off, *k_c = p->k_c + (g ? steps : 1) * hid * off;
    const float *c_prev = p->c0 + hid * off;
    const long *xs = p->xs;
    for (long t = 0; t < steps; t++) {
        float *xt = st + hid * srow + t * nb;
        for (long i = 0; i < inp; i++)
            for (long j = 0; j < nb; j++) xt[i * srow + j] = p->x[t * xs[0] + (off + j) * xs[1] + i * xs[2]];
        for (long j = 0; j < nb; j++) xt[inp * srow + j] = 1.0f;
        product(p->gemm, p->ilp64, p->w, p->kdim, st + t * nb, srow, rec, 4 * hid, nb, p->kdim);
        float *c = cs + t * block, *ft = f + t * block;
        float *h = t + 1 < steps ? st + (t + 1) * nb : p->states + steps * batch + off;
        float *kt = k + g * t * 3 * block, *kgt = k_g + g * t * block, *kct = k_c + g * t * block;
        for (long r = 0; r < hid; r++) {
            const float *zi = rec + r * nb, *zf = rec + (hid + r) * nb, *zo = rec + (2 * hid + r) * nb;
            const float *zg = rec + (3 * hid + r) * nb;
            if (g)
                lstm_row_grad(zi, zf, zo, zg, c_prev + r * nb, c + r * nb, h + r * srow, ft + r * nb, kt + r * nb,
                              kt + (hid + r) * nb, kt + (2 * hid + r) * nb, kgt + r * nb, kct + r * nb, nb);
            else
                lstm_row(zi, zf, zo, zg, c_prev + r * nb, c + r * nb, h + r * srow, ft + r * nb, nb);
        }
        for (long j = 0; j < nb; j++) {
            float *o = p->out + (t * batch + off + j) * hid;
            for (long r = 0; r < hid; r++) o[r] = h[r * srow + j];
        }
        c_prev = c;
    }
}

static void lstm_back_row(const float *restrict gh, float *restrict gc, const float *restrict ki,
                          const float *restrict kf, const float *restrict ko, const float *restrict kg,
                          const float *restrict kc, const float *restrict fr, float *restrict di,
                          float *restrict df, float *restrict dg, float *restrict dd, long nb)
{
    for (long j = 0; j < nb; j++) {
        float g_c = gc[j] + gh[j] * kc[j];
        di[j] = g_c * ki[j]; df[j] = g_c * kf[j]; dg[j] = g_c * kg[j]; dd[j] = gh[j] * ko[j];
        gc[j] = g_c * fr[j];
    }
}

/* Whether a step's block of the output gradient, src[j * gs[1] + r * gs[2]] for r < hid, j < nb,
 * is all +0 (its bits ORed, a vector pass over each sample's contiguous row when gs[2] == 1);
 * otherwise, or with other strides, 0. NOTE: why. A classifier on the last step (out[:, -1])
 * hands the LSTM a gradient of zeros at every other step; adding them was a scalar loop over
 * rows far apart (the W3 step 2.3% with it skipped); a NaN is not +0: it is added. */
static int zero_block(const float *src, const long *gs, long hid, long nb)
{
    if (gs[2] != 1)
        return 0;
    typedef uint32_t bits32 __attribute__((may_alias));
    uint32_t any = 0;
    for (long j = 0; j < nb; j++) {
        const bits32 *row = (const bits32 *)(const void *)(src + j * gs[1]);
        for (long r = 0; r < hid; r++) any |= row[r];
    }
    return any == 0;
}

/* One block's backward through time: per step t from the last, dh += the output's gradient
 * (g_out at element strides gs, when not NULL; a block of zeros is skipped, see zero_block),
 * its sum of squares into sumsq[t] (when not NULL:
 * the doctor's per-step gradient norms), dc += dh k_c, the gates' gradients into d, dc *= f,
 * dh = w d (w: w_hh transposed, (H, 4H), read along its rows: small_product 110 -> 133 GFLOP/s,
 * Intel Xeon), and every flush_every steps dh and dc flushed to 0 once both are below vanished
 * (see _flush_vanished in recurrent.py). */
static void lstm_backward_part(void *arg)
{
    const struct lstm_part *p = arg;
    long hid = p->hid, nb = p->nb, off = p->off, steps = p->steps, block = hid * nb, drow = steps * p->batch;
    float *dh = p->dh + hid * off, *dc = p->dc + hid * off, *d = p->d + steps * off;
    const float *k = p->k + steps * 3 * hid * off, *k_g = p->k_g + steps * hid * off;
    const float *k_c = p->k_c + steps * hid * off, *f = p->f + steps * hid * off;
    for (long t = steps - 1; t >= 0; t--) {
        if (p->g_out && !zero_block(p->g_out + t * p->gs[0] + off * p->gs[1], p->gs, hid, nb)) {
            const long *gs = p->gs;
            const float *src = p->g_out + t * gs[0] + off * gs[1];
            for (long r = 0; r < hid; r++)
                for (long j = 0; j < nb; j++) dh[r * nb + j] += src[j * gs[1] + r * gs[2]];
        }
        if (p->sumsq) {
            double sum = 0;
            for (long e = 0; e < block; e++) sum += (double)dh[e] * dh[e];
            p->sumsq[t] = sum;
        }
        float *dt = d + t * nb;
        const float *kt = k + t * 3 * block, *kgt = k_g + t * block, *kct = k_c + t * block, *ft = f + t * block;
        for (long r = 0; r < hid; r++)
            lstm_back_row(dh + r * nb, dc + r * nb, kt + r * nb, kt + (hid + r) * nb, kt + (2 * hid + r) * nb,
                          kgt + r * nb, kct + r * nb, ft + r * nb, dt + r * drow, dt + (hid + r) * drow,
                          dt + (2 * hid + r) * drow, dt + (3 * hid + r) * drow, nb);
        product(p->gemm, p->ilp64, p->w, 4 * hid, dt, drow, dh, hid, nb, 4 * hid);
        if (t % p->flush_every == 0) {
            int small = 1;              /* a NaN is not small: it stays */
            for (long e = 0; e < block && small; e++)
                small = __builtin_fabsf(dh[e]) < p->vanished && __builtin_fabsf(dc[e]) < p->vanished;
            if (small)
                for (long e = 0; e < block; e++) dh[e] = dc[e] = 0;
        }
    }
    if (p->dw && gemm_available()) {
        /* the block's part of the weight gradient, transposed: (K, 4H) = states (K - 1 rows, T nb)
         * @ d (4H, T nb)^T by the compiled product on this thread, and the last row (the bias's,
         * against the states' row of ones) as d's row sums, taken from the product's packed panels.
         * NOTE: why. K = H + I + 1 = 161 columns of OpenBLAS's d @ states^T left a 32-wide tile
         * with one column; here the 161 rows are 20 tiles of 8 and a row of sums: 133 -> 152
         * GFLOP/s a core at W3's block (Intel Xeon), the W3 step base/main 1.033. */
        float *part = p->dw + p->part * 4 * hid * p->kdim;
        gemm_f32(NULL, 1, p->states + steps * off, (steps + 1) * p->batch, 1, d, 1, drow, NULL, part, 4 * hid,
                 p->kdim - 1, 4 * hid, steps * nb, part + (p->kdim - 1) * 4 * hid, NULL, NULL);
    } else if (p->dw)   /* the same untransposed, (4H, K) = d (4H, T nb) @ states (K, T nb)^T, by OpenBLAS */
        sgemm(p->gemm_dw, p->ilp64, 1, 4 * hid, p->kdim, steps * nb, d, drow, p->states + steps * off,
              (steps + 1) * p->batch, p->dw + p->part * 4 * hid * p->kdim, p->kdim);
}

/* offs: the blocks' first columns and the batch, blocks + 1 of them; pool NULL: the blocks one
 * after another, each step's product by gemm (NULL: small_product). */
static void lstm_run(const void *pool, void (*fn)(void *), struct lstm_part *all, const long *offs, int blocks)
{
    struct lstm_part parts[MAX_PARTS];
    int count = blocks < MAX_PARTS ? blocks : MAX_PARTS;
    for (int i = 0; i < count; i++) {
        parts[i] = *all;
        parts[i].off = offs[i];
        parts[i].nb = offs[i + 1] - offs[i];
        parts[i].part = i;
        if (all->sumsq)
            parts[i].sumsq = all->sumsq + i * all->steps;
    }
    run_parts(pool, fn, parts, count, sizeof parts[0]);
}

void lstm_forward(const void *gemm, int ilp64, const void *pool, const long *offs, int blocks, const float *w,
                  long kdim, const float *x, const long *xs, const float *c0, float *states, float *rec, float *f,
                  float *cs, float *k, float *k_g, float *k_c, float *out, long steps, long hid, long batch, int grad)
{
    struct lstm_part all = {.gemm = gemm, .ilp64 = ilp64, .w = w, .kdim = kdim, .x = x, .xs = xs, .c0 = c0,
                            .out = out, .states = states,
                            .rec = rec, .f = f, .cs = cs, .k = k, .k_g = k_g, .k_c = k_c, .steps = steps, .hid = hid,
                            .batch = batch, .grad = grad};
    lstm_run(pool, lstm_forward_part, &all, offs, blocks);
}

/* sumsq: (blocks, T) when not NULL, one row per block (lstm_fused.py adds them up). dw: when not
 * NULL (with a pool and set_threads, OpenBLAS's openblas_set_num_threads), each block's part of the
 * weight gradient, (blocks, 4H, K), by OpenBLAS's sgemm on the block's own thread as soon as its
 * loop ends: OpenBLAS held to one thread for the call, so that its sgemm runs where it is called
 * instead of handing work to its threads (which are running the blocks). NOTE: why. One sgemm
 * per block on its own core (K = T nb deep) against one two-thread sgemm over all blocks
 * afterwards: the W3 step base/main 1.040 (Intel Xeon, fresh processes alternating, 11
 * rounds). OpenBLAS's thread count is global: a product another Python thread runs meanwhile
 * runs on one thread (still right). */
void lstm_backward(const void *gemm, int ilp64, const void *pool, const long *offs, int blocks, const float *w_t,
                   float *dh, float *dc, const float *k, const float *k_g, const float *k_c, const float *f, float *d,
                   const float *g_out, const long *gs, double *sumsq, float vanished,
                   long flush_every, long steps, long hid, long batch, const void *gemm_dw, void (*set_threads)(int),
                   int threads, float *states, long kdim, float *dw)
{
    int compiled = gemm_available(), own = dw && pool && (compiled || (set_threads && gemm_dw));
    struct lstm_part all = {.gemm = gemm, .ilp64 = ilp64, .w = w_t, .dh = dh, .dc = dc, .k = (float *)k,
                            .k_g = (float *)k_g, .k_c = (float *)k_c, .f = (float *)f, .d = d, .g_out = g_out,
                            .gs = gs, .sumsq = sumsq, .vanished = vanished, .flush_every = flush_every,
                            .steps = steps, .hid = hid, .batch = batch, .gemm_dw = gemm_dw,
                            .dw = own ? dw : NULL, .states = states, .kdim = kdim};
    if (own && !compiled)
        set_threads(1);
    lstm_run(pool, lstm_backward_part, &all, offs, blocks);
    if (own && !compiled)
        set_threads(threads);
}
