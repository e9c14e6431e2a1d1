/* The compiled product's vector layer (gemm_kernels.c includes it inside its AVX-512 / AVX2
 * branch, after <immintrin.h>): one vector register and its operations for either width, the
 * tile's shape and blocking, and the in-register transposes that pack a transposed operand. */
#ifndef GRADWISE_GEMM_VECTOR_H
#define GRADWISE_GEMM_VECTOR_H
/* one vector register (gv) of G_VW floats, its lane mask (gmask), and the operations the product
 * uses, for AVX-512 (16 floats, an 8 x 32 tile: 16 of 32 zmm) or AVX2 (8 floats, a 6 x 16 tile:
 * 12 of 16 ymm) */
#if defined(__AVX512F__)
#define G_VW 16
#define G_MR 8          /* rows of c a tile */
typedef __m512 gv;
typedef __mmask16 gmask;
#define GV_ZERO() _mm512_setzero_ps()
#define GV_LOAD(p) _mm512_load_ps(p)
#define GV_LOADM(p, m) _mm512_maskz_loadu_ps(m, p)
#define GV_STOREM(p, m, v) _mm512_mask_storeu_ps(p, m, v)
#define GV_SET1(x) _mm512_set1_ps(x)
#define GV_FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define GV_ADD(a, b) _mm512_add_ps(a, b)
/* max(x, 0) as NumPy's maximum and the compiled ReLU: NaN stays NaN, -0 becomes 0 */
#define GV_LOADF(p, m, full) GV_LOADM(p, m)
#define GV_STOREF(p, m, v, full) GV_STOREM(p, m, v)
#define GV_RELU(x) _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_NLE_UQ), x)
static inline gmask gmask_of(long w) { return w >= 16 ? 0xffff : w <= 0 ? 0 : (gmask)((1u << w) - 1); }
#else
#define G_VW 8
#define G_MR 6
typedef __m256 gv;
typedef __m256i gmask;
#define GV_ZERO() _mm256_setzero_ps()
#define GV_LOAD(p) _mm256_load_ps(p)
#define GV_LOADM(p, m) _mm256_maskload_ps(p, m)
#define GV_STOREM(p, m, v) _mm256_maskstore_ps(p, m, v)
#define GV_SET1(x) _mm256_set1_ps(x)
#define GV_FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define GV_ADD(a, b) _mm256_add_ps(a, b)
#define GV_RELU(x) _mm256_and_ps(x, _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_NLE_UQ))
/* c's tile where all its columns exist (full): plain unaligned moves, not the masked ones.
 * NOTE: why. AVX2's masked moves are slow on AMD Zen (vmaskmovps stores are microcoded there): with
 * them for every tile of c, the product ran 6-16% slower at W1's shapes (one Zen 4 core, a C
 * harness, 128 x 784 @ 784 x 512 63-64 -> 71-73 GFLOP/s). AVX-512's masks cost nothing: always masked. */
#define GV_LOADF(p, m, full) ((full) ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, m))
#define GV_STOREF(p, m, v, full) do { if (full) _mm256_storeu_ps(p, v); else _mm256_maskstore_ps(p, m, v); } while (0)
static inline gmask gmask_of(long w)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(w < 0 ? 0 : w > 8 ? 8 : w)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
#endif
#define G_NR (2 * G_VW) /* columns of c a tile: two vectors */
#define G_KC 256        /* depth of a packed panel: 256 x 32 floats = 32 KiB, in L1 with a's rows */
#define G_MC (256 / G_MR * G_MR)  /* rows of a per block, whole tiles (~256 x 256 floats = 256 KiB, in L2 beside b's panels) */
_Static_assert(G_NR == SPLIT_COLUMNS, "the ReLU's column split (elementwise_kernels.c) follows the product's");

#if G_VW == 16
static void transpose16(const float *src, long ld, float *dst, long ldd, long rows)
{   /* dst[t][r] = src[r][t] for r < rows (<= 16), t < 16; src rows ld apart, dst rows ldd apart */
    __m512 r[16], t[16];
    for (int i = 0; i < 16; i++) r[i] = i < rows ? _mm512_loadu_ps(src + i * ld) : _mm512_setzero_ps();
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; i++) {
        __m512d a0 = _mm512_castps_pd(t[4 * i]), a1 = _mm512_castps_pd(t[4 * i + 1]);
        __m512d a2 = _mm512_castps_pd(t[4 * i + 2]), a3 = _mm512_castps_pd(t[4 * i + 3]);
        r[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a0, a2));
        r[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a0, a2));
        r[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(a1, a3));
        r[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(a1, a3));
    }
    /* r[4i + c] holds, in each 128-bit lane L, column 4L + c of rows 4i .. 4i + 3 */
    for (int c = 0; c < 4; c++) {
        __m512 x0 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0x88), x1 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0xdd);
        __m512 x2 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0x88), x3 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0xdd);
        t[c] = _mm512_shuffle_f32x4(x0, x2, 0x88);          /* column c */
        t[8 + c] = _mm512_shuffle_f32x4(x0, x2, 0xdd);      /* column 8 + c */
        t[4 + c] = _mm512_shuffle_f32x4(x1, x3, 0x88);      /* column 4 + c */
        t[12 + c] = _mm512_shuffle_f32x4(x1, x3, 0xdd);     /* column 12 + c */
    }
    for (int i = 0; i < 16; i++) _mm512_storeu_ps(dst + i * ldd, t[i]);
}
#define transpose_block transpose16
#else
static void transpose8(const float *src, long ld, float *dst, long ldd, long rows)
{   /* dst[t][r] = src[r][t] for r < rows (<= 8), t < 8 */
    __m256 r[8];
    for (int i = 0; i < 8; i++) r[i] = i < rows ? _mm256_loadu_ps(src + i * ld) : _mm256_setzero_ps();
    __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    /* s_c: columns c and c + 4 of rows 0-3 (s0-s3) and 4-7 (s4-s7) in the two 128-bit lanes */
    __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xee);
    __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xee);
    __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xee);
    __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xee);
    _mm256_storeu_ps(dst, _mm256_permute2f128_ps(s0, s4, 0x20));
    _mm256_storeu_ps(dst + ldd, _mm256_permute2f128_ps(s1, s5, 0x20));
    _mm256_storeu_ps(dst + 2 * ldd, _mm256_permute2f128_ps(s2, s6, 0x20));
    _mm256_storeu_ps(dst + 3 * ldd, _mm256_permute2f128_ps(s3, s7, 0x20));
    _mm256_storeu_ps(dst + 4 * ldd, _mm256_permute2f128_ps(s0, s4, 0x31));
    _mm256_storeu_ps(dst + 5 * ldd, _mm256_permute2f128_ps(s1, s5, 0x31));
    _mm256_storeu_ps(dst + 6 * ldd, _mm256_permute2f128_ps(s2, s6, 0x31));
    _mm256_storeu_ps(dst + 7 * ldd, _mm256_permute2f128_ps(s3, s7, 0x31));
}
#define transpose_block transpose8
#endif

#endif
