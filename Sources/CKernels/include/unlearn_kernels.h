#ifndef UNLEARN_KERNELS_H
#define UNLEARN_KERNELS_H

#include <stddef.h>

// Element-wise optimizer updates. In C because `restrict` lets the compiler vectorise them
// (Swift cannot express that the parameter, moment and gradient buffers never alias).

/// SGD with heavy-ball momentum: v = mu*v + g; p -= lr*v.
void unlearn_sgd_update(float *restrict p, float *restrict v, const float *restrict g, size_t n, float lr, float mu);

/// Adam as in PyTorch: m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g*g; p -= step * m / (sqrt(v)/root_bc2 + eps),
/// with step = lr / (1 - b1^t) and root_bc2 = sqrt(1 - b2^t).
void unlearn_adam_update(float *restrict p, float *restrict m, float *restrict v, const float *restrict g, size_t n,
                         float step, float b1, float b2, float root_bc2, float eps);

/// Byte shuffle for the file codec: transposes `count` elements of `width` bytes into `width`
/// planes of `count` bytes (`in` and `out` hold count*width bytes; a tail is the caller's).
void unlearn_shuffle(const unsigned char *restrict in, unsigned char *restrict out, size_t count, size_t width);

/// Inverse of unlearn_shuffle.
void unlearn_unshuffle(const unsigned char *restrict in, unsigned char *restrict out, size_t count, size_t width);

#endif
