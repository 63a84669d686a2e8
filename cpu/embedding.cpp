// Embedding gathers and their scatter-add backward, and ALBERT's embedding block fused into one kernel:
// word + position + token-type rows are summed and LayerNorm-ed while the row is in cache (one pass instead of
// three gathers, two adds and a LayerNorm); the backward runs LayerNorm backward then scatters into the tables.
#include <cstring>
#include <new>
#include <vector>

#include "albert4j.h"
#include "cpu_common.h"
#include "cpu_parallel.h"
#include "layer_norm_row.h"

namespace {
A4J_CLONES void add_row(const float* __restrict src, float* __restrict dst, int64_t dim) {
  for (int64_t c = 0; c < dim; c++) dst[c] += src[c];
}

A4J_CLONES void sum3_row(const float* __restrict a, const float* __restrict b, const float* __restrict c,
                         float* __restrict out, int64_t dim) {
  for (int64_t i = 0; i < dim; i++) out[i] = a[i] + b[i] + c[i];
}

// dtable[ids[i]] += dout[i] for i < n, skipping padding_idx. Thread t owns the table rows with id % T == t and
// walks all ids in order, so no two threads write one row, repeated ids need no atomics, and each row's sum has
// a fixed order. Interleaved ownership balances the load even though frequent tokens have small ids.
void scatter_add(const int32_t* ids, const float* dout, float* dtable, int64_t n, int64_t dim, int32_t padding_idx) {
  const bool parallel = n * dim > a4j::kParallelElements && n > 1;
#pragma omp parallel num_threads(a4j::num_threads()) if (parallel)
  {
    const int t = omp_get_thread_num();
    const int threads = omp_get_num_threads();
    for (int64_t i = 0; i < n; i++) {
      const int32_t id = ids[i];
      if (id == padding_idx || id % threads != t) continue;
      add_row(dout + i * dim, dtable + static_cast<int64_t>(id) * dim, dim);
    }
  }
}
}  // namespace

extern "C" {
A4J_API int a4j_embedding_forward(const int32_t* ids, const float* table, float* out, int64_t n, int64_t vocab,
                                  int64_t dim, void* stream) {
  if (n <= 0 || dim <= 0) return A4J_OK;
  const bool parallel = n * dim > a4j::kParallelElements && n > 1;
#pragma omp parallel for num_threads(a4j::num_threads()) if (parallel) schedule(static)
  for (int64_t i = 0; i < n; i++) {
    std::memcpy(out + i * dim, table + static_cast<int64_t>(ids[i]) * dim, static_cast<size_t>(dim) * sizeof(float));
  }
  return A4J_OK;
}

A4J_API int a4j_embedding_backward(const int32_t* ids, const float* dout, float* dtable, int64_t n, int64_t vocab,
                                   int64_t dim, int32_t padding_idx, void* stream) {
  if (n <= 0 || dim <= 0) return A4J_OK;
  scatter_add(ids, dout, dtable, n, dim, padding_idx);
  return A4J_OK;
}

A4J_API int a4j_embedding_layer_norm_forward(const int32_t* word_ids, const int32_t* type_ids,
                                             const float* word_table, const float* pos_table, const float* type_table,
                                             const float* gamma, const float* beta, float* out, float* sum,
                                             float* mean, float* rstd, int64_t batch, int64_t seq, int64_t dim,
                                             float eps, void* stream) {
  const int64_t tokens = batch * seq;
  if (tokens <= 0 || dim <= 0) return A4J_OK;
  const bool parallel = tokens * dim > a4j::kParallelElements && tokens > 1;
#pragma omp parallel for num_threads(a4j::num_threads()) if (parallel) schedule(static)
  for (int64_t i = 0; i < tokens; i++) {
    const int64_t s = i % seq;
    float* row = sum + i * dim;
    sum3_row(word_table + static_cast<int64_t>(word_ids[i]) * dim, pos_table + s * dim,
             type_table + static_cast<int64_t>(type_ids[i]) * dim, row, dim);
    a4j::layer_norm_row_forward(row, gamma, beta, out + i * dim, dim, eps, mean + i, rstd + i);
  }
  return A4J_OK;
}

A4J_API int a4j_embedding_layer_norm_backward(const float* dout, const int32_t* word_ids, const int32_t* type_ids,
                                              const float* sum, const float* mean, const float* rstd,
                                              const float* gamma, float* dword_table, float* dpos_table,
                                              float* dtype_table, float* dgamma, float* dbeta, int64_t batch,
                                              int64_t seq, int64_t dim, int32_t padding_idx, void* stream) {
  const int64_t tokens = batch * seq;
  if (tokens <= 0 || dim <= 0) return A4J_OK;
  const bool tables = dword_table != nullptr || dpos_table != nullptr || dtype_table != nullptr;
  // dL/dsum for every token; the three tables all receive it.
  std::vector<float> dsum;
  if (tables) {
    try {
      dsum.assign(static_cast<size_t>(tokens * dim), 0.0f);
    } catch (const std::bad_alloc&) {
      return a4j::set_error(A4J_ERR_OUT_OF_MEMORY, "a4j_embedding_layer_norm_backward: out of host memory");
    }
  }
  float* acc[2] = {dgamma, dbeta};
  const bool parallel = tokens * dim > a4j::kParallelElements && tokens > 1;
  int status = a4j::rows_with_partials(tokens, dim, 2, acc, parallel, [&](int64_t begin, int64_t end, float* partial) {
    float* pg = partial != nullptr && dgamma != nullptr ? partial : nullptr;
    float* pb = partial != nullptr && dbeta != nullptr ? partial + dim : nullptr;
    for (int64_t i = begin; i < end; i++) {
      a4j::layer_norm_row_backward(dout + i * dim, sum + i * dim, mean[i], rstd[i], gamma,
                                   tables ? dsum.data() + i * dim : nullptr, pg, pb, dim);
    }
  });
  if (status != A4J_OK || !tables) return status;
  if (dword_table != nullptr) scatter_add(word_ids, dsum.data(), dword_table, tokens, dim, padding_idx);
  if (dtype_table != nullptr) scatter_add(type_ids, dsum.data(), dtype_table, tokens, dim, -1);
  if (dpos_table != nullptr) {
    // Position s receives the gradient of token s of every sequence; threads own positions.
    const bool pos_parallel = parallel && seq > 1;
#pragma omp parallel for num_threads(a4j::num_threads()) if (pos_parallel) schedule(static)
    for (int64_t s = 0; s < seq; s++) {
      for (int64_t b = 0; b < batch; b++) add_row(dsum.data() + (b * seq + s) * dim, dpos_table + s * dim, dim);
    }
  }
  return A4J_OK;
}
}
