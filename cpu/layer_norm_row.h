// One row of LayerNorm, forward and backward, shared by layer_norm.cpp (residual + LayerNorm) and embedding.cpp
// (embedding sum + LayerNorm) so both fused kernels normalise with the same arithmetic (a4j_welford statistics).
#ifndef A4J_LAYER_NORM_ROW_H
#define A4J_LAYER_NORM_ROW_H

#include <cmath>
#include <cstdint>

#include "a4j_math.h"
#include "cpu_common.h"

namespace a4j {

// Welford statistics of v[0..n) kept in 16 independent lanes (element i goes to lane i % 16), merged at the end:
// the lanes vectorise, and merging partial states is how the CUDA kernel combines its threads.
A4J_CLONES static a4j_welford row_statistics(const float* __restrict v, int64_t n) {
  constexpr int kLanes = 16;
  float mean[kLanes] = {};
  float m2[kLanes] = {};
  const int64_t full = n / kLanes * kLanes;
  float count = 0.0f;
  for (int64_t i = 0; i < full; i += kLanes) {
    count += 1.0f;
    const float inv = 1.0f / count;
    // a4j_welford_add with the lane's count shared: every lane has seen the same number of elements.
    for (int l = 0; l < kLanes; l++) {
      float delta = v[i + l] - mean[l];
      mean[l] += delta * inv;
      m2[l] += delta * (v[i + l] - mean[l]);
    }
  }
  a4j_welford total = {0.0f, 0.0f, 0.0f};
  if (full > 0) {
    for (int l = 0; l < kLanes; l++) a4j_welford_merge(&total, a4j_welford{mean[l], m2[l], count});
  }
  a4j_welford tail = {0.0f, 0.0f, 0.0f};
  for (int64_t i = full; i < n; i++) a4j_welford_add(&tail, v[i]);
  a4j_welford_merge(&total, tail);
  return total;
}

// out = (input - mean) * rstd * gamma + beta with population variance; stores mean and rstd.
A4J_CLONES static void layer_norm_row_forward(const float* __restrict input, const float* __restrict gamma,
                                              const float* __restrict beta, float* __restrict out, int64_t cols,
                                              float eps, float* mean_out, float* rstd_out) {
  a4j_welford w = row_statistics(input, cols);
  const float mean = w.mean;
  const float rstd = 1.0f / std::sqrt(w.m2 / w.count + eps);
  for (int64_t c = 0; c < cols; c++) out[c] = (input[c] - mean) * rstd * gamma[c] + beta[c];
  *mean_out = mean;
  *rstd_out = rstd;
}

// With xhat = (input - mean) * rstd and g = dout * gamma:
//   dinput += rstd * (g - mean(g) - xhat * mean(g * xhat))  (= when !accumulate);  dgamma += dout * xhat;
//   dbeta += dout.  Any of dinput, dgamma, dbeta may be null.
A4J_CLONES static void layer_norm_row_backward(const float* __restrict dout, const float* __restrict input,
                                               float mean, float rstd, const float* __restrict gamma,
                                               float* __restrict dinput, float* __restrict dgamma,
                                               float* __restrict dbeta, int64_t cols, bool accumulate = true) {
  if (dinput != nullptr) {
    float sum_g = 0.0f;
    float sum_gx = 0.0f;
    // Vector partial sums (as softmax_xent's row sums): one running sum each kept the loop scalar, bound to the
    // latency of its adds (the demo model's step, AVX2-only build: LayerNorm backward 0.32 -> 0.25 ms, the
    // embeddings' 0.23 -> 0.18 ms).
#pragma omp simd reduction(+ : sum_g, sum_gx)
    for (int64_t c = 0; c < cols; c++) {
      const float g = dout[c] * gamma[c];
      sum_g += g;
      sum_gx += g * (input[c] - mean) * rstd;
    }
    const float mean_g = sum_g / static_cast<float>(cols);
    const float mean_gx = sum_gx / static_cast<float>(cols);
    if (accumulate) {
      for (int64_t c = 0; c < cols; c++) {
        float xhat = (input[c] - mean) * rstd;
        dinput[c] += rstd * (dout[c] * gamma[c] - mean_g - xhat * mean_gx);
      }
    } else {
      for (int64_t c = 0; c < cols; c++) {
        float xhat = (input[c] - mean) * rstd;
        dinput[c] = rstd * (dout[c] * gamma[c] - mean_g - xhat * mean_gx);
      }
    }
  }
  if (dgamma != nullptr) {
    for (int64_t c = 0; c < cols; c++) dgamma[c] += dout[c] * (input[c] - mean) * rstd;
  }
  if (dbeta != nullptr) {
    for (int64_t c = 0; c < cols; c++) dbeta[c] += dout[c];
  }
}

}  // namespace a4j

#endif
