// (Residual add +) LayerNorm over the last dimension: one block per row, Welford statistics merged over the
// block (a4j_math.h), float or bf16 input. Backward: one block per row for dinput, a column-sum kernel for
// dgamma/dbeta (both accumulate).
#include "layer_norm_row.cuh"

namespace {
constexpr int kThreads = 128;

template <typename TX>
__global__ void layer_norm_forward_kernel(const TX* x, const float* residual, const float* gamma, const float* beta,
                                          float* out, uint16_t* out_bf16, float* sum, float* mean, float* rstd,
                                          int64_t cols, float eps) {
  __shared__ a4j_welford shared[32];
  int64_t row = blockIdx.x;
  const int64_t base = row * cols;
  a4j_welford w = {0.0f, 0.0f, 0.0f};
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
    float v = a4j::load(x, base + c) + (residual != nullptr ? residual[base + c] : 0.0f);
    if (sum != nullptr) sum[base + c] = v;
    a4j_welford_add(&w, v);
  }
  float2 statistics = a4j::layer_norm_row_statistics(w, eps, mean + row, rstd + row, shared);
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
    // Re-read the input this thread produced (or read) above: no other thread touched it.
    float v = sum != nullptr ? sum[base + c] : a4j::load(x, base + c) + (residual != nullptr ? residual[base + c] : 0.0f);
    float y = a4j::layer_norm_apply(v, statistics, gamma[c], beta[c]);
    if (out != nullptr) out[base + c] = y;
    if (out_bf16 != nullptr) out_bf16[base + c] = a4j_f32_to_bf16(y);
  }
}

__global__ void layer_norm_dinput_kernel(const float* dout, const float* input, const float* mean, const float* rstd,
                                         const float* gamma, float* dinput, int64_t cols) {
  __shared__ float shared[64];
  int64_t row = blockIdx.x;
  const int64_t base = row * cols;
  float mu = mean[row], r = rstd[row];
  float2 sums = a4j::layer_norm_row_backward_sums(dout + base, input + base, gamma, mu, r, cols, shared);
  float inv = 1.0f / static_cast<float>(cols);
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
    dinput[base + c] += a4j::layer_norm_dinput(dout[base + c], input[base + c], gamma[c], mu, r, sums, inv);
  }
}

struct GammaBetaGrad {
  const float* dout;
  const float* input;
  const float* mean;
  const float* rstd;
  int64_t cols;
  __device__ float2 operator()(int64_t r, int64_t c) const {
    float d = dout[r * cols + c];
    return make_float2(d * (input[r * cols + c] - mean[r]) * rstd[r], d);
  }
};

template <typename TX>
int forward(const TX* x, const float* residual, const float* gamma, const float* beta, float* out, uint16_t* out_bf16,
            float* sum, float* mean, float* rstd, int64_t rows, int64_t cols, float eps, void* stream) {
  if (rows <= 0 || cols <= 0) return A4J_OK;
  layer_norm_forward_kernel<TX><<<static_cast<unsigned>(rows), kThreads, 0, a4j::as_stream(stream)>>>(
      x, residual, gamma, beta, out, out_bf16, sum, mean, rstd, cols, eps);
  A4J_CUDA_LAUNCHED("layer_norm_forward");
  return A4J_OK;
}
}  // namespace

namespace a4j {
// Declared in layer_norm_row.cuh: embedding.cu's dgamma/dbeta are these column sums too.
int layer_norm_gamma_beta_backward(const float* dout, const float* input, const float* mean, const float* rstd,
                                   float* dgamma, float* dbeta, int64_t rows, int64_t cols, cudaStream_t stream) {
  return launch_column_sums(GammaBetaGrad{dout, input, mean, rstd, cols}, dgamma, dbeta, rows, cols, stream);
}
}  // namespace a4j

extern "C" {
A4J_API int a4j_layer_norm_forward(const float* x, const float* residual, const float* gamma, const float* beta,
                                   float* out, float* sum, float* mean, float* rstd, int64_t rows, int64_t cols,
                                   float eps, void* stream) {
  return forward(x, residual, gamma, beta, out, nullptr, sum, mean, rstd, rows, cols, eps, stream);
}
A4J_API int a4j_layer_norm_forward_bf16(const uint16_t* x, const float* residual, const float* gamma,
                                        const float* beta, float* out, uint16_t* out_bf16, float* sum, float* mean,
                                        float* rstd, int64_t rows, int64_t cols, float eps, void* stream) {
  return forward(x, residual, gamma, beta, out, out_bf16, sum, mean, rstd, rows, cols, eps, stream);
}
A4J_API int a4j_layer_norm_backward(const float* dout, const float* input, const float* mean, const float* rstd,
                                    const float* gamma, float* dinput, float* dgamma, float* dbeta, int64_t rows,
                                    int64_t cols, int32_t accumulate, void* stream) {
  if (rows <= 0 || cols <= 0) return A4J_OK;
  cudaStream_t s = a4j::as_stream(stream);
  if (dinput != nullptr) {
    if (!accumulate) {
      if (int status = a4j::zero_rows(dinput, rows, cols, cols, s)) return status;
    }
    layer_norm_dinput_kernel<<<static_cast<unsigned>(rows), kThreads, 0, s>>>(dout, input, mean, rstd, gamma, dinput, cols);
    A4J_CUDA_LAUNCHED("layer_norm_backward");
  }
  return a4j::layer_norm_gamma_beta_backward(dout, input, mean, rstd, dgamma, dbeta, rows, cols, s);
}
}
