// Fused AdamW and LAMB updates (GR optimization.py / lamb_optimizer.py: no bias correction, decoupled
// weight decay added to the update). Multi-tensor: up to kChunk tensors per launch, their pointers passed by
// value in the kernel parameters; blockIdx.y picks the tensor. LAMB needs ||w|| and ||u|| of each tensor
// before it can apply the update, so it runs in two passes: (1) moments and norms, (2) the scaled step, with u
// recomputed from the new moments instead of stored.
#include "cuda_common.cuh"

namespace {
constexpr int kThreads = 256;
constexpr int kChunk = 24;

struct TensorChunk {
  float* param[kChunk];
  const float* grad[kChunk];
  float* m[kChunk];
  float* v[kChunk];
  int64_t size[kChunk];
  float weight_decay[kChunk];
  int use_trust_ratio[kChunk];
  int first;  // index of tensor 0 of this chunk in the whole call (for norms and trust_ratios_out)
};

struct Hyper {
  float lr, beta1, beta2, eps, grad_scale;
};

__device__ __forceinline__ float update_moments(const TensorChunk& c, int t, int64_t i, const Hyper& h) {
  float g = c.grad[t][i] * h.grad_scale;
  float m = h.beta1 * c.m[t][i] + (1.0f - h.beta1) * g;
  float v = h.beta2 * c.v[t][i] + (1.0f - h.beta2) * g * g;
  c.m[t][i] = m;
  c.v[t][i] = v;
  return m / (sqrtf(v) + h.eps) + c.weight_decay[t] * c.param[t][i];
}

__global__ void adamw_kernel(TensorChunk c, Hyper h) {
  int t = blockIdx.y;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < c.size[t]; i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    float u = update_moments(c, t, i, h);
    c.param[t][i] -= h.lr * u;
  }
}

// norms[2*k] += ||w||^2, norms[2*k+1] += ||u||^2 of tensor k (= c.first + t).
__global__ void lamb_moments_kernel(TensorChunk c, Hyper h, double* norms) {
  __shared__ double shared_w[32], shared_u[32];
  int t = blockIdx.y;
  double w2 = 0.0, u2 = 0.0;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < c.size[t]; i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    float u = update_moments(c, t, i, h);
    double w = c.param[t][i];
    w2 += w * w;
    u2 += static_cast<double>(u) * u;
  }
  w2 = a4j::warp_sum_d(w2);
  u2 = a4j::warp_sum_d(u2);
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  if (lane == 0) {
    shared_w[warp] = w2;
    shared_u[warp] = u2;
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    double bw = 0.0, bu = 0.0;
    for (int i = 0; i < static_cast<int>(blockDim.x >> 5); ++i) {
      bw += shared_w[i];
      bu += shared_u[i];
    }
    atomicAdd(norms + 2 * (c.first + t), bw);
    atomicAdd(norms + 2 * (c.first + t) + 1, bu);
  }
}

__global__ void lamb_apply_kernel(TensorChunk c, Hyper h, const double* norms, float* trust_ratios_out) {
  int t = blockIdx.y;
  int k = c.first + t;
  float ratio = c.use_trust_ratio[t]
                    ? a4j_lamb_trust_ratio(static_cast<float>(sqrt(norms[2 * k])), static_cast<float>(sqrt(norms[2 * k + 1])))
                    : 1.0f;
  if (trust_ratios_out != nullptr && blockIdx.x == 0 && threadIdx.x == 0) trust_ratios_out[k] = ratio;
  float step = ratio * h.lr;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < c.size[t]; i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    float u = c.m[t][i] / (sqrtf(c.v[t][i]) + h.eps) + c.weight_decay[t] * c.param[t][i];
    c.param[t][i] -= step * u;
  }
}

// Fills the chunk starting at tensor `first`; returns its grid.
dim3 fill_chunk(TensorChunk& c, int first, int count, float* const* params, const float* const* grads,
                float* const* m, float* const* v, const int64_t* sizes, const float* weight_decay,
                const int* use_trust_ratio) {
  int n = count - first < kChunk ? count - first : kChunk;
  int64_t largest = 1;
  c.first = first;
  for (int t = 0; t < kChunk; ++t) {
    bool used = t < n;
    c.param[t] = used ? params[first + t] : nullptr;
    c.grad[t] = used ? grads[first + t] : nullptr;
    c.m[t] = used ? m[first + t] : nullptr;
    c.v[t] = used ? v[first + t] : nullptr;
    c.size[t] = used ? sizes[first + t] : 0;
    c.weight_decay[t] = used ? weight_decay[first + t] : 0.0f;
    c.use_trust_ratio[t] = used && use_trust_ratio != nullptr ? use_trust_ratio[first + t] : 0;
    if (used && sizes[first + t] > largest) largest = sizes[first + t];
  }
  return dim3(a4j::grid_for(largest, kThreads * 4, 1024), static_cast<unsigned>(n));
}
}  // namespace

extern "C" {
A4J_API int a4j_adamw_update_multi(int count, float* const* params, const float* const* grads, float* const* m,
                                   float* const* v, const int64_t* sizes, float lr, float beta1, float beta2,
                                   float eps, const float* weight_decay, float grad_scale, void* stream) {
  cudaStream_t s = a4j::as_stream(stream);
  Hyper h{lr, beta1, beta2, eps, grad_scale};
  for (int first = 0; first < count; first += kChunk) {
    TensorChunk c;
    dim3 grid = fill_chunk(c, first, count, params, grads, m, v, sizes, weight_decay, nullptr);
    adamw_kernel<<<grid, kThreads, 0, s>>>(c, h);
    A4J_CUDA_LAUNCHED("adamw_update");
  }
  return A4J_OK;
}

A4J_API int a4j_lamb_update_multi(int count, float* const* params, const float* const* grads, float* const* m,
                                  float* const* v, const int64_t* sizes, float lr, float beta1, float beta2,
                                  float eps, const float* weight_decay, const int* use_trust_ratio, float grad_scale,
                                  float* trust_ratios_out, void* stream) {
  if (count <= 0) return A4J_OK;
  cudaStream_t s = a4j::as_stream(stream);
  void* scratch = nullptr;
  int status = a4j::stream_scratch(s, static_cast<int64_t>(count) * 2 * sizeof(double), &scratch);
  if (status != A4J_OK) return status;
  double* norms = static_cast<double*>(scratch);
  A4J_CUDA_CHECK(cudaMemsetAsync(norms, 0, static_cast<size_t>(count) * 2 * sizeof(double), s));
  Hyper h{lr, beta1, beta2, eps, grad_scale};
  for (int first = 0; first < count; first += kChunk) {
    TensorChunk c;
    dim3 grid = fill_chunk(c, first, count, params, grads, m, v, sizes, weight_decay, use_trust_ratio);
    lamb_moments_kernel<<<grid, kThreads, 0, s>>>(c, h, norms);
    A4J_CUDA_LAUNCHED("lamb_update");
    lamb_apply_kernel<<<grid, kThreads, 0, s>>>(c, h, norms, trust_ratios_out);
    A4J_CUDA_LAUNCHED("lamb_update");
  }
  return A4J_OK;
}

A4J_API int a4j_adamw_update(float* param, const float* grad, float* m, float* v, int64_t n, float lr, float beta1,
                             float beta2, float eps, float weight_decay, float grad_scale, void* stream) {
  if (n <= 0) return A4J_OK;
  return a4j_adamw_update_multi(1, &param, &grad, &m, &v, &n, lr, beta1, beta2, eps, &weight_decay, grad_scale, stream);
}

/* trust_ratio_out: device memory or pinned host memory (a4j_cuda_host_alloc), written when the stream reaches it. */
A4J_API int a4j_lamb_update(float* param, const float* grad, float* m, float* v, int64_t n, float lr, float beta1,
                            float beta2, float eps, float weight_decay, int use_trust_ratio, float grad_scale,
                            float* trust_ratio_out, void* stream) {
  return a4j_lamb_update_multi(1, &param, &grad, &m, &v, &n, lr, beta1, beta2, eps, &weight_decay, &use_trust_ratio,
                               grad_scale, trust_ratio_out, stream);
}
}
