// Helpers shared by the CUDA kernels: the checked-call macro, launch geometry, bf16/f32 loads and stores,
// block reductions and the per-stream scratch buffer.
#ifndef A4J_CUDA_COMMON_CUH
#define A4J_CUDA_COMMON_CUH

#include <cuda_runtime.h>
#include <stdint.h>

#include "a4j_math.h"
#include "albert4j.h"
#include "albert4j_cuda.h"

namespace a4j {
// Stores `message` (thread-local) for a4j_last_error() and returns `status`.
int set_error(int status, const char* message);
// Formats "<what> at file:line: <cuda error string>" and maps out-of-memory to A4J_ERR_OUT_OF_MEMORY.
int cuda_error(cudaError_t error, const char* what, const char* file, int line);
// A per-stream device scratch buffer of at least `bytes` (reused by later kernels on the same stream; never
// shared between streams, so stream order makes reuse safe).
int stream_scratch(cudaStream_t stream, int64_t bytes, void** out);

inline cudaStream_t as_stream(void* stream) { return static_cast<cudaStream_t>(stream); }

inline unsigned grid_for(int64_t n, int threads, int64_t max_blocks = 65535LL * 16) {
  int64_t blocks = (n + threads - 1) / threads;
  if (blocks < 1) blocks = 1;
  if (blocks > max_blocks) blocks = max_blocks;
  return static_cast<unsigned>(blocks);
}

// Element access for the two activation types: float and bf16 (uint16_t bit pattern, round to nearest even
// with the same helper the CPU uses).
__device__ __forceinline__ float load(const float* p, int64_t i) { return p[i]; }
__device__ __forceinline__ float load(const uint16_t* p, int64_t i) { return a4j_bf16_to_f32(p[i]); }
__device__ __forceinline__ void store(float* p, int64_t i, float x) { p[i] = x; }
__device__ __forceinline__ void store(uint16_t* p, int64_t i, float x) { p[i] = a4j_f32_to_bf16(x); }

__device__ __forceinline__ float warp_sum(float x) {
  for (int o = 16; o > 0; o >>= 1) x += __shfl_xor_sync(0xffffffffu, x, o);
  return x;
}
__device__ __forceinline__ float warp_max(float x) {
  for (int o = 16; o > 0; o >>= 1) x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, o));
  return x;
}
// Sum over the block (blockDim.x a multiple of 32, <= 1024); every thread gets the result.
__device__ __forceinline__ float block_sum(float x, float* shared32) {
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  x = warp_sum(x);
  __syncthreads();
  if (lane == 0) shared32[warp] = x;
  __syncthreads();
  float r = lane < warps ? shared32[lane] : 0.0f;
  r = warp_sum(r);
  return r;
}
__device__ __forceinline__ double warp_sum_d(double x) {
  for (int o = 16; o > 0; o >>= 1) x += __shfl_xor_sync(0xffffffffu, x, o);
  return x;
}
}  // namespace a4j

// One checked-call macro for every CUDA runtime call: returns the mapped status from the enclosing function.
#define A4J_CUDA_CHECK(call)                                                        \
  do {                                                                              \
    cudaError_t a4j_err_ = (call);                                                  \
    if (a4j_err_ != cudaSuccess) return a4j::cuda_error(a4j_err_, #call, __FILE__, __LINE__); \
  } while (0)
// After a kernel launch: configuration errors surface here (execution errors at the next synchronisation).
#define A4J_CUDA_LAUNCHED(name) A4J_CUDA_CHECK(cudaGetLastError())

#endif

namespace a4j {
// Zeroes `rows` runs of `cols` floats, `stride` floats apart, so that a kernel that accumulates serves a caller that
// asked for an overwrite (`accumulate` 0 in albert4j.h), whose buffer may hold anything. The CPU kernels overwrite
// in place (zeroing was 5% of the demo model's step there); on the GPU a memset is cheap beside the kernel.
inline int zero_rows(float* p, int64_t rows, int64_t cols, int64_t stride, cudaStream_t stream) {
  if (rows <= 0 || cols <= 0) return A4J_OK;
  A4J_CUDA_CHECK(cudaMemset2DAsync(p, static_cast<size_t>(stride) * sizeof(float), 0,
                                   static_cast<size_t>(cols) * sizeof(float), static_cast<size_t>(rows), stream));
  return A4J_OK;
}

// Column sums of an implicit [rows, cols] matrix whose entries a functor computes (two sums at once, e.g.
// dgamma and dbeta): out0[c] += sum_r f(r, c).x, out1[c] += sum_r f(r, c).y (either output may be NULL).
// A block covers 32 columns (one coalesced warp per row) and a slice of rows; slices meet by atomicAdd.
constexpr int kColumnThreadsX = 32, kColumnThreadsY = 8;

template <class F>
__global__ void column_sums_kernel(F f, float* out0, float* out1, int64_t rows, int64_t cols) {
  __shared__ float s0[kColumnThreadsY][kColumnThreadsX + 1];
  __shared__ float s1[kColumnThreadsY][kColumnThreadsX + 1];
  int64_t c = static_cast<int64_t>(blockIdx.x) * kColumnThreadsX + threadIdx.x;
  float a0 = 0.0f, a1 = 0.0f;
  if (c < cols) {
    for (int64_t r = static_cast<int64_t>(blockIdx.y) * kColumnThreadsY + threadIdx.y; r < rows;
         r += static_cast<int64_t>(gridDim.y) * kColumnThreadsY) {
      float2 v = f(r, c);
      a0 += v.x;
      a1 += v.y;
    }
  }
  s0[threadIdx.y][threadIdx.x] = a0;
  s1[threadIdx.y][threadIdx.x] = a1;
  __syncthreads();
  if (threadIdx.y == 0 && c < cols) {
    for (int y = 1; y < kColumnThreadsY; ++y) {
      a0 += s0[y][threadIdx.x];
      a1 += s1[y][threadIdx.x];
    }
    if (out0 != nullptr) atomicAdd(out0 + c, a0);
    if (out1 != nullptr) atomicAdd(out1 + c, a1);
  }
}

template <class F>
inline int launch_column_sums(F f, float* out0, float* out1, int64_t rows, int64_t cols, cudaStream_t stream) {
  if (rows <= 0 || cols <= 0 || (out0 == nullptr && out1 == nullptr)) return A4J_OK;
  int64_t row_blocks = (rows + kColumnThreadsY - 1) / kColumnThreadsY;
  dim3 grid(static_cast<unsigned>((cols + kColumnThreadsX - 1) / kColumnThreadsX),
            static_cast<unsigned>(row_blocks < 64 ? row_blocks : 64));
  column_sums_kernel<<<grid, dim3(kColumnThreadsX, kColumnThreadsY), 0, stream>>>(f, out0, out1, rows, cols);
  A4J_CUDA_LAUNCHED("column_sums");
  return A4J_OK;
}
}  // namespace a4j

namespace a4j {
// Merges every thread's Welford state over the block (blockDim.x a multiple of 32, <= 1024); every thread
// gets the merged state. Uses a4j_welford_merge, the same arithmetic as the CPU LayerNorm.
__device__ __forceinline__ a4j_welford block_welford(a4j_welford w, a4j_welford* shared32) {
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  for (int o = 16; o > 0; o >>= 1) {
    a4j_welford other;
    other.mean = __shfl_down_sync(0xffffffffu, w.mean, o);
    other.m2 = __shfl_down_sync(0xffffffffu, w.m2, o);
    other.count = __shfl_down_sync(0xffffffffu, w.count, o);
    if (lane + o < 32) a4j_welford_merge(&w, other);
  }
  __syncthreads();
  if (lane == 0) shared32[warp] = w;
  __syncthreads();
  if (threadIdx.x == 0) {
    a4j_welford total = shared32[0];
    for (int i = 1; i < warps; ++i) a4j_welford_merge(&total, shared32[i]);
    shared32[0] = total;
  }
  __syncthreads();
  return shared32[0];
}

// Two sums over the block at once (LayerNorm backward needs sum(g) and sum(g*xhat) of a row); every thread
// gets both.
__device__ __forceinline__ float2 block_sum2(float a, float b, float* shared64) {
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  a = warp_sum(a);
  b = warp_sum(b);
  __syncthreads();
  if (lane == 0) {
    shared64[warp] = a;
    shared64[32 + warp] = b;
  }
  __syncthreads();
  float ra = lane < warps ? shared64[lane] : 0.0f;
  float rb = lane < warps ? shared64[32 + lane] : 0.0f;
  return make_float2(warp_sum(ra), warp_sum(rb));
}
}  // namespace a4j
