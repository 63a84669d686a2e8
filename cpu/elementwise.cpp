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
#pragma omp parallel for simd num_threads(a4j::num_threads()) if (n > kParallelThreshold) schedule(static)
  for (int64_t i = 0; i < n; i++) y[i] += alpha * x[i];
}

A4J_CLONES void tanh_forward_kernel(const float* __restrict x, float* __restrict out, int64_t n) {
#pragma omp parallel for num_threads(a4j::num_threads()) if (n > kParallelThreshold / 8) schedule(static)
  for (int64_t i = 0; i < n; i++) out[i] = std::tanh(x[i]);
}

A4J_CLONES void bias_add_forward_kernel(const float* x, const float* __restrict bias, float* out, int64_t rows,
                                       int64_t cols) {
#pragma omp parallel for num_threads(a4j::num_threads()) if (rows * cols > kParallelThreshold) schedule(static)
  for (int64_t r = 0; r < rows; r++) {
    const float* x_row = x + r * cols;
    float* out_row = out + r * cols;
#pragma omp simd
    for (int64_t c = 0; c < cols; c++) out_row[c] = x_row[c] + bias[c];
  }
}

// Column sums: each thread owns a band of columns and walks all rows, so no two threads write one dbias entry.
A4J_CLONES void bias_add_backward_kernel(const float* __restrict dout, float* __restrict dbias, int64_t rows,
                                        int64_t cols) {
  constexpr int64_t kBand = 64;
#pragma omp parallel for num_threads(a4j::num_threads()) if (rows * cols > kParallelThreshold) schedule(static)
  for (int64_t c0 = 0; c0 < cols; c0 += kBand) {
    const int64_t width = cols - c0 < kBand ? cols - c0 : kBand;
    float sums[kBand] = {};
    for (int64_t r = 0; r < rows; r++) {
      const float* row = dout + r * cols + c0;
#pragma omp simd
      for (int64_t c = 0; c < width; c++) sums[c] += row[c];
    }
    for (int64_t c = 0; c < width; c++) dbias[c0 + c] += sums[c];
  }
}

// bf16 is the top half of an f32; rounding adds 0x7FFF plus the lowest kept bit (ties to even). NaNs stay NaN
// (quiet bit set) instead of rounding up into infinity.
inline uint16_t f32_to_bf16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<uint16_t>((bits >> 16) | 0x0040u);
  bits += 0x7FFFu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(bits >> 16);
}

A4J_CLONES void cast_f32_to_bf16_kernel(const float* __restrict x, uint16_t* __restrict out, int64_t n) {
#pragma omp parallel for simd num_threads(a4j::num_threads()) if (n > kParallelThreshold) schedule(static)
  for (int64_t i = 0; i < n; i++) out[i] = f32_to_bf16(x[i]);
}

A4J_CLONES void cast_bf16_to_f32_kernel(const uint16_t* __restrict x, float* __restrict out, int64_t n) {
#pragma omp parallel for simd num_threads(a4j::num_threads()) if (n > kParallelThreshold) schedule(static)
  for (int64_t i = 0; i < n; i++) {
    const uint32_t bits = static_cast<uint32_t>(x[i]) << 16;
    float value;
    std::memcpy(&value, &bits, sizeof value);
    out[i] = value;
  }
}

A4J_CLONES void tanh_backward_kernel(const float* __restrict dout, const float* __restrict out, float* __restrict dx,
                                     int64_t n) {
#pragma omp parallel for simd num_threads(a4j::num_threads()) if (n > kParallelThreshold) schedule(static)
  for (int64_t i = 0; i < n; i++) dx[i] += dout[i] * (1.0f - out[i] * out[i]);
}
}  // namespace

extern "C" {
A4J_API int a4j_axpy(float alpha, const float* x, float* y, int64_t n, void* stream) {
  axpy_kernel(alpha, x, y, n);
  return A4J_OK;
}

A4J_API int a4j_scale(float alpha, float* x, int64_t n, void* stream) {
#pragma omp parallel for simd num_threads(a4j::num_threads()) if (n > kParallelThreshold) schedule(static)
  for (int64_t i = 0; i < n; i++) x[i] *= alpha;
  return A4J_OK;
}

A4J_API int a4j_fill(float value, float* x, int64_t n, void* stream) {
#pragma omp parallel for simd num_threads(a4j::num_threads()) if (n > kParallelThreshold) schedule(static)
  for (int64_t i = 0; i < n; i++) x[i] = value;
  return A4J_OK;
}

A4J_API int a4j_bias_add_forward(const float* x, const float* bias, float* out, int64_t rows, int64_t cols,
                                 void* stream) {
  bias_add_forward_kernel(x, bias, out, rows, cols);
  return A4J_OK;
}

A4J_API int a4j_bias_add_backward(const float* dout, float* dbias, int64_t rows, int64_t cols, void* stream) {
  bias_add_backward_kernel(dout, dbias, rows, cols);
  return A4J_OK;
}

A4J_API int a4j_cast_f32_to_bf16(const float* x, uint16_t* out, int64_t n, void* stream) {
  cast_f32_to_bf16_kernel(x, out, n);
  return A4J_OK;
}

A4J_API int a4j_cast_bf16_to_f32(const uint16_t* x, float* out, int64_t n, void* stream) {
  cast_bf16_to_f32_kernel(x, out, n);
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
