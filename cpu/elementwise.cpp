// Element-wise kernels too small to deserve a file each: axpy, scale, fill, bias add, tanh, bf16 casts.
// Each is one memory pass; OpenMP splits the index range when it is large enough to pay for the threads.
#include <cmath>
#include <cstring>

#include "a4j_math.h"
#include "albert4j.h"
#include "cpu_common.h"

namespace {
// Below this many elements a parallel region costs more than it saves.
constexpr int64_t kParallelThreshold = 1 << 15;

A4J_CLONES void axpy_kernel(float alpha, const float* __restrict x, float* __restrict y, int64_t n) {
#pragma omp parallel for simd if (n > kParallelThreshold) schedule(static)
  for (int64_t i = 0; i < n; i++) y[i] += alpha * x[i];
}

A4J_CLONES void tanh_forward_kernel(const float* __restrict x, float* __restrict out, int64_t n) {
#pragma omp parallel for if (n > kParallelThreshold / 8) schedule(static)
  for (int64_t i = 0; i < n; i++) out[i] = std::tanh(x[i]);
}

A4J_CLONES void tanh_backward_kernel(const float* __restrict dout, const float* __restrict out, float* __restrict dx,
                                     int64_t n) {
#pragma omp parallel for simd if (n > kParallelThreshold) schedule(static)
  for (int64_t i = 0; i < n; i++) dx[i] += dout[i] * (1.0f - out[i] * out[i]);
}
}  // namespace

extern "C" {
A4J_API int a4j_axpy(float alpha, const float* x, float* y, int64_t n, void* stream) {
  axpy_kernel(alpha, x, y, n);
  return A4J_OK;
}

A4J_API int a4j_scale(float alpha, float* x, int64_t n, void* stream) {
#pragma omp parallel for simd if (n > kParallelThreshold) schedule(static)
  for (int64_t i = 0; i < n; i++) x[i] *= alpha;
  return A4J_OK;
}

A4J_API int a4j_fill(float value, float* x, int64_t n, void* stream) {
#pragma omp parallel for simd if (n > kParallelThreshold) schedule(static)
  for (int64_t i = 0; i < n; i++) x[i] = value;
  return A4J_OK;
}

A4J_API int a4j_tanh_forward(const float* x, float* out, int64_t n, void* stream) {
  tanh_forward_kernel(x, out, n);
  return A4J_OK;
}

A4J_API int a4j_tanh_backward(const float* dout, const float* out, float* dx, int64_t n, void* stream) {
  tanh_backward_kernel(dout, out, dx, n);
  return A4J_OK;
}
}
