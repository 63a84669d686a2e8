// Fused bias + activation (GELU erf/tanh, ReLU, identity), float and bf16 activations. The backward pass
// recomputes act'(x + bias) from x instead of storing it, and sums dbias over rows in the same kernel.
#include "cuda_common.cuh"

namespace {
constexpr int kThreads = 256;

template <typename T>
__global__ void bias_gelu_forward_kernel(const T* x, const float* bias, T* out, int64_t rows, int64_t cols, int act) {
  int64_t n = rows * cols;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    float z = a4j::load(x, i) + (bias != nullptr ? bias[i % cols] : 0.0f);
    a4j::store(out, i, a4j_activate(act, z));
  }
}

// g = dout * act'(x + bias); dx += g (when dx != NULL); the column sums of g go to dbias.
template <typename T>
struct BiasGeluGrad {
  const T* dout;
  const T* x;
  const float* bias;
  float* dx;
  int64_t cols;
  int act;
  __device__ float2 operator()(int64_t r, int64_t c) const {
    int64_t i = r * cols + c;
    float z = a4j::load(x, i) + (bias != nullptr ? bias[c] : 0.0f);
    float g = a4j::load(dout, i) * a4j_activate_grad(act, z);
    if (dx != nullptr) dx[i] += g;
    return make_float2(g, 0.0f);
  }
};

template <typename T>
__global__ void bias_gelu_dx_kernel(BiasGeluGrad<T> grad, int64_t rows) {
  int64_t n = rows * grad.cols;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    grad(i / grad.cols, i % grad.cols);
}

template <typename T>
int forward(const T* x, const float* bias, T* out, int64_t rows, int64_t cols, int act, void* stream) {
  if (act < 0 || act > 3) return a4j::set_error(A4J_ERR_INVALID_ARGUMENT, "bias_gelu: unknown activation code");
  if (rows <= 0 || cols <= 0) return A4J_OK;
  bias_gelu_forward_kernel<T><<<a4j::grid_for(rows * cols, kThreads), kThreads, 0, a4j::as_stream(stream)>>>(
      x, bias, out, rows, cols, act);
  A4J_CUDA_LAUNCHED("bias_gelu_forward");
  return A4J_OK;
}

template <typename T>
int backward(const T* dout, const T* x, const float* bias, float* dx, float* dbias, int64_t rows, int64_t cols, int act,
             void* stream) {
  if (act < 0 || act > 3) return a4j::set_error(A4J_ERR_INVALID_ARGUMENT, "bias_gelu_backward: unknown activation code");
  if (rows <= 0 || cols <= 0) return A4J_OK;
  BiasGeluGrad<T> grad{dout, x, bias, dx, cols, act};
  if (dbias != nullptr) return a4j::launch_column_sums(grad, dbias, nullptr, rows, cols, a4j::as_stream(stream));
  if (dx == nullptr) return A4J_OK;
  bias_gelu_dx_kernel<T><<<a4j::grid_for(rows * cols, kThreads), kThreads, 0, a4j::as_stream(stream)>>>(grad, rows);
  A4J_CUDA_LAUNCHED("bias_gelu_backward");
  return A4J_OK;
}
}  // namespace

extern "C" {
A4J_API int a4j_bias_gelu_forward(const float* x, const float* bias, float* out, int64_t rows, int64_t cols,
                                  int activation, void* stream) {
  return forward(x, bias, out, rows, cols, activation, stream);
}
A4J_API int a4j_bias_gelu_backward(const float* dout, const float* x, const float* bias, float* dx, float* dbias,
                                   int64_t rows, int64_t cols, int activation, int32_t accumulate, void* stream) {
  if (!accumulate && dx != nullptr) {
    if (int status = a4j::zero_rows(dx, rows, cols, cols, a4j::as_stream(stream))) return status;
  }
  return backward(dout, x, bias, dx, dbias, rows, cols, activation, stream);
}
A4J_API int a4j_bias_gelu_forward_bf16(const uint16_t* x, const float* bias, uint16_t* out, int64_t rows,
                                       int64_t cols, int activation, void* stream) {
  return forward(x, bias, out, rows, cols, activation, stream);
}
A4J_API int a4j_bias_gelu_backward_bf16(const uint16_t* dout, const uint16_t* x, const float* bias, float* dx,
                                        float* dbias, int64_t rows, int64_t cols, int activation, int32_t accumulate,
                                        void* stream) {
  if (!accumulate && dx != nullptr) {
    if (int status = a4j::zero_rows(dx, rows, cols, cols, a4j::as_stream(stream))) return status;
  }
  return backward(dout, x, bias, dx, dbias, rows, cols, activation, stream);
}
}
