// One row of LayerNorm on one thread block, forward and backward, shared by layer_norm.cu (residual + LayerNorm)
// and embedding.cu (embedding sum + LayerNorm), as cpu/layer_norm_row.h is on the CPU: both fused kernels
// normalise and differentiate with the same arithmetic (a4j_welford statistics merged over the block, population
// variance), and their dgamma/dbeta are the same column sums.
#ifndef A4J_LAYER_NORM_ROW_CUH
#define A4J_LAYER_NORM_ROW_CUH

#include "cuda_common.cuh"

namespace a4j {

// The row's mean and rstd from each thread's Welford state of its columns (merged over the block, which every
// thread joins); thread 0 stores them.
__device__ __forceinline__ float2 layer_norm_row_statistics(a4j_welford w, float eps, float* mean_out,
                                                            float* rstd_out, a4j_welford* shared32) {
  a4j_welford total = block_welford(w, shared32);
  float r = 1.0f / sqrtf(total.m2 / total.count + eps);
  if (threadIdx.x == 0) {
    *mean_out = total.mean;
    *rstd_out = r;
  }
  return make_float2(total.mean, r);
}

// out = (v - mean) * rstd * gamma + beta.
__device__ __forceinline__ float layer_norm_apply(float v, float2 statistics, float gamma, float beta) {
  return (v - statistics.x) * statistics.y * gamma + beta;
}

// With g = dout * gamma and xhat = (input - mean) * rstd, the block's sum(g) and sum(g * xhat) over one row
// (dout_row and input_row point at the row; every thread joins).
__device__ __forceinline__ float2 layer_norm_row_backward_sums(const float* dout_row, const float* input_row,
                                                               const float* gamma, float mean, float rstd,
                                                               int64_t cols, float* shared64) {
  float a = 0.0f, b = 0.0f;
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
    float g = dout_row[c] * gamma[c];
    a += g;
    b += g * (input_row[c] - mean) * rstd;
  }
  return block_sum2(a, b, shared64);
}

// d input of one column: rstd * (g - mean(g) - xhat * mean(g * xhat)), from the row's sums and 1 / cols.
__device__ __forceinline__ float layer_norm_dinput(float dout, float input, float gamma, float mean, float rstd,
                                                   float2 sums, float inv_cols) {
  float g = dout * gamma;
  float xhat = (input - mean) * rstd;
  return rstd * (g - sums.x * inv_cols - xhat * sums.y * inv_cols);
}

// dgamma/dbeta column sums of a normalised [rows, cols] input (accumulating; either may be null): in layer_norm.cu.
int layer_norm_gamma_beta_backward(const float* dout, const float* input, const float* mean, const float* rstd,
                                   float* dgamma, float* dbeta, int64_t rows, int64_t cols, cudaStream_t stream);

}  // namespace a4j

#endif
