// Sum and sum of squares over a tensor, accumulated in double (like the CPU) through a per-stream scratch
// cell, then written as float: out[0] = sum(x), out[0] += sum(x^2).
#include "cuda_common.cuh"

namespace {
constexpr int kThreads = 256;

template <bool Square>
__global__ void partial_sum_kernel(const float* x, int64_t n, double* total) {
  __shared__ double shared[32];
  double acc = 0.0;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    double v = x[i];
    acc += Square ? v * v : v;
  }
  acc = a4j::warp_sum_d(acc);
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  if (lane == 0) shared[warp] = acc;
  __syncthreads();
  if (threadIdx.x == 0) {
    double block = 0.0;
    for (int i = 0; i < static_cast<int>(blockDim.x >> 5); ++i) block += shared[i];
    atomicAdd(total, block);
  }
}

__global__ void write_total_kernel(const double* total, float* out, bool accumulate) {
  out[0] = accumulate ? static_cast<float>(static_cast<double>(out[0]) + total[0]) : static_cast<float>(total[0]);
}

__global__ void sum_backward_kernel(const float* dout, float* dx, int64_t n, float scale) {
  float g = dout[0] * scale;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    dx[i] += g;
}

// The tensors xs[i] (sizes[i] elements) into one double cell, one partial-sum launch each, then one float rounding:
// out[0] = total, or out[0] += total.
template <bool Square>
int reduce(int count, const float* const* xs, const int64_t* sizes, float* out, bool accumulate, void* stream) {
  if (count < 0) return a4j::set_error(A4J_ERR_INVALID_ARGUMENT, "negative tensor count");
  cudaStream_t s = a4j::as_stream(stream);
  void* scratch = nullptr;
  int status = a4j::stream_scratch(s, sizeof(double), &scratch);
  if (status != A4J_OK) return status;
  double* total = static_cast<double*>(scratch);
  A4J_CUDA_CHECK(cudaMemsetAsync(total, 0, sizeof(double), s));
  for (int i = 0; i < count; i++) {
    if (sizes[i] < 0) return a4j::set_error(A4J_ERR_INVALID_ARGUMENT, "negative tensor size");
    if (sizes[i] == 0) continue;
    partial_sum_kernel<Square><<<a4j::grid_for(sizes[i], kThreads, 1024), kThreads, 0, s>>>(xs[i], sizes[i], total);
    A4J_CUDA_LAUNCHED("sum");
  }
  write_total_kernel<<<1, 1, 0, s>>>(total, out, accumulate);
  A4J_CUDA_LAUNCHED("sum");
  return A4J_OK;
}
}  // namespace

extern "C" {
A4J_API int a4j_sum_forward(const float* x, float* out, int64_t n, void* stream) {
  return reduce<false>(1, &x, &n, out, false, stream);
}
A4J_API int a4j_sum_squares(const float* x, float* out, int64_t n, void* stream) {
  return reduce<true>(1, &x, &n, out, true, stream);
}
A4J_API int a4j_sum_squares_multi(int count, const float* const* xs, const int64_t* sizes, float* out, void* stream) {
  return reduce<true>(count, xs, sizes, out, true, stream);
}
A4J_API int a4j_sum_backward(const float* dout, float* dx, int64_t n, float scale, void* stream) {
  if (n <= 0) return A4J_OK;
  sum_backward_kernel<<<a4j::grid_for(n, kThreads), kThreads, 0, a4j::as_stream(stream)>>>(dout, dx, n, scale);
  A4J_CUDA_LAUNCHED("sum_backward");
  return A4J_OK;
}
}
