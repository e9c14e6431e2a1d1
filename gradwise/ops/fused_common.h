/* What gradwise's compiled kernels share (fused_kernels.c and the other *_kernels.c): the
 * vector type, the running of a job's parts on OpenBLAS's threads, exp. Static, so each file has
 * its own copy. */
#ifndef GRADWISE_FUSED_COMMON_H
#define GRADWISE_FUSED_COMMON_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* One vector register of floats: VF = 16 on AVX-512, 8 on AVX2, for the kernels written for
 * either (conv8xV and the 3x3 weight gradients): their accumulators fit in 32 zmm or 16 ymm. */
#if defined(__AVX512F__) || defined(GRADWISE_EMULATE_VF16)
#define VF 16
#else
#define VF 8
#endif
typedef float vec __attribute__((vector_size(VF * 4)));
/* GRADWISE_EMULATE_VF16 (fused.py, $GRADWISE_EMULATE_VF16): AVX-512's code paths (VF 16) built
 * from GCC's generic vectors on a CPU without AVX-512, so that its tests run them there too
 * (slowly; the compiled product, written in AVX-512's own instructions, is left out). */

/* The vectors named held in registers (an empty asm), not a load folded into each of their uses;
 * nothing when emulating VF 16, whose vectors fill no AVX2 register. */
#if defined(GRADWISE_EMULATE_VF16)
#define IN_REGISTERS(...)
#else
#define IN_REGISTERS(...) __asm__("" : __VA_ARGS__)
#endif
/* One vector from, or to, any address. NOTE: why not memcpy into an array of vectors: GCC kept
 * such an array on the stack, copied there in 16-byte halves and read back whole, a
 * store-forwarding stall on every load (BatchNorm's backward 6 GB/s on one Zen 4 core). */
static inline vec load_vec(const float *p)
{
    vec v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void store_vec(float *p, vec v) { memcpy(p, &v, sizeof v); }

/* the columns of the compiled product's tile (gemm_kernels.c): its threads take blocks of them of
 * its output, and the ReLU after it splits the same way (elementwise_kernels.c, column_split) */
#define SPLIT_COLUMNS (2 * VF)


/* Parts of one job run on OpenBLAS's own worker threads, through its gotoblas_pthread (pool: its
 * address, from gradwise/blas.py), or one after another when pool is NULL. NOTE: why. A thread of
 * our own fights OpenBLAS's, which spin for a while after every matrix product: a 1.2 ms kernel on
 * two threads took 2.5 ms right after a GEMM, slower than on one; on OpenBLAS's threads 1.3 ms
 * (Intel Xeon, 2 cores). A part must not call OpenBLAS itself (it may be running on one of
 * OpenBLAS's threads): the parts of the LSTM's loops use small_product, not sgemm. */
typedef int (*pool_t)(int, void *, void *, int);

/* the compiled product (gemm_kernels.c, in the same library; lstm_kernels.c calls it too) */
int gemm_available(void);
void gemm_f32(const void *pool, int threads, const float *a, long ars, long acs, const float *b, long brs, long bcs,
              const float *bias, float *c, long ldc, long m, long n, long k, float *sums, float *relu, float *rsums);
#define MAX_PARTS 64

static inline void run_parts(const void *pool, void (*fn)(void *), void *parts, int count, int size)
{
    if (pool && count > 1)
        ((pool_t)pool)(count, (void *)fn, parts, size);
    else
        for (int i = 0; i < count; i++) fn((char *)parts + (long)i * size);
}

static inline int part_count(int threads, long work)
{
    long n = threads < work ? threads : work;
    return n < 1 ? 1 : n > MAX_PARTS ? MAX_PARTS : (int)n;
}

/* Runs fn on part_count(threads, work) copies of the job `all` (size bytes), whose range [lo, hi)
 * (two adjacent longs at byte `range` of it) is [0, total) cut into equal pieces. */
static inline void run_split(const void *pool, int threads, void (*fn)(void *), const void *all, int size, size_t range,
                      long total, long work)
{
    int count = part_count(threads, work);
    unsigned char parts[count * size] __attribute__((aligned(16)));
    for (int i = 0; i < count; i++) {
        long *lo_hi = (long *)(parts + i * size + range);
        memcpy(parts + i * size, all, size);
        lo_hi[0] = total * i / count;
        lo_hi[1] = total * (i + 1) / count;
    }
    run_parts(pool, fn, parts, count, size);
}

/* run_split on a job struct with fields lo, hi (in that order, adjacent). */
#define SPLIT(pool, threads, fn, all, total, work)                                                   \
    do {                                                                                             \
        _Static_assert(offsetof(__typeof__(all), hi) == offsetof(__typeof__(all), lo) + sizeof(long), \
                       "lo, hi adjacent");                                                           \
        run_split(pool, threads, fn, &(all), sizeof(all), offsetof(__typeof__(all), lo), total, work); \
    } while (0)

/* exp is plain arithmetic so that the compiler vectorises the loops around it (no vector math
 * library is assumed): exp(x) = 2^n e^r, n = round(x / ln 2), |r| <= ln 2 / 2, e^r by its Taylor
 * polynomial to r^7 (truncation under 6e-9 relative, below float32's 6e-8), 2^n written into the
 * exponent bits; x is clamped to [-87, 88], where the result is a normal float. */
static inline float fexp(float x)
{
    x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
    float n = __builtin_floorf(x * 1.44269504088896341f + 0.5f);
    float r = (x - n * 0.693359375f) - n * -2.12194440e-4f;          /* ln 2 in two parts */
    float p = 1.0f + r * (1.0f + r * (0.5f + r * (1.66666667e-1f + r * (4.16666667e-2f
              + r * (8.33333333e-3f + r * (1.38888889e-3f + r * 1.98412698e-4f))))));
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

static inline float ftanh(float x) { return 1.0f - 2.0f / (fexp(2.0f * x) + 1.0f); }

#endif
