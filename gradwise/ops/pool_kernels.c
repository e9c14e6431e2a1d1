/* Max pooling over 2x2 windows, stride 2, tiling the input (pool.py), forward and backward, in
 * vectors: each output row from two input rows, whose even and odd columns (the windows' left and
 * right) are split apart by shuffles. The planes (images x channels, each (H, W) contiguous, the
 * output's (H/2, W/2)) are shared among the threads. Compiled with fused_kernels.c into one
 * library (fused.py).
 *
 * NOTE: why. NumPy's running maximum over the four strided slices ran at 4-8 GB/s on one core,
 * and the scalar backward at 6 GB/s; at a LeNet-style net's 112 x 112 images the two pools took
 * 16% of the step (C@112), a share that grew with the image. */
#include "fused_common.h"

typedef int32_t veci __attribute__((vector_size(VF * 4)));

#if VF == 16
#define EVEN {0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30}
#define ODD {1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31}
#define ZIP_LO {0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23}
#define ZIP_HI {8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31}
#else
#define EVEN {0, 2, 4, 6, 8, 10, 12, 14}
#define ODD {1, 3, 5, 7, 9, 11, 13, 15}
#define ZIP_LO {0, 8, 1, 9, 2, 10, 3, 11}
#define ZIP_HI {4, 12, 5, 13, 6, 14, 7, 15}
#endif

/* where mask (all ones or zeros a lane) a, else b */
static inline vec select(veci mask, vec a, vec b) { return (vec)((mask & (veci)a) | (~mask & (veci)b)); }

/* NumPy's maximum(a, b): a where a > b or a is NaN, else b (NaN from either side; b on ties, so
 * maximum(0, -0) is -0) */
static inline vec vmax(vec a, vec b) { return select((a > b) | (a != a), a, b); }

static inline float smax(float a, float b) { return a > b || a != a ? a : b; }

/* the planes q = i * second + j in x's memory order; g's row y of plane (i, j) at g + i * gs0 + j *
 * gs1 + y * gs2 */
struct pool_part { const float *x, *out, *g; float *gx; long height, width, second, gs0, gs1, gs2, lo, hi; };

/* out = the windows' maxima, as pool.py's running maximum takes them: row-major, max(max(max(
 * top left, top right), bottom left), bottom right) */
static void max_pool2_part(void *arg)
{
    const struct pool_part *p = arg;
    long w = p->width, ow = w / 2, oh = p->height / 2;
    const veci even = EVEN, odd = ODD;
    for (long q = p->lo; q < p->hi; q++)
        for (long y = 0; y < oh; y++) {
            const float *top = p->x + (q * p->height + 2 * y) * w, *bottom = top + w;
            float *out = (float *)p->out + (q * oh + y) * ow;
            long j = 0;
            for (; j + VF <= ow; j += VF) {
                vec t0 = load_vec(top + 2 * j), t1 = load_vec(top + 2 * j + VF);
                vec b0 = load_vec(bottom + 2 * j), b1 = load_vec(bottom + 2 * j + VF);
                vec m = vmax(__builtin_shuffle(t0, t1, even), __builtin_shuffle(t0, t1, odd));
                m = vmax(vmax(m, __builtin_shuffle(b0, b1, even)), __builtin_shuffle(b0, b1, odd));
                store_vec(out + j, m);
            }
            for (; j < ow; j++)
                out[j] = smax(smax(smax(top[2 * j], top[2 * j + 1]), bottom[2 * j]), bottom[2 * j + 1]);
        }
}

void max_pool2_f32(const void *pool, int threads, const float *x, float *out, long planes, long height, long width)
{
    struct pool_part all = {x, out, NULL, NULL, height, width, 1, 0, 0, 0, 0, 0};
    SPLIT(pool, threads, max_pool2_part, all, planes, planes * height * width >> 15);
}

/* The backward: each window's gradient goes to its first position (row-major) holding the
 * maximum, the others get 0 (as pool.py does: none at all where the maximum is NaN). g is read
 * in place whatever its strides but the rows': its planes may lie in the other order of images
 * and channels (a batch-major gradient from a Flatten of channel-major maxima), its rows apart (a
 * convolution's input gradient cropped out of its padded buffer). */
static void max_pool2_backward_part(void *arg)
{
    const struct pool_part *p = arg;
    long w = p->width, ow = w / 2, oh = p->height / 2;
    const veci even = EVEN, odd = ODD, zip_lo = ZIP_LO, zip_hi = ZIP_HI;
    const vec zero = {0};
    for (long q = p->lo; q < p->hi; q++)
        for (long y = 0; y < oh; y++) {
            const float *top = p->x + (q * p->height + 2 * y) * w, *bottom = top + w;
            const float *m = p->out + (q * oh + y) * ow, *g = p->g + q / p->second * p->gs0 + q % p->second * p->gs1 + y * p->gs2;
            float *gtop = p->gx + (q * p->height + 2 * y) * w, *gbottom = gtop + w;
            long j = 0;
            for (; j + VF <= ow; j += VF) {
                vec t0 = load_vec(top + 2 * j), t1 = load_vec(top + 2 * j + VF);
                vec b0 = load_vec(bottom + 2 * j), b1 = load_vec(bottom + 2 * j + VF);
                vec mx = load_vec(m + j), gr = load_vec(g + j);
                veci a = __builtin_shuffle(t0, t1, even) == mx;
                veci b = ~a & (__builtin_shuffle(t0, t1, odd) == mx);
                veci c = ~(a | b) & (__builtin_shuffle(b0, b1, even) == mx);
                veci d = ~(a | b | c) & (__builtin_shuffle(b0, b1, odd) == mx);
                vec ga = select(a, gr, zero), gb = select(b, gr, zero);
                vec gc = select(c, gr, zero), gd = select(d, gr, zero);
                store_vec(gtop + 2 * j, __builtin_shuffle(ga, gb, zip_lo));
                store_vec(gtop + 2 * j + VF, __builtin_shuffle(ga, gb, zip_hi));
                store_vec(gbottom + 2 * j, __builtin_shuffle(gc, gd, zip_lo));
                store_vec(gbottom + 2 * j + VF, __builtin_shuffle(gc, gd, zip_hi));
            }
            for (; j < ow; j++) {
                float mx = m[j], gr = g[j];
                int a = top[2 * j] == mx, b = !a && top[2 * j + 1] == mx, c = !a && !b && bottom[2 * j] == mx;
                int d = !a && !b && !c && bottom[2 * j + 1] == mx;     /* a NaN window: no position */
                gtop[2 * j] = a ? gr : 0.0f; gtop[2 * j + 1] = b ? gr : 0.0f;
                gbottom[2 * j] = c ? gr : 0.0f; gbottom[2 * j + 1] = d ? gr : 0.0f;
            }
        }
}

/* x, out, gx: planes in one order (planes = first x second); g: planes (i, j) gs0, gs1 floats
 * apart, rows gs2 */
void max_pool2_backward_f32(const void *pool, int threads, const float *x, const float *out, const float *g,
                            float *gx, long planes, long second, long gs0, long gs1, long gs2, long height, long width)
{
    struct pool_part all = {x, out, g, gx, height, width, second, gs0, gs1, gs2, 0, 0};
    SPLIT(pool, threads, max_pool2_backward_part, all, planes, planes * height * width >> 15);
}
