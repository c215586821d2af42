#include "unlearn_kernels.h"
#include <math.h>

void unlearn_sgd_update(float *restrict p, float *restrict v, const float *restrict g, size_t n, float lr, float mu) {
    for (size_t i = 0; i < n; i++) {
        v[i] = mu * v[i] + g[i];
        p[i] -= lr * v[i];
    }
}

void unlearn_adam_update(float *restrict p, float *restrict m, float *restrict v, const float *restrict g, size_t n,
                         float step, float b1, float b2, float root_bc2, float eps) {
    const float c1 = 1.0f - b1, c2 = 1.0f - b2;
    // One division per element instead of two: multiply by 1/sqrt(1 - b2^t) (differs from
    // PyTorch's division by at most one rounding).
    const float inv_root_bc2 = 1.0f / root_bc2;
    for (size_t i = 0; i < n; i++) {
        const float gi = g[i];
        m[i] = b1 * m[i] + c1 * gi;
        v[i] = b2 * v[i] + c2 * gi * gi;
        p[i] -= step * m[i] / (sqrtf(v[i]) * inv_root_bc2 + eps);
    }
}

void unlearn_shuffle(const unsigned char *restrict in, unsigned char *restrict out, size_t count, size_t width) {
    if (width == 4) {  // the common case (fp32): fixed stride lets the compiler unroll and vectorise
        for (size_t i = 0; i < count; i++) {
            out[i] = in[4 * i];
            out[count + i] = in[4 * i + 1];
            out[2 * count + i] = in[4 * i + 2];
            out[3 * count + i] = in[4 * i + 3];
        }
        return;
    }
    for (size_t byte = 0; byte < width; byte++)
        for (size_t i = 0; i < count; i++) out[byte * count + i] = in[i * width + byte];
}

void unlearn_unshuffle(const unsigned char *restrict in, unsigned char *restrict out, size_t count, size_t width) {
    if (width == 4) {
        for (size_t i = 0; i < count; i++) {
            out[4 * i] = in[i];
            out[4 * i + 1] = in[count + i];
            out[4 * i + 2] = in[2 * count + i];
            out[4 * i + 3] = in[3 * count + i];
        }
        return;
    }
    for (size_t byte = 0; byte < width; byte++)
        for (size_t i = 0; i < count; i++) out[i * width + byte] = in[byte * count + i];
}
