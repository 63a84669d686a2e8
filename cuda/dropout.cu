// Inverted dropout with the stateless counter RNG of a4j_math.h: element i is kept iff
// a4j_uniform(seed, offset + i) >= p, on any device, in forward and backward; no mask is stored.
#include "cuda_common.cuh"

namespace {
constexpr int kThreads = 256;

template <typename T>
__global__ void dropout_forward_kernel(const T* x, T* out, int64_t n, float p, uint64_t seed, uint64_t offset) {
  float keep_scale = 1.0f / (1.0f - p);
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    bool keep = a4j_uniform(seed, offset + static_cast<uint64_t>(i)) >= p;
    a4j::store(out, i, keep ? a4j::load(x, i) * keep_scale : 0.0f);
  }
}

__global__ void dropout_backward_kernel(const float* dout, float* dx, int64_t n, float p, uint64_t seed, uint64_t offset) {
  float keep_scale = 1.0f / (1.0f - p);
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    if (a4j_uniform(seed, offset + static_cast<uint64_t>(i)) >= p) dx[i] += dout[i] * keep_scale;
  }
}

template <typename T>
int forward(const T* x, T* out, int64_t n, float p, uint64_t seed, uint64_t offset, void* stream) {
  if (!(p >= 0.0f && p < 1.0f)) return a4j::set_error(A4J_ERR_INVALID_ARGUMENT, "dropout: p must be in [0, 1)");
  if (n <= 0) return A4J_OK;
  dropout_forward_kernel<T><<<a4j::grid_for(n, kThreads), kThreads, 0, a4j::as_stream(stream)>>>(x, out, n, p, seed, offset);
  A4J_CUDA_LAUNCHED("dropout_forward");
  return A4J_OK;
}
}  // namespace

extern "C" {
A4J_API int a4j_dropout_forward(const float* x, float* out, int64_t n, float p, uint64_t seed, uint64_t offset,
                                void* stream) {
  return forward(x, out, n, p, seed, offset, stream);
}
A4J_API int a4j_dropout_forward_bf16(const uint16_t* x, uint16_t* out, int64_t n, float p, uint64_t seed,
                                     uint64_t offset, void* stream) {
  return forward(x, out, n, p, seed, offset, stream);
}
A4J_API int a4j_dropout_backward(const float* dout, float* dx, int64_t n, float p, uint64_t seed, uint64_t offset,
                                 void* stream) {
  if (!(p >= 0.0f && p < 1.0f)) return a4j::set_error(A4J_ERR_INVALID_ARGUMENT, "dropout_backward: p must be in [0, 1)");
  if (n <= 0) return A4J_OK;
  dropout_backward_kernel<<<a4j::grid_for(n, kThreads), kThreads, 0, a4j::as_stream(stream)>>>(dout, dx, n, p, seed, offset);
  A4J_CUDA_LAUNCHED("dropout_backward");
  return A4J_OK;
}
}
