/* What gradwise's compiled kernels share (fused_kernels.c, conv_kernels.c): the vector type and
 * the running of a job's parts on OpenBLAS's threads. Static, so each file has its own copy. */
#ifndef GRADWISE_FUSED_COMMON_H
#define GRADWISE_FUSED_COMMON_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef float v16f __attribute__((vector_size(64)));   /* 16 floats: one AVX-512 register */

/* Parts of one job run on OpenBLAS's own worker threads, through its gotoblas_pthread (pool: its
 * address, from gradwise/blas.py), or one after another when pool is NULL. NOTE: why. A thread of
 * our own fights OpenBLAS's, which spin for a while after every matrix product: a 1.2 ms kernel on
 * two threads took 2.5 ms right after a GEMM, slower than on one; on OpenBLAS's threads 1.3 ms
 * (Intel Xeon, 2 cores). A part must not call OpenBLAS itself (it may be running on one of
 * OpenBLAS's threads): the parts of the LSTM's loops use small_product, not sgemm. */
typedef int (*pool_t)(int, void *, void *, int);
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

#endif
