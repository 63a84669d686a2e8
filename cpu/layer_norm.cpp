// Residual add + LayerNorm in one kernel (post-LN: LayerNorm(x + residual)): the sum is formed, written once for
// the backward pass and normalised while the row is in cache, instead of an add pass and a separate LayerNorm
// pass. The backward produces dinput, dgamma and dbeta in one pass over the rows (per-thread dgamma/dbeta partials).
#include <cstring>
#include <new>
#include <vector>

#include "albert4j.h"
#include "cpu_common.h"
#include "cpu_parallel.h"
#include "layer_norm_row.h"

namespace {
A4J_CLONES void add_rows(const float* __restrict x, const float* __restrict residual, float* __restrict sum,
                         int64_t n) {
  for (int64_t i = 0; i < n; i++) sum[i] = x[i] + residual[i];
}
}  // namespace

extern "C" {
A4J_API int a4j_layer_norm_forward(const float* x, const float* residual, const float* gamma, const float* beta,
                                   float* out, float* sum, float* mean, float* rstd, int64_t rows, int64_t cols,
                                   float eps, void* stream) {
  if (rows <= 0 || cols <= 0) return A4J_OK;
  const bool parallel = rows * cols > a4j::kParallelElements && rows > 1;
  int status = A4J_OK;
#pragma omp parallel num_threads(a4j::num_threads()) if (parallel)
  {
    // When the caller does not keep the sum, each thread forms it in a row-sized scratch buffer.
    std::vector<float> scratch;
    bool ok = true;
    if (residual != nullptr && sum == nullptr) {
      try {
        scratch.resize(static_cast<size_t>(cols));
      } catch (const std::bad_alloc&) {
        ok = false;
      }
    }
    if (!ok) {
#pragma omp critical
      status = a4j::set_error(A4J_ERR_OUT_OF_MEMORY, "a4j_layer_norm_forward: out of host memory");
    } else {
#pragma omp for schedule(static)
      for (int64_t r = 0; r < rows; r++) {
        const float* input = x + r * cols;
        if (residual != nullptr) {
          float* s = sum != nullptr ? sum + r * cols : scratch.data();
          add_rows(input, residual + r * cols, s, cols);
          input = s;
        } else if (sum != nullptr) {
          std::memcpy(sum + r * cols, input, static_cast<size_t>(cols) * sizeof(float));
        }
        a4j::layer_norm_row_forward(input, gamma, beta, out + r * cols, cols, eps, mean + r, rstd + r);
      }
    }
  }
  return status;
}

A4J_API int a4j_layer_norm_backward(const float* dout, const float* input, const float* mean, const float* rstd,
                                    const float* gamma, float* dinput, float* dgamma, float* dbeta, int64_t rows,
                                    int64_t cols, int32_t accumulate, void* stream) {
  if (rows <= 0 || cols <= 0 || (dinput == nullptr && dgamma == nullptr && dbeta == nullptr)) return A4J_OK;
  float* acc[2] = {dgamma, dbeta};
  const bool parallel = rows * cols > a4j::kParallelElements && rows > 1;
  return a4j::rows_with_partials(rows, cols, 2, acc, parallel, [&](int64_t begin, int64_t end, float* partial) {
    float* pg = partial != nullptr && dgamma != nullptr ? partial : nullptr;
    float* pb = partial != nullptr && dbeta != nullptr ? partial + cols : nullptr;
    for (int64_t r = begin; r < end; r++) {
      a4j::layer_norm_row_backward(dout + r * cols, input + r * cols, mean[r], rstd[r], gamma,
                                   dinput == nullptr ? nullptr : dinput + r * cols, pg, pb, cols, accumulate != 0);
    }
  });
}
}
