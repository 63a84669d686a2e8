// axpy, scale, fill, bias add, tanh and bf16 casts: grid-stride loops over n elements.
#include "cuda_common.cuh"

namespace {
using a4j::grid_for;
constexpr int kThreads = 256;

__global__ void axpy_kernel(float alpha, const float* x, float* y, int64_t n) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    y[i] += alpha * x[i];
}
__global__ void scale_kernel(float alpha, float* x, int64_t n) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    x[i] *= alpha;
}
__global__ void fill_kernel(float value, float* x, int64_t n) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    x[i] = value;
}
__global__ void bias_add_kernel(const float* x, const float* bias, float* out, int64_t rows, int64_t cols) {
  int64_t n = rows * cols;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    out[i] = x[i] + bias[i % cols];
}
__global__ void tanh_forward_kernel(const float* x, float* out, int64_t n) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    out[i] = tanhf(x[i]);
}
__global__ void tanh_backward_kernel(const float* dout, const float* out, float* dx, int64_t n) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    dx[i] += dout[i] * (1.0f - out[i] * out[i]);
}
__global__ void cast_to_bf16_kernel(const float* x, uint16_t* out, int64_t n) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    out[i] = a4j_f32_to_bf16(x[i]);
}
__global__ void cast_to_f32_kernel(const uint16_t* x, float* out, int64_t n) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    out[i] = a4j_bf16_to_f32(x[i]);
}

struct DoutColumn {
  const float* dout;
  int64_t cols;
  __device__ float2 operator()(int64_t r, int64_t c) const { return make_float2(dout[r * cols + c], 0.0f); }
};
}  // namespace

extern "C" {
A4J_API int a4j_axpy(float alpha, const float* x, float* y, int64_t n, void* stream) {
  if (n <= 0) return A4J_OK;
  axpy_kernel<<<grid_for(n, kThreads), kThreads, 0, a4j::as_stream(stream)>>>(alpha, x, y, n);
  A4J_CUDA_LAUNCHED("axpy");
  return A4J_OK;
}
A4J_API int a4j_scale(float alpha, float* x, int64_t n, void* stream) {
  if (n <= 0) return A4J_OK;
  scale_kernel<<<grid_for(n, kThreads), kThreads, 0, a4j::as_stream(stream)>>>(alpha, x, n);
  A4J_CUDA_LAUNCHED("scale");
  return A4J_OK;
}
A4J_API int a4j_fill(float value, float* x, int64_t n, void* stream) {
  if (n <= 0) return A4J_OK;
  fill_kernel<<<grid_for(n, kThreads), kThreads, 0, a4j::as_stream(stream)>>>(value, x, n);
  A4J_CUDA_LAUNCHED("fill");
  return A4J_OK;
}
A4J_API int a4j_bias_add_forward(const float* x, const float* bias, float* out, int64_t rows, int64_t cols, void* stream) {
  if (rows <= 0 || cols <= 0) return A4J_OK;
  bias_add_kernel<<<grid_for(rows * cols, kThreads), kThreads, 0, a4j::as_stream(stream)>>>(x, bias, out, rows, cols);
  A4J_CUDA_LAUNCHED("bias_add");
  return A4J_OK;
}
A4J_API int a4j_bias_add_backward(const float* dout, float* dbias, int64_t rows, int64_t cols, void* stream) {
  return a4j::launch_column_sums(DoutColumn{dout, cols}, dbias, nullptr, rows, cols, a4j::as_stream(stream));
}
A4J_API int a4j_tanh_forward(const float* x, float* out, int64_t n, void* stream) {
  if (n <= 0) return A4J_OK;
  tanh_forward_kernel<<<grid_for(n, kThreads), kThreads, 0, a4j::as_stream(stream)>>>(x, out, n);
  A4J_CUDA_LAUNCHED("tanh_forward");
  return A4J_OK;
}
A4J_API int a4j_tanh_backward(const float* dout, const float* out, float* dx, int64_t n, void* stream) {
  if (n <= 0) return A4J_OK;
  tanh_backward_kernel<<<grid_for(n, kThreads), kThreads, 0, a4j::as_stream(stream)>>>(dout, out, dx, n);
  A4J_CUDA_LAUNCHED("tanh_backward");
  return A4J_OK;
}
A4J_API int a4j_cast_f32_to_bf16(const float* x, uint16_t* out, int64_t n, void* stream) {
  if (n <= 0) return A4J_OK;
  cast_to_bf16_kernel<<<grid_for(n, kThreads), kThreads, 0, a4j::as_stream(stream)>>>(x, out, n);
  A4J_CUDA_LAUNCHED("cast_f32_to_bf16");
  return A4J_OK;
}
A4J_API int a4j_cast_bf16_to_f32(const uint16_t* x, float* out, int64_t n, void* stream) {
  if (n <= 0) return A4J_OK;
  cast_to_f32_kernel<<<grid_for(n, kThreads), kThreads, 0, a4j::as_stream(stream)>>>(x, out, n);
  A4J_CUDA_LAUNCHED("cast_bf16_to_f32");
  return A4J_OK;
}
}
