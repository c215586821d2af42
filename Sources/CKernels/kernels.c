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
