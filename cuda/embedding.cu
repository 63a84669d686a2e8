// Embedding gather/scatter and the fused ALBERT embedding: word + position + token type, then LayerNorm.
// Backward scatters with atomicAdd (rows repeat), skipping padding_idx for the word table.
#include "layer_norm_row.cuh"

namespace {
constexpr int kThreads = 256;
constexpr int kRowThreads = 128;

__global__ void embedding_forward_kernel(const int32_t* ids, const float* table, float* out, int64_t n, int64_t dim) {
  int64_t total = n * dim;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < total; i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int64_t row = i / dim;
    out[i] = table[static_cast<int64_t>(ids[row]) * dim + i % dim];
  }
}

__global__ void embedding_backward_kernel(const int32_t* ids, const float* dout, float* dtable, int64_t n, int64_t dim,
                                          int32_t padding_idx) {
  int64_t total = n * dim;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < total; i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int32_t id = ids[i / dim];
    if (id != padding_idx) atomicAdd(dtable + static_cast<int64_t>(id) * dim + i % dim, dout[i]);
  }
}

__global__ void embedding_layer_norm_forward_kernel(const int32_t* word_ids, const int32_t* type_ids,
                                                    const float* word_table, const float* pos_table,
                                                    const float* type_table, const float* gamma, const float* beta,
                                                    float* out, float* sum, float* mean, float* rstd, int64_t seq,
                                                    int64_t dim, float eps) {
  __shared__ a4j_welford shared[32];
  int64_t token = blockIdx.x;
  int64_t position = token % seq;
  const float* word = word_table + static_cast<int64_t>(word_ids[token]) * dim;
  const float* pos = pos_table + position * dim;
  const float* type = type_table + static_cast<int64_t>(type_ids[token]) * dim;
  const int64_t base = token * dim;
  a4j_welford w = {0.0f, 0.0f, 0.0f};
  for (int64_t c = threadIdx.x; c < dim; c += blockDim.x) {
    float v = word[c] + pos[c] + type[c];
    sum[base + c] = v;
    a4j_welford_add(&w, v);
  }
  float2 statistics = a4j::layer_norm_row_statistics(w, eps, mean + token, rstd + token, shared);
  for (int64_t c = threadIdx.x; c < dim; c += blockDim.x) {
    out[base + c] = a4j::layer_norm_apply(sum[base + c], statistics, gamma[c], beta[c]);
  }
}

__global__ void embedding_layer_norm_backward_kernel(const float* dout, const int32_t* word_ids, const int32_t* type_ids,
                                                     const float* sum, const float* mean, const float* rstd,
                                                     const float* gamma, float* dword, float* dpos, float* dtype,
                                                     int64_t seq, int64_t dim, int32_t padding_idx) {
  __shared__ float shared[64];
  int64_t token = blockIdx.x;
  const int64_t base = token * dim;
  float mu = mean[token], r = rstd[token];
  float2 sums = a4j::layer_norm_row_backward_sums(dout + base, sum + base, gamma, mu, r, dim, shared);
  float inv = 1.0f / static_cast<float>(dim);
  int32_t word_id = word_ids[token];
  float* word_row = (dword != nullptr && word_id != padding_idx) ? dword + static_cast<int64_t>(word_id) * dim : nullptr;
  float* pos_row = dpos != nullptr ? dpos + (token % seq) * dim : nullptr;
  float* type_row = dtype != nullptr ? dtype + static_cast<int64_t>(type_ids[token]) * dim : nullptr;
  for (int64_t c = threadIdx.x; c < dim; c += blockDim.x) {
    float d = a4j::layer_norm_dinput(dout[base + c], sum[base + c], gamma[c], mu, r, sums, inv);
    if (word_row != nullptr) atomicAdd(word_row + c, d);
    if (pos_row != nullptr) atomicAdd(pos_row + c, d);
    if (type_row != nullptr) atomicAdd(type_row + c, d);
  }
}
}  // namespace

extern "C" {
A4J_API int a4j_embedding_forward(const int32_t* ids, const float* table, float* out, int64_t n, int64_t vocab,
                                  int64_t dim, void* stream) {
  (void)vocab;
  if (n <= 0 || dim <= 0) return A4J_OK;
  embedding_forward_kernel<<<a4j::grid_for(n * dim, kThreads), kThreads, 0, a4j::as_stream(stream)>>>(ids, table, out, n, dim);
  A4J_CUDA_LAUNCHED("embedding_forward");
  return A4J_OK;
}
A4J_API int a4j_embedding_backward(const int32_t* ids, const float* dout, float* dtable, int64_t n, int64_t vocab,
                                   int64_t dim, int32_t padding_idx, void* stream) {
  (void)vocab;
  if (n <= 0 || dim <= 0) return A4J_OK;
  embedding_backward_kernel<<<a4j::grid_for(n * dim, kThreads), kThreads, 0, a4j::as_stream(stream)>>>(
      ids, dout, dtable, n, dim, padding_idx);
  A4J_CUDA_LAUNCHED("embedding_backward");
  return A4J_OK;
}
A4J_API int a4j_embedding_layer_norm_forward(const int32_t* word_ids, const int32_t* type_ids, const float* word_table,
                                             const float* pos_table, const float* type_table, const float* gamma,
                                             const float* beta, float* out, float* sum, float* mean, float* rstd,
                                             int64_t batch, int64_t seq, int64_t dim, float eps, void* stream) {
  if (batch <= 0 || seq <= 0 || dim <= 0) return A4J_OK;
  embedding_layer_norm_forward_kernel<<<static_cast<unsigned>(batch * seq), kRowThreads, 0, a4j::as_stream(stream)>>>(
      word_ids, type_ids, word_table, pos_table, type_table, gamma, beta, out, sum, mean, rstd, seq, dim, eps);
  A4J_CUDA_LAUNCHED("embedding_layer_norm_forward");
  return A4J_OK;
}
A4J_API int a4j_embedding_layer_norm_backward(const float* dout, const int32_t* word_ids, const int32_t* type_ids,
                                              const float* sum, const float* mean, const float* rstd, const float* gamma,
                                              float* dword_table, float* dpos_table, float* dtype_table, float* dgamma,
                                              float* dbeta, int64_t batch, int64_t seq, int64_t dim,
                                              int32_t padding_idx, void* stream) {
  if (batch <= 0 || seq <= 0 || dim <= 0) return A4J_OK;
  cudaStream_t s = a4j::as_stream(stream);
  if (dword_table != nullptr || dpos_table != nullptr || dtype_table != nullptr) {
    embedding_layer_norm_backward_kernel<<<static_cast<unsigned>(batch * seq), kRowThreads, 0, s>>>(
        dout, word_ids, type_ids, sum, mean, rstd, gamma, dword_table, dpos_table, dtype_table, seq, dim, padding_idx);
    A4J_CUDA_LAUNCHED("embedding_layer_norm_backward");
  }
  return a4j::layer_norm_gamma_beta_backward(dout, sum, mean, rstd, dgamma, dbeta, batch * seq, dim, s);
}
}
