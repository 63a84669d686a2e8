// Softmax cross-entropy over the vocabulary with an ignore index. Forward: one block per row, one pass over the
// logits with the online-softmax state of a4j_math.h (running max and rescaled sum), then a single-block
// kernel forms the mean over non-ignored rows; ignored rows are skipped. Backward recomputes softmax from the
// saved lse.
#include "cuda_common.cuh"

namespace {
constexpr int kThreads = 256;

template <typename T>
__global__ void xent_lse_kernel(const T* logits, const int32_t* labels, float* lse, int64_t classes,
                                int32_t ignore_index) {
  __shared__ a4j_softmax_state shared[32];
  // Ignored rows (most of an MLM batch) get 0, as on the CPU: neither the mean nor the backward reads them.
  if (labels[blockIdx.x] == ignore_index) {
    if (threadIdx.x == 0) lse[blockIdx.x] = 0.0f;
    return;
  }
  const int64_t base = static_cast<int64_t>(blockIdx.x) * classes;
  a4j_softmax_state s = {-INFINITY, 0.0f};
  for (int64_t c = threadIdx.x; c < classes; c += blockDim.x) {
    a4j_softmax_state one = {a4j::load(logits, base + c), 1.0f};
    s = a4j_softmax_merge(s, one);
  }
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  for (int o = 16; o > 0; o >>= 1) {
    a4j_softmax_state other = {__shfl_down_sync(0xffffffffu, s.max, o), __shfl_down_sync(0xffffffffu, s.sum, o)};
    if (lane + o < 32) s = a4j_softmax_merge(s, other);
  }
  if (lane == 0) shared[warp] = s;
  __syncthreads();
  if (threadIdx.x == 0) {
    a4j_softmax_state total = shared[0];
    for (int i = 1; i < static_cast<int>(blockDim.x >> 5); ++i) total = a4j_softmax_merge(total, shared[i]);
    lse[blockIdx.x] = a4j_softmax_lse(total);
  }
}

// One block: loss[0] = mean over non-ignored rows of lse - logit[label] (0 when all are ignored).
template <typename T>
__global__ void xent_mean_kernel(const T* logits, const int32_t* labels, const float* lse, float* loss, int64_t n,
                                 int64_t classes, int32_t ignore_index) {
  __shared__ double sums[32];
  __shared__ double counts[32];
  double total = 0.0, count = 0.0;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
    int32_t label = labels[i];
    if (label == ignore_index) continue;
    total += static_cast<double>(lse[i]) - static_cast<double>(a4j::load(logits, i * classes + label));
    count += 1.0;
  }
  total = a4j::warp_sum_d(total);
  count = a4j::warp_sum_d(count);
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  if (lane == 0) {
    sums[warp] = total;
    counts[warp] = count;
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    double t = 0.0, c = 0.0;
    for (int i = 0; i < static_cast<int>(blockDim.x >> 5); ++i) {
      t += sums[i];
      c += counts[i];
    }
    loss[0] = c > 0.0 ? static_cast<float>(t / c) : 0.0f;
  }
}

__global__ void count_kept_kernel(const int32_t* labels, int64_t n, int32_t ignore_index, float* count_out) {
  __shared__ float shared[32];
  float count = 0.0f;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) count += labels[i] != ignore_index ? 1.0f : 0.0f;
  float total = a4j::block_sum(count, shared);
  if (threadIdx.x == 0) count_out[0] = total;
}

template <typename T>
__global__ void xent_backward_kernel(const float* dloss, const T* logits, const int32_t* labels, const float* lse,
                                     float* dlogits, const float* count, int64_t classes, int32_t ignore_index) {
  int64_t row = blockIdx.x;
  int32_t label = labels[row];
  if (label == ignore_index || count[0] <= 0.0f) return;
  float factor = dloss[0] / count[0];
  float l = lse[row];
  const int64_t base = row * classes;
  for (int64_t c = threadIdx.x; c < classes; c += blockDim.x) {
    float p = expf(a4j::load(logits, base + c) - l);
    dlogits[base + c] += factor * (p - (c == label ? 1.0f : 0.0f));
  }
}

template <typename T>
int forward(const T* logits, const int32_t* labels, float* loss, float* lse, int64_t n, int64_t classes,
            int32_t ignore_index, void* stream) {
  cudaStream_t s = a4j::as_stream(stream);
  if (n <= 0) {
    A4J_CUDA_CHECK(cudaMemsetAsync(loss, 0, sizeof(float), s));
    return A4J_OK;
  }
  xent_lse_kernel<T><<<static_cast<unsigned>(n), kThreads, 0, s>>>(logits, labels, lse, classes, ignore_index);
  A4J_CUDA_LAUNCHED("softmax_xent_forward");
  xent_mean_kernel<T><<<1, 1024, 0, s>>>(logits, labels, lse, loss, n, classes, ignore_index);
  A4J_CUDA_LAUNCHED("softmax_xent_forward");
  return A4J_OK;
}

template <typename T>
int backward(const float* dloss, const T* logits, const int32_t* labels, const float* lse, float* dlogits, int64_t n,
             int64_t classes, int32_t ignore_index, void* stream) {
  if (n <= 0) return A4J_OK;
  cudaStream_t s = a4j::as_stream(stream);
  void* scratch = nullptr;
  int status = a4j::stream_scratch(s, sizeof(float), &scratch);
  if (status != A4J_OK) return status;
  float* count = static_cast<float*>(scratch);
  count_kept_kernel<<<1, 1024, 0, s>>>(labels, n, ignore_index, count);
  A4J_CUDA_LAUNCHED("softmax_xent_backward");
  xent_backward_kernel<T><<<static_cast<unsigned>(n), kThreads, 0, s>>>(dloss, logits, labels, lse, dlogits, count,
                                                                         classes, ignore_index);
  A4J_CUDA_LAUNCHED("softmax_xent_backward");
  return A4J_OK;
}
}  // namespace

extern "C" {
A4J_API int a4j_softmax_xent_forward(const float* logits, const int32_t* labels, float* loss, float* lse, int64_t n,
                                     int64_t classes, int32_t ignore_index, void* stream) {
  return forward(logits, labels, loss, lse, n, classes, ignore_index, stream);
}
A4J_API int a4j_softmax_xent_backward(const float* dloss, const float* logits, const int32_t* labels, const float* lse,
                                      float* dlogits, int64_t n, int64_t classes, int32_t ignore_index,
                                      int32_t accumulate, void* stream) {
  if (!accumulate) {
    if (int status = a4j::zero_rows(dlogits, n, classes, classes, a4j::as_stream(stream))) return status;
  }
  return backward(dloss, logits, labels, lse, dlogits, n, classes, ignore_index, stream);
}
A4J_API int a4j_softmax_xent_forward_bf16(const uint16_t* logits, const int32_t* labels, float* loss, float* lse,
                                          int64_t n, int64_t classes, int32_t ignore_index, void* stream) {
  return forward(logits, labels, loss, lse, n, classes, ignore_index, stream);
}
A4J_API int a4j_softmax_xent_backward_bf16(const float* dloss, const uint16_t* logits, const int32_t* labels,
                                           const float* lse, float* dlogits, int64_t n, int64_t classes,
                                           int32_t ignore_index, int32_t accumulate, void* stream) {
  if (!accumulate) {
    if (int status = a4j::zero_rows(dlogits, n, classes, classes, a4j::as_stream(stream))) return status;
  }
  return backward(dloss, logits, labels, lse, dlogits, n, classes, ignore_index, stream);
}
}
