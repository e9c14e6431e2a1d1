/* Elementwise kernels and the cross-entropy (fused.py calls them; compiled with fused_kernels.c
 * into one library): exp and tanh arrays, large sums, row copies onto a wider or narrower grid,
 * ReLU forward and backward (split among the threads as the compiled product splits its output,
 * gemm_kernels.c), and the loss of (N, C) logits against class indices in one pass a row. */
#if defined(__AVX512F__) && defined(__GNUC__) && !defined(__clang__)
/* 512-bit vectors for the loops GCC vectorises itself (see lstm_kernels.c) */
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

/* dst (d0, d1, d2, dst_width), contiguous: each row the first width floats of src's row (i0, i1,
 * i2) at src + i0 * s0 + i1 * s1 + i2 * s2 (plus bias[i0] when bias is not NULL), zeros after
 * them; rows shared among the threads. A convolution computed on a wider grid than its output
 * (conv_rows.py): its valid columns copied out with the bias (``compact``), and its output gradient
 * widened back onto that grid. NOTE: why. NumPy's strided add, and its zero fill then strided
 * copy, each ran on one core: at C@112's first convolution (6 x 64 planes of 112 x 112) 8% of
 * the step. */
struct rows_part { const float *src, *bias; float *dst; long s0, s1, s2, d1, d2, width, dst_width, lo, hi; };

static void copy_rows_part(void *arg)
{
    const struct rows_part *p = arg;
    for (long r = p->lo; r < p->hi; r++) {
        long i0 = r / (p->d1 * p->d2), i1 = r / p->d2 % p->d1, i2 = r % p->d2;
        const float *src = p->src + i0 * p->s0 + i1 * p->s1 + i2 * p->s2;
        float *dst = p->dst + r * p->dst_width, b = p->bias ? p->bias[i0] : 0.0f;
        for (long k = 0; k < p->width; k++) dst[k] = src[k] + b;
        for (long k = p->width; k < p->dst_width; k++) dst[k] = 0.0f;
    }
}

void copy_rows_f32(const void *pool, int threads, const float *src, long s0, long s1, long s2, const float *bias,
                   float *dst, long d0, long d1, long d2, long width, long dst_width)
{
    struct rows_part all = {src, bias, dst, s0, s1, s2, d1, d2, width, dst_width, 0, 0};
    long rows = d0 * d1 * d2;
    SPLIT(pool, threads, copy_rows_part, all, rows, rows * dst_width >> 15);
}

/* The ReLU of a dense layer's output (rows of cols floats, cols >= 64, 16 Ki floats or more) and
 * its gradient split among the threads by the column blocks gemm_f32 gave each thread, so
 * that each reads what its own core wrote. NOTE: why. Split by rows (or on one thread, below
 * 64 Ki floats), half of the array comes from the other core's cache: W1's first ReLU took 3x
 * its time alone inside the step. Job: lo, hi (columns), cols, rows, adjacent longs at `range`.
 * Returns 0 (nothing run) where the split does not apply. */
static int column_split(const void *pool, int threads, void (*fn)(void *), const void *all, int size, size_t range,
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
 * of its output (column_split). */
void relu_forward_f32(const void *pool, int threads, const float *x, float *y, long n, long cols)
{
    struct relu_fwd_part all = {x, y, 0, 0, n, 1};
    if (column_split(pool, threads, relu_forward_part, &all, sizeof all, offsetof(struct relu_fwd_part, lo), n, cols))
        return;
    SPLIT(pool, threads, relu_forward_part, all, n, n >> 16);
}

/* A dense layer's bias and the ReLU after it in one pass over its output, in place, for products
 * NumPy's BLAS made (gemm.py): x (rows of cols) = max(x + bias along the rows, 0) (NaN stays NaN,
 * -0 becomes 0; the values before the ReLU are not kept). NOTE: why. With the bias filled in
 * before the product (beta 1), its output was written three times and read twice (fill, product,
 * ReLU); here twice and once, W4's forward products 3-4% faster. */
struct bias_relu_part { float *x; const float *bias; long lo, hi, cols, rows; };

static void bias_relu_part(void *arg)
{
    const struct bias_relu_part *p = arg;
    for (long r = 0; r < p->rows; r++) {
        float *x = p->x + r * p->cols;
        for (long i = p->lo; i < p->hi; i++) {
            float v = x[i] + p->bias[i];
            x[i] = v <= 0.0f ? 0.0f : v;
        }
    }
}

void bias_relu_f32(const void *pool, int threads, float *x, const float *bias, long rows, long cols)
{
    struct bias_relu_part all = {x, bias, 0, cols, cols, rows};
    if (!column_split(pool, threads, bias_relu_part, &all, sizeof all, offsetof(struct bias_relu_part, lo), rows * cols,
                      cols))
        bias_relu_part(&all);
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
    if (column_split(pool, threads, relu_backward_part, &all, sizeof all, offsetof(struct relu_part, lo), n, cols))
        return;
    SPLIT(pool, threads, relu_backward_part, all, n, n >> 16);     /* a part under 64 Ki floats: not worth a thread */
}

/* Cross-entropy of (n, c) float32 logits (rows ldx apart) against int64 class indices, in one pass
 * a row: p (n, c) = the softmax (kept for the backward), *loss = the sum over rows of
 * log(sum exp x) - x[target] (in double). Returns 1, with nothing usable, when a target is outside
 * [0, c) or equals ignore (the NumPy path then names it). NaN in a row makes its p and the loss
 * NaN, as NumPy's max does. NOTE: why. The NumPy path is a dozen calls on a (128, 10) array
 * (max and sum along the short rows are the slow ones): ~4% of W1's step. */
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
