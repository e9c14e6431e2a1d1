/* gradwise's fused kernels: elementwise work that NumPy does in many passes, done in one.
 *
 * Compiled on first use by the machine's C compiler (gradwise/ops/fused.py: cc -O3 -march=native,
 * cached per compiler and CPU) and called through ctypes; without a compiler gradwise runs the
 * NumPy code, which stays the reference these kernels are tested against. Arrays are C-contiguous
 * unless a row stride is given; sizes and strides count elements.
 *
 * exp is plain arithmetic so that the compiler vectorises the loops around it (no vector math
 * library is assumed): exp(x) = 2^n e^r, n = round(x / ln 2), |r| <= ln 2 / 2, e^r by its Taylor
 * polynomial to r^7 (truncation under 6e-9 relative, below float32's 6e-8), 2^n written into the
 * exponent bits; x is clamped to [-87, 88], where the result is a normal float.
 */
#include <stdint.h>
#include <string.h>

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

void exp_array(const float *restrict x, float *restrict out, long n)
{
    for (long e = 0; e < n; e++) out[e] = fexp(x[e]);
}

void tanh_array(const float *restrict x, float *restrict out, long n)
{
    for (long e = 0; e < n; e++) out[e] = ftanh(x[e]);
}

/* One row r of an LSTM step (batch elements): separate restrict-qualified rows, the form in
 * which GCC vectorises the loop. */
static void lstm_row(const float *restrict xi, float *restrict xf, const float *restrict xo,
                     const float *restrict xg, const float *restrict ri, const float *restrict rf,
                     const float *restrict ro, const float *restrict rg, const float *restrict cp,
                     float *restrict cr, float *restrict hr, long batch)
{
    for (long j = 0; j < batch; j++) {
        float i = 1.0f / (1.0f + fexp(xi[j] + ri[j])), f = 1.0f / (1.0f + fexp(xf[j] + rf[j]));
        float o = 1.0f / (1.0f + fexp(xo[j] + ro[j])), g = ftanh(xg[j] + rg[j]);
        float ce = f * cp[j] + i * g;
        cr[j] = ce; hr[j] = o * ftanh(ce); xf[j] = f;
    }
}

static void lstm_row_grad(const float *restrict xi, float *restrict xf, const float *restrict xo,
                          const float *restrict xg, const float *restrict ri, const float *restrict rf,
                          const float *restrict ro, const float *restrict rg, const float *restrict cp,
                          float *restrict cr, float *restrict hr, float *restrict ki, float *restrict kf,
                          float *restrict ko, float *restrict kg, float *restrict kc, long batch)
{
    for (long j = 0; j < batch; j++) {
        float i = 1.0f / (1.0f + fexp(xi[j] + ri[j])), f = 1.0f / (1.0f + fexp(xf[j] + rf[j]));
        float o = 1.0f / (1.0f + fexp(xo[j] + ro[j])), g = ftanh(xg[j] + rg[j]);
        float ce = f * cp[j] + i * g, tc = ftanh(ce);
        cr[j] = ce; hr[j] = o * tc; xf[j] = f;
        ki[j] = i * (1.0f - i) * g; kf[j] = f * (1.0f - f) * cp[j]; ko[j] = o * (1.0f - o) * tc;
        kg[j] = (1.0f - g * g) * i; kc[j] = (1.0f - tc * tc) * o;
    }
}

/* One LSTM step over (H, B) blocks. a: the step's gate pre-activations from the input, gate row
 * q*H + r at a + (q*H + r)*sa, order (i, f, o, g), the sigmoid gates' negated; rec (4H, B): the
 * recurrent product in the same form. Writes c (H, B), h (rows sh apart) and the forget gate over
 * its pre-activation in a; with grad, the backward's factors k (3H, B) = i(1-i)g, f(1-f)c_prev,
 * o(1-o)tanh(c); k_g = (1-g^2) i; k_c = (1-tanh(c)^2) o. */
static void lstm_forward_step(float *a, long sa, const float *rec, const float *c_prev, float *c, float *h, long sh,
                       float *k, float *k_g, float *k_c, long hid, long batch, int grad)
{
    for (long r = 0; r < hid; r++) {
        float *xi = a + r * sa, *xf = a + (hid + r) * sa, *xo = a + (2 * hid + r) * sa, *xg = a + (3 * hid + r) * sa;
        const float *ri = rec + r * batch, *rf = rec + (hid + r) * batch;
        const float *ro = rec + (2 * hid + r) * batch, *rg = rec + (3 * hid + r) * batch;
        if (grad)
            lstm_row_grad(xi, xf, xo, xg, ri, rf, ro, rg, c_prev + r * batch, c + r * batch, h + r * sh,
                          k + r * batch, k + (hid + r) * batch, k + (2 * hid + r) * batch, k_g + r * batch,
                          k_c + r * batch, batch);
        else
            lstm_row(xi, xf, xo, xg, ri, rf, ro, rg, c_prev + r * batch, c + r * batch, h + r * sh, batch);
    }
}

static void lstm_back_row(const float *restrict gh, float *restrict gc, const float *restrict ki,
                          const float *restrict kf, const float *restrict ko, const float *restrict kg,
                          const float *restrict kc, const float *restrict fr, float *restrict di,
                          float *restrict df, float *restrict dg, float *restrict dd, long batch)
{
    for (long j = 0; j < batch; j++) {
        float g_c = gc[j] + gh[j] * kc[j];
        di[j] = g_c * ki[j]; df[j] = g_c * kf[j]; dg[j] = g_c * kg[j]; dd[j] = gh[j] * ko[j];
        gc[j] = g_c * fr[j];
    }
}

/* One step of the LSTM's backward over (H, B) blocks: dc += dh k_c; the gates' gradients into d
 * (gate row q*H + r at d + (q*H + r)*sd, PyTorch's order i, f, g, o); then dc *= f, the forget
 * gate read from the forward's a (row r at f + (H + r)*sf). */
static void lstm_backward_step(const float *dh, float *dc, const float *k, const float *k_g, const float *k_c,
                        const float *f, long sf, float *d, long sd, long hid, long batch)
{
    for (long r = 0; r < hid; r++)
        lstm_back_row(dh + r * batch, dc + r * batch, k + r * batch, k + (hid + r) * batch,
                      k + (2 * hid + r) * batch, k_g + r * batch, k_c + r * batch, f + (hid + r) * sf,
                      d + r * sd, d + (hid + r) * sd, d + (2 * hid + r) * sd, d + (3 * hid + r) * sd, batch);
}

/* The LSTM's time loops, each step's product by the BLAS NumPy uses (its cblas sgemm, passed as
 * an address; 32- or 64-bit integers): no Python between the steps (it cost ~15 us a step). */
typedef void (*gemm32_t)(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *,
                         int);
typedef void (*gemm64_t)(int, int, int, int64_t, int64_t, int64_t, float, const float *, int64_t, const float *,
                         int64_t, float, float *, int64_t);

static void sgemm(const void *fn, int ilp64, int ta, int tb, long m, long n, long k, const float *a, long lda,
                  const float *b, long ldb, float *c, long ldc)
{   /* c = op(a) @ op(b), row-major */
    int oa = ta ? 112 : 111, ob = tb ? 112 : 111;
    if (ilp64)
        ((gemm64_t)fn)(101, oa, ob, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
    else
        ((gemm32_t)fn)(101, oa, ob, (int)m, (int)n, (int)k, 1.0f, a, (int)lda, b, (int)ldb, 0.0f, c, (int)ldc);
}

/* The forward over all steps, on gate-major a (4H, T, B) and hs (H, T, B); h0 (B, H), c0t (H, B);
 * cs (T, H, B); k (T, 3H, B), k_g and k_c (T, H, B) with grad, else one step's worth each. */
void lstm_forward(const void *gemm, int ilp64, const float *w_h, const float *h0, const float *c0t, float *a,
                  float *rec, float *cs, float *hs, float *k, float *k_g, float *k_c, long steps, long hid,
                  long batch, int grad)
{
    long rows = steps * batch, block = hid * batch, g = grad ? 1 : 0;
    const float *c_prev = c0t;
    for (long t = 0; t < steps; t++) {
        if (t == 0)
            sgemm(gemm, ilp64, 0, 1, 4 * hid, batch, hid, w_h, hid, h0, hid, rec, batch);
        else
            sgemm(gemm, ilp64, 0, 0, 4 * hid, batch, hid, w_h, hid, hs + (t - 1) * batch, rows, rec, batch);
        float *c = cs + t * block;
        lstm_forward_step(a + t * batch, rows, rec, c_prev, c, hs + t * batch, rows, k + g * t * 3 * block,
                          k_g + g * t * block, k_c + g * t * block, hid, batch, grad);
        c_prev = c;
    }
}

/* The backward through time: per step t from the last, dh += the output's gradient (g_out at
 * element strides gs, where live[t]), its norm into norms[t] (when norms is not NULL: the doctor's
 * per-step gradient norms), the step's kernel into d (gate row q*H + r, step t at
 * d + t*d_step + (q*H + r)*d_row), dh = w_hh^T d, and every flush_every steps dh and dc flushed to
 * 0 once both are below vanished (see _flush_vanished in recurrent.py). a: the forward's gate buffer,
 * step t at a + t*a_step, rows a_row apart. */
void lstm_backward(const void *gemm, int ilp64, const float *w_hh, float *dh, float *dc, const float *k,
                   const float *k_g, const float *k_c, const float *a, long a_step, long a_row, float *d,
                   long d_step, long d_row, const float *g_out, const long *gs, const unsigned char *live,
                   double *norms, float vanished, long flush_every, long steps, long hid, long batch)
{
    long block = hid * batch;
    for (long t = steps - 1; t >= 0; t--) {
        if (live && live[t]) {
            const float *src = g_out + t * gs[0];
            for (long r = 0; r < hid; r++)
                for (long j = 0; j < batch; j++) dh[r * batch + j] += src[j * gs[1] + r * gs[2]];
        }
        if (norms) {
            double sum = 0;
            for (long e = 0; e < block; e++) sum += (double)dh[e] * dh[e];
            norms[t] = __builtin_sqrt(sum);
        }
        float *dt = d + t * d_step;
        lstm_backward_step(dh, dc, k + t * 3 * block, k_g + t * block, k_c + t * block, a + t * a_step, a_row, dt,
                           d_row, hid, batch);
        sgemm(gemm, ilp64, 1, 0, hid, batch, 4 * hid, w_hh, hid, dt, d_row, dh, batch);
        if (t % flush_every == 0) {
            int small = 1;              /* a NaN is not small: it stays */
            for (long e = 0; e < block && small; e++)
                small = __builtin_fabsf(dh[e]) < vanished && __builtin_fabsf(dc[e]) < vanished;
            if (small)
                for (long e = 0; e < block; e++) dh[e] = dc[e] = 0;
        }
    }
}

/* The scatter-adds of a convolution's input gradient, one channel plane at a time in cache
 * (NumPy: kh*kw passes over the whole gradient).
 * add_windows: out[c, n, i*dh + y*sh, j*dw + x*sw] += cols[c, i, j, n, y, x], out (C, N, Hp, Wp).
 * add_runs: out[(c*N + n)*plane + i*dh*wp + j*dw + q] += runs[c, i, j, n, q], runs (C, kh, kw, N, R),
 * out the flat padded planes with room after the last for the last run's overhang. */
#define SCATTERS(T, SUFFIX)                                                                          \
void add_windows_##SUFFIX(T *out, const T *cols, long chans, long kh, long kw, long batch, long oh, long ow, \
                          long hp, long wp, long sh, long sw, long dh, long dw)                      \
{                                                                                                    \
    for (long c = 0; c < chans; c++)                                                                 \
        for (long n = 0; n < batch; n++) {                                                           \
            T *plane = out + (c * batch + n) * hp * wp;                                              \
            for (long i = 0; i < kh; i++)                                                            \
                for (long j = 0; j < kw; j++) {                                                      \
                    const T *block = cols + (((c * kh + i) * kw + j) * batch + n) * oh * ow;         \
                    for (long y = 0; y < oh; y++) {                                                  \
                        T *restrict row = plane + (i * dh + y * sh) * wp + j * dw;                   \
                        const T *restrict src = block + y * ow;                                      \
                        if (sw == 1)                                                                 \
                            for (long x = 0; x < ow; x++) row[x] += src[x];                          \
                        else                                                                         \
                            for (long x = 0; x < ow; x++) row[x * sw] += src[x];                     \
                    }                                                                                \
                }                                                                                    \
        }                                                                                            \
}                                                                                                    \
void add_runs_##SUFFIX(T *out, long plane, const T *runs, long chans, long kh, long kw, long batch, long length, \
                       long wp, long dh, long dw)                                                    \
{                                                                                                    \
    for (long c = 0; c < chans; c++)                                                                 \
        for (long n = 0; n < batch; n++)                                                             \
            for (long i = 0; i < kh; i++)                                                            \
                for (long j = 0; j < kw; j++) {                                                      \
                    T *restrict dst = out + (c * batch + n) * plane + i * dh * wp + j * dw;          \
                    const T *restrict src = runs + (((c * kh + i) * kw + j) * batch + n) * length;   \
                    for (long q = 0; q < length; q++) dst[q] += src[q];                              \
                }                                                                                    \
}

SCATTERS(float, f32)
SCATTERS(double, f64)

/* A shallow stride-1 convolution (few channels x kernel positions, where im2col's GEMM is thin and
 * its column copy costs more than the arithmetic) on whole padded rows, without columns:
 * y[o, n, q] = sum over c, i, j of w[o, c, i, j] * x[(c*N + n)*plane + i*dh*wp + j*dw + q], q < R,
 * x the flat padded input planes with room after the last; the columns of y past the output
 * width are computed and dropped by the caller. Kernel positions go four at a time, so that each
 * pass over an output row does four multiply-adds per element instead of one. */
#define SHALLOW(T, SUFFIX)                                                                           \
void shallow_conv_##SUFFIX(const T *x, long plane, const T *w, long outs, long chans, long kh, long kw, \
                           long wp, long dh, long dw, T *y, long batch, long length)                \
{                                                                                                    \
    for (long n = 0; n < batch; n++)                                                                 \
        for (long o = 0; o < outs; o++) {                                                            \
            T *restrict dst = y + (o * batch + n) * length;                                          \
            for (long q = 0; q < length; q++) dst[q] = 0;                                            \
            for (long c = 0; c < chans; c++)                                                         \
                for (long i = 0; i < kh; i++) {                                                      \
                    const T *base = x + (c * batch + n) * plane + i * dh * wp;                       \
                    const T *wr = w + ((o * chans + c) * kh + i) * kw;                               \
                    long j = 0;                                                                      \
                    for (; j + 4 <= kw; j += 4) {                                                    \
                        const T *restrict s0 = base + j * dw, *restrict s1 = s0 + dw;                \
                        const T *restrict s2 = s1 + dw, *restrict s3 = s2 + dw;                      \
                        T w0 = wr[j], w1 = wr[j + 1], w2 = wr[j + 2], w3 = wr[j + 3];                \
                        for (long q = 0; q < length; q++)                                            \
                            dst[q] += (w0 * s0[q] + w1 * s1[q]) + (w2 * s2[q] + w3 * s3[q]);         \
                    }                                                                                \
                    for (; j + 2 <= kw; j += 2) {                                                    \
                        const T *restrict s0 = base + j * dw, *restrict s1 = s0 + dw;                \
                        T w0 = wr[j], w1 = wr[j + 1];                                                \
                        for (long q = 0; q < length; q++) dst[q] += w0 * s0[q] + w1 * s1[q];         \
                    }                                                                                \
                    for (; j < kw; j++) {                                                            \
                        const T *restrict s0 = base + j * dw;                                        \
                        T w0 = wr[j];                                                                \
                        for (long q = 0; q < length; q++) dst[q] += w0 * s0[q];                      \
                    }                                                                                \
                }                                                                                    \
        }                                                                                            \
}                                                                                                    \
/* Its weight gradient: gw[o, c, i, j] = sum over n, q of g[o, n, q] * x[...same index...], g zero on \
 * the dropped columns; sums in 16 partial lanes (vectorised; the order of a BLAS's). */              \
void shallow_conv_weight_grad_##SUFFIX(const T *x, long plane, const T *g, long outs, long chans, long kh, \
                                       long kw, long wp, long dh, long dw, T *gw, long batch, long length) \
{                                                                                                    \
    long taps = chans * kh * kw;                                                                     \
    for (long e = 0; e < outs * taps; e++) gw[e] = 0;                                                \
    long full = length / 16 * 16;                                                                    \
    for (long n = 0; n < batch; n++)                                                                 \
        for (long o = 0; o < outs; o++) {                                                            \
            const T *restrict gr = g + (o * batch + n) * length;                                     \
            for (long c = 0; c < chans; c++)                                                         \
                for (long i = 0; i < kh; i++)                                                        \
                    for (long j = 0; j < kw; j++) {                                                  \
                        const T *restrict s = x + (c * batch + n) * plane + i * dh * wp + j * dw;    \
                        T acc[16] = {0};                                                             \
                        for (long q = 0; q < full; q += 16)                                          \
                            for (long l = 0; l < 16; l++) acc[l] += gr[q + l] * s[q + l];            \
                        T total = 0;                                                                 \
                        for (long q = full; q < length; q++) total += gr[q] * s[q];                  \
                        for (long l = 0; l < 16; l++) total += acc[l];                               \
                        gw[((o * chans + c) * kh + i) * kw + j] += total;                            \
                    }                                                                                \
        }                                                                                            \
}

SHALLOW(float, f32)
SHALLOW(double, f64)

/* A 3x3, stride-1 convolution computed directly, register-blocked: 8 output channels x 16
 * output columns held in 8 vector accumulators while the input channels and the 9 kernel
 * positions stream past, each input vector loaded once for 8 multiply-adds. x: padded
 * channel-major input (C, N, H + 2, W + 2); w (O, C, 3, 3); out (O, N, H, W); W a multiple of
 * 16 and O of 8 (the caller checks). ~105 GFLOP/s on one Zen 4 core against 25-90 for im2col +
 * OpenBLAS on two at ResNet's 16-64 channels. */
typedef float v16f __attribute__((vector_size(64)));

void conv3x3_f32(const float *x, const float *w, float *out, long chans, long batch, long height, long width,
                 long outs)
{
    long hp = height + 2, wp = width + 2, ws = chans * 9;
    for (long n = 0; n < batch; n++)
        for (long ob = 0; ob < outs; ob += 8)
            for (long y = 0; y < height; y++)
                for (long xb = 0; xb < width; xb += 16) {
                    v16f a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, a4 = {0}, a5 = {0}, a6 = {0}, a7 = {0};
                    for (long c = 0; c < chans; c++)
                        for (long i = 0; i < 3; i++) {
                            const float *row = x + ((c * batch + n) * hp + y + i) * wp + xb;
                            const float *wr = w + (ob * chans + c) * 9 + i * 3;
                            for (long j = 0; j < 3; j++) {
                                v16f v;
                                memcpy(&v, row + j, sizeof v);
                                a0 += v * wr[j]; a1 += v * wr[ws + j]; a2 += v * wr[2 * ws + j];
                                a3 += v * wr[3 * ws + j]; a4 += v * wr[4 * ws + j]; a5 += v * wr[5 * ws + j];
                                a6 += v * wr[6 * ws + j]; a7 += v * wr[7 * ws + j];
                            }
                        }
                    v16f acc[8] = {a0, a1, a2, a3, a4, a5, a6, a7};
                    for (long o = 0; o < 8; o++)
                        memcpy(out + (((ob + o) * batch + n) * height + y) * width + xb, &acc[o], sizeof(v16f));
                }
}
