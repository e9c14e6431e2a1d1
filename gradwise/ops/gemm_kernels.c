/* A float32 matrix product for AVX-512 and AVX2, on OpenBLAS's threads (gemm.py, ``matmul``),
 * compiled with fused_kernels.c into one library.
 *
 * NOTE: why. NumPy's OpenBLAS reaches 141-165 GFLOP/s a core at the MLP's shapes (W1: 128 x 784
 * @ 784 x 512 and its gradients) and 219-274 on two cores, PyTorch's MKL 166-197 and 295-351; the
 * core's FMA peak is 239 (Intel Xeon, 2 cores). This is the textbook blocked product: a panel of
 * b (KC rows x 2 vectors of columns) packed contiguous so that it stays in L1, a tile of c of
 * G_MR rows x 2 vectors in registers (8 x 32 in 16 zmm; on AVX2 6 x 16 in 12 ymm), each of a's
 * elements broadcast once for two multiply-adds; a read in place (rows of a: G_MR streams) or,
 * when its columns are contiguous (a transposed, the weight gradient's x.T), packed per block of
 * ~256 rows (contiguous streams); with more rows than that, b's panels packed once per depth for
 * all blocks; the next tile's rows of c prefetched. The
 * threads take columns of c (rows when c is narrow, or tall with a packed), each packing its
 * own panels (a shared packing of a, split among the threads, was slower: half of it then sits
 * in the other core's cache). At W4's large products this is level with OpenBLAS on AVX-512 (0.93-1.04) and behind
 * it on AVX2 (0.88-0.97), so gemm.py keeps OpenBLAS there; at W1's it is 1.0-1.5x OpenBLAS on
 * AVX-512, 1.00-1.13x on AVX2 (OpenBLAS's Haswell kernels, same Xeon). Without either the
 * product is not compiled (gemm_available() is 0) and NumPy's BLAS does it. */
#include "fused_common.h"
#include <stdlib.h>

#if !defined(GRADWISE_EMULATE_VF16) && (defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__)))
#include <immintrin.h>
#include "gemm_vector.h"

int gemm_available(void) { return 1; }

/* b's columns [j, j + w) (w <= G_NR), rows [q0, q0 + kc), into panel (kc, G_NR), zero past w.
 * b(q, j) at b[q * brs + j * bcs]: rows contiguous (bcs == 1) are copied, columns contiguous
 * (brs == 1, b a transpose) are transposed in G_VW x G_VW blocks in registers. */
static void pack_b(const float *b, long brs, long bcs, long q0, long kc, long j, long w, float *panel)
{
    if (bcs == 1) {
        for (long q = 0; q < kc; q++) {
            const float *src = b + (q0 + q) * brs + j;
            if (w == G_NR) {        /* a constant size: two vector moves, not a call */
                memcpy(panel + q * G_NR, src, G_NR * sizeof(float));
                continue;
            }
            memset(panel + q * G_NR + w, 0, (G_NR - w) * sizeof(float));
            memcpy(panel + q * G_NR, src, w * sizeof(float));
        }
        return;
    }
    long q = 0;
    for (; q + G_VW <= kc; q += G_VW)
        for (long t = 0; t < G_NR; t += G_VW) {
            long rows = w - t < G_VW ? (w - t > 0 ? w - t : 0) : G_VW;
            transpose_block(b + (j + t) * bcs + q0 + q, bcs, panel + q * G_NR + t, G_NR, rows);
        }
    for (; q < kc; q++)
        for (long t = 0; t < G_NR; t++)
            panel[q * G_NR + t] = t < w ? b[(j + t) * bcs + q0 + q] : 0.0f;
}

/* sums[t] (+)= a(i + t, q0 .. q0 + kc) summed, t < r (first: =): the rows of one tile of a,
 * read where pack_a reads them (a transposed, a's columns contiguous: r floats a depth) */
static void tile_row_sums(const float *a, long ars, long acs, long q0, long kc, long i, long r, float *sums, int first)
{
    float s[G_MR] = {0};
    for (long q = 0; q < kc; q++)
        for (long t = 0; t < r; t++)
            s[t] += a[(i + t) * ars + (q0 + q) * acs];
    for (long t = 0; t < r; t++)
        sums[t] = first ? s[t] : sums[t] + s[t];
}

/* Whether a is packed (pack_a) rather than read in place: where its columns are contiguous (a
 * transposed: x.T). NOTE: rows a multiple of 1 KiB apart were packed too (a tile's rows share a
 * few sets of L1), until the unrolled tile and c's prefetches: now in place is 1.02-1.11x faster
 * at those strides for the shapes gemm.py sends here (one thread; 128 x 512 @ 512 x 256 1.04,
 * 128 x 2048 @ 2048 x 256 1.05, 1024 x 2048 @ 2048 x 128 1.11; AVX2 1.02-1.05), W1's step 1.5%
 * faster, I1 3%; only at W4's 512 x 2048 @ 2048 x 2048 (OpenBLAS's in gemm.py) packed is 1.3% faster. */
static inline int packs_a(long ars, long acs) { return ars == 1 && acs != 1; }

/* a's rows [i0, i0 + m), depth [q0, q0 + kc) (a(i, q) at a[i * ars + q * acs]), into tiles of
 * G_MR rows, each (kc, G_MR): the rows past m are left as they are (never stored). With rsums,
 * rsums[i0 + i] (+)= the sum of row i over the block (first: =), from the packed tiles. */
static void pack_a(const float *a, long ars, long acs, long q0, long kc, long i0, long m, float *ap, float *rsums,
                   int first)
{
    for (long i = 0; i < m; i += G_MR) {
        long r = m - i < G_MR ? m - i : G_MR;
        float *dst = ap + i * kc;
        if (rsums)
            tile_row_sums(a, ars, acs, q0, kc, i0 + i, r, rsums + i0 + i, first);
        if (ars == 1) {
            for (long q = 0; q < kc; q++)
                if (r == G_MR)
                    memcpy(dst + q * G_MR, a + (q0 + q) * acs + i0 + i, G_MR * sizeof(float));
                else
                    memcpy(dst + q * G_MR, a + (q0 + q) * acs + i0 + i, r * sizeof(float));
            continue;
        }
        const float *src = a + (i0 + i) * ars + q0;
        float block[G_VW * G_VW] __attribute__((aligned(64)));
        long q = 0;
        for (; q + G_VW <= kc; q += G_VW) {
            transpose_block(src + q, ars, block, G_VW, r);
            for (int t = 0; t < G_VW; t++)
                memcpy(dst + (q + t) * G_MR, block + t * G_VW, G_MR * sizeof(float));
        }
        for (; q < kc; q++)
            for (long t = 0; t < r; t++)
                dst[q * G_MR + t] = src[t * ars + q];
    }
}

/* c's tile of mr rows (mr <= G_MR) x G_NR columns (masks m0, m1 for the columns that exist; full:
 * all G_NR exist, a constant where it is inlined) +=
 * (init 0: =, 2: = bias +) a's rows (element (i, q) at a[i * ars + q * acs]) @ the panel; and, when
 * r is not NULL (the last depth block), r's tile (rows ldc apart, as c's) = max(c's tile, 0); r
 * may be c (only the ReLU kept) */
static inline __attribute__((always_inline)) void tile(const int mr, long kc, const float *a, long ars, long acs,
                                                      const float *bp, float *c, long ldc, int init,
                                                      const float *bias, gmask m0, gmask m1, float *r,
                                                      const int full)
{
    (void)full;             /* used only by AVX2's moves */
    gv s0[G_MR], s1[G_MR];
    gv b0 = init == 2 ? GV_LOADM(bias, m0) : GV_ZERO();
    gv b1 = init == 2 ? GV_LOADM(bias + G_VW, m1) : GV_ZERO();
#pragma GCC unroll 8
    for (int i = 0; i < mr; i++) {
        if (init == 1) {
            s0[i] = GV_LOADF(c + i * ldc, m0, full);
            s1[i] = GV_LOADF(c + i * ldc + G_VW, m1, full);
        } else {
            s0[i] = b0;
            s1[i] = b1;
        }
    }
    /* unrolled: the loop's own instructions (pointer steps, compare) shared by 8 depths */
#pragma GCC unroll 8
    for (long q = 0; q < kc; q++) {
        gv u = GV_LOAD(bp + q * G_NR), v = GV_LOAD(bp + q * G_NR + G_VW);
        const float *aq = a + q * acs;
#pragma GCC unroll 8
        for (int i = 0; i < mr; i++) {
            gv e = GV_SET1(aq[i * ars]);
            s0[i] = GV_FMA(u, e, s0[i]);
            s1[i] = GV_FMA(v, e, s1[i]);
        }
    }
    if (r != c)             /* r may be c itself: then only the ReLU is stored */
#pragma GCC unroll 8
        for (int i = 0; i < mr; i++) {
            GV_STOREF(c + i * ldc, m0, s0[i], full);
            GV_STOREF(c + i * ldc + G_VW, m1, s1[i], full);
        }
    if (r)
#pragma GCC unroll 8
        for (int i = 0; i < mr; i++) {
            GV_STOREF(r + i * ldc, m0, GV_RELU(s0[i]), full);
            GV_STOREF(r + i * ldc + G_VW, m1, GV_RELU(s1[i]), full);
        }
}

/* the next tile's rows of c, which it reads (a later depth block), fetched while this one computes:
 * in a large product c is far out of cache, and each tile would first wait for its 16 lines */
static inline void prefetch_rows(const float *c, long ldc, int on)
{
    if (!on)
        return;
    for (int i = 0; i < G_MR; i++) {
        _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0);
        _mm_prefetch((const char *)(c + i * ldc + G_NR - 1), _MM_HINT_T0);
    }
}

struct gemm_part {
    const float *a, *b, *bias;
    float *c, *sums, *relu, *rsums;
    long ars, acs, brs, bcs, ldc, k, i0, i1, j0, j1;
};

/* sums[0, w) (+)= the column sums of a packed panel (kc, G_NR): b's column sums at no extra pass */
static void panel_sums(const float *panel, long kc, float *sums, long w, int first)
{
    gv s0 = GV_ZERO(), s1 = GV_ZERO();
    for (long q = 0; q < kc; q++) {
        s0 = GV_ADD(s0, GV_LOAD(panel + q * G_NR));
        s1 = GV_ADD(s1, GV_LOAD(panel + q * G_NR + G_VW));
    }
    gmask m0 = gmask_of(w), m1 = gmask_of(w - G_VW);
    if (!first) {
        s0 = GV_ADD(s0, GV_LOADM(sums, m0));
        s1 = GV_ADD(s1, GV_LOADM(sums + G_VW, m1));
    }
    GV_STOREM(sums, m0, s0);
    GV_STOREM(sums + G_VW, m1, s1);
}

/* the row tiles of one panel: a block of mb rows of a (packed, or read in place at strides ars,
 * acs) @ the panel bp into c (rows ldc apart); the strides as constants where they are known */
static inline __attribute__((always_inline)) void row_tiles(const float *a, long ars, long acs, int pack, long mb,
                                                           long kc, const float *bp, float *c, long ldc, int init,
                                                           const float *bias, gmask m0, gmask m1, float *r,
                                                           const int full)
{
    long i = 0;
    /* the strides as constants where they are known: a's rows contiguous (acs 1) or packed */
    if (pack)
        for (; i + G_MR <= mb; i += G_MR) {
            prefetch_rows(c + (i + G_MR) * ldc, ldc, init == 1 && i + 2 * G_MR <= mb);
            tile(G_MR, kc, a + i * kc, 1, G_MR, bp, c + i * ldc, ldc, init, bias, m0, m1,
                 r ? r + i * ldc : NULL, full);
        }
    else
        for (; i + G_MR <= mb; i += G_MR) {
            prefetch_rows(c + (i + G_MR) * ldc, ldc, init == 1 && i + 2 * G_MR <= mb);
            tile(G_MR, kc, a + i * ars, ars, 1, bp, c + i * ldc, ldc, init, bias, m0, m1,
                 r ? r + i * ldc : NULL, full);
        }
    for (; i < mb; i += mb - i >= 4 ? 4 : 1) {    /* the last rows 4 or 1 at a time (in their packed tile) */
        const float *ai = pack ? a + (i / G_MR * G_MR) * kc + i % G_MR : a + i * ars;
        if (mb - i >= 4)
            tile(4, kc, ai, ars, acs, bp, c + i * ldc, ldc, init, bias, m0, m1,
                 r ? r + i * ldc : NULL, full);
        else
            tile(1, kc, ai, ars, acs, bp, c + i * ldc, ldc, init, bias, m0, m1,
                 r ? r + i * ldc : NULL, full);
    }
}

static void gemm_part(void *arg)
{
    struct gemm_part *p = arg;
    float panel[G_KC * G_NR] __attribute__((aligned(64)));
    long rows = p->i1 - p->i0, panels = (p->j1 - p->j0 + G_NR - 1) / G_NR;
    int pack = packs_a(p->ars, p->acs);
    /* the rows in blocks of about G_MC, whole tiles, as even as they come: up to 1.5 G_MC is one
     * block. NOTE: why. Blocks of exactly G_MC left a sliver: 256 rows on AVX2 (G_MR 6, G_MC 252)
     * were 252 + 4, the 4-row block a second pass over every panel at a third of the tile's rate,
     * and b packed whole for it (W1 at batch 512, whose threads take 256 rows of the weight
     * gradient and 512 of the forward's). */
    long blocks = (rows + G_MC / 2) / G_MC > 1 ? (rows + G_MC / 2) / G_MC : 1;
    long mc = ((rows + blocks - 1) / blocks + G_MR - 1) / G_MR * G_MR;
    /* with more than one block of rows, b's panels are packed once per depth block for all of them */
    int whole = rows > mc;
    float *abuf = NULL, *bbuf = NULL;
    if (pack && posix_memalign((void **)&abuf, 64, (mc < rows ? mc : (rows + G_MR - 1) / G_MR * G_MR) * G_KC
                                                     * sizeof(float)))
        abuf = NULL, pack = 0;
    if (whole && posix_memalign((void **)&bbuf, 64, panels * G_KC * G_NR * sizeof(float)))
        bbuf = NULL, whole = 0;
    for (long q0 = 0; q0 < p->k; q0 += G_KC) {
        long kc = p->k - q0 < G_KC ? p->k - q0 : G_KC;
        int init = q0 ? 1 : p->bias ? 2 : 0;
        for (long t = 0; t < panels && whole; t++) {
            long j = p->j0 + t * G_NR, w = p->j1 - j < G_NR ? p->j1 - j : G_NR;
            pack_b(p->b, p->brs, p->bcs, q0, kc, j, w, bbuf + t * kc * G_NR);
            if (p->sums && p->i0 == 0)
                panel_sums(bbuf + t * kc * G_NR, kc, p->sums + j, w, q0 == 0);
        }
        for (long ib = p->i0; ib < p->i1; ib += mc) {
            long mb = p->i1 - ib < mc ? p->i1 - ib : mc;
            const float *a = p->a + ib * p->ars + q0 * p->acs;
            long ars = p->ars, acs = p->acs;
            if (pack) {
                pack_a(p->a, p->ars, p->acs, q0, kc, ib, mb, abuf, p->rsums, q0 == 0);
                a = abuf, ars = 1, acs = G_MR;
            }
            for (long t = 0; t < panels; t++) {
                long j = p->j0 + t * G_NR, w = p->j1 - j < G_NR ? p->j1 - j : G_NR;
                gmask m0 = gmask_of(w), m1 = gmask_of(w - G_VW);
                const float *bias = p->bias ? p->bias + j : NULL;
                float *c = p->c + ib * p->ldc + j;
                float *r = p->relu && q0 + kc == p->k ? p->relu + ib * p->ldc + j : NULL;
                const float *bp = whole ? bbuf + t * kc * G_NR : panel;
                if (!whole) {
                    pack_b(p->b, p->brs, p->bcs, q0, kc, j, w, panel);
                    if (p->sums && ib == 0)
                        panel_sums(panel, kc, p->sums + j, w, q0 == 0);
                }
                if (w == G_NR)
                    row_tiles(a, ars, acs, pack, mb, kc, bp, c, p->ldc, init, bias, m0, m1, r, 1);
                else
                    row_tiles(a, ars, acs, pack, mb, kc, bp, c, p->ldc, init, bias, m0, m1, r, 0);
            }
        }
    }
    free(abuf);
    free(bbuf);
}

/* c (m, n), rows ldc apart, = a (m, k) @ b (k, n) (+ bias (n,) along the rows when not NULL), and
 * sums (n,) = b's column sums when not NULL (the dense layer's bias gradient beside its weight's,
 * x.T @ g with the weight stored transposed), rsums (m,) = a's row sums when not NULL (the same
 * for g.T @ x, the weight as PyTorch stores it), and relu (m, n), rows ldc apart, = max(c, 0)
 * when not NULL (a dense layer that a ReLU follows: its values stored from the registers, not a
 * pass of their own; gemm.py, FUSION), which may be c itself (then c holds only the ReLU);
 * a(i, q) at a[i * ars + q * acs], b(q, j) at b[q * brs + j * bcs]; one of each operand's strides
 * is 1. The threads take blocks of G_NR columns of c, or of G_MR rows when c has under 2 G_NR
 * columns, or a is packed and c is at least as tall as wide or a's row sums are asked. */
void gemm_f32(const void *pool, int threads, const float *a, long ars, long acs, const float *b, long brs, long bcs,
              const float *bias, float *c, long ldc, long m, long n, long k, float *sums, float *relu, float *rsums)
{
    int pack = packs_a(ars, acs);
    if (rsums && !pack) {       /* the sums come from pack_a: a read in place is summed here */
        for (long i = 0; i < m; i += G_MR)
            tile_row_sums(a, ars, acs, 0, k, i, m - i < G_MR ? m - i : G_MR, rsums + i, 1);
        rsums = NULL;
    }
    struct gemm_part all = {a, b, bias, c, sums, relu, rsums, ars, acs, brs, bcs, ldc, k, 0, m, 0, n};
    /* by rows where a is packed and c is at least as tall as wide (the weight gradient x.T @ g),
     * or its row sums are asked (g.T @ x): each thread packs only its rows of a (not all of it),
     * and writes a contiguous part of c, the part the optimizer's update (OpenBLAS's axpy, split
     * flat) then reads on the same core; the rows of g.T it packs are g's columns its own core
     * wrote (the ReLU's backward, split by columns) */
    long by_cols = n >= 2 * G_NR && !(pack && (m >= n || rsums));
    long blocks = by_cols ? (n + G_NR - 1) / G_NR : (m + G_MR - 1) / G_MR;
    int count = part_count(threads, blocks);
    struct gemm_part parts[MAX_PARTS];
    for (int i = 0; i < count; i++) {
        parts[i] = all;
        long lo = blocks * i / count, hi = blocks * (i + 1) / count;
        if (by_cols) {
            parts[i].j0 = lo * G_NR;
            parts[i].j1 = hi * G_NR < n ? hi * G_NR : n;
        } else {
            parts[i].i0 = lo * G_MR;
            parts[i].i1 = hi * G_MR < m ? hi * G_MR : m;
        }
    }
    run_parts(pool, gemm_part, parts, count, sizeof(struct gemm_part));
}
#else
int gemm_available(void) { return 0; }

void gemm_f32(const void *pool, int threads, const float *a, long ars, long acs, const float *b, long brs, long bcs,
              const float *bias, float *c, long ldc, long m, long n, long k, float *sums, float *relu, float *rsums)
{
    (void)relu, (void)pool, (void)threads, (void)a, (void)ars, (void)acs, (void)b, (void)brs, (void)bcs, (void)bias, (void)c;
    (void)ldc, (void)m, (void)n, (void)k, (void)sums, (void)rsums;
}
#endif

/* gemm_f32 with its seventeen arguments in one array of int64 (fused.py packs them): one
 * argument through ctypes costs a quarter of sixteen, and W1's step makes six products */
void gemm_f32_packed(const int64_t *v)
{
    gemm_f32((const void *)v[0], (int)v[1], (const float *)v[2], v[3], v[4], (const float *)v[5], v[6], v[7],
             (const float *)v[8], (float *)v[9], v[10], v[11], v[12], v[13], (float *)v[14], (float *)v[15],
             (float *)v[16]);
}
