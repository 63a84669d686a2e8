// Softmax cross-entropy over vocabulary-sized rows with an ignore index, fused: one max pass and one exp-sum pass
// per row give the log-sum-exp (saved), and the backward writes softmax - onehot straight into dlogits, so no
// [N, C] probability tensor is ever stored. Ignored rows (most MLM positions) are skipped (zero-filled where the
// backward overwrites rather than adds).
#include <algorithm>
#include <cmath>
#include <new>
#include <vector>

#include "a4j_math.h"
#include "albert4j.h"
#include "cpu_common.h"
#include "cpu_parallel.h"

namespace {

// exp is a4j_math.h's branch-free a4j_exp, so both loops below vectorise (libm's expf, and the earlier local exp
// with its floor and union, kept them scalar: 1.5 ms per 169 x 8000 MLM row block on two Zen 4 cores).
A4J_CLONES float row_lse(const float* __restrict x, int64_t classes) {
  float m = -INFINITY;
  int nans = 0;
#pragma omp simd reduction(max : m) reduction(+ : nans)
  for (int64_t c = 0; c < classes; c++) {
    m = x[c] > m ? x[c] : m;
    nans += x[c] != x[c];
  }
  if (nans > 0) return NAN;         // a NaN logit makes the loss NaN, as it should
  if (m == -INFINITY || m == INFINITY) return m;
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (int64_t c = 0; c < classes; c++) s += a4j_exp(x[c] - m);
  return m + std::log(s);
}

// dx[c] += scale * exp(x[c] - lse), or = when !accumulate
A4J_CLONES void row_softmax_grad(const float* __restrict x, float lse, float scale, float* __restrict dx,
                                 int64_t classes, bool accumulate) {
  if (accumulate) {
#pragma omp simd
    for (int64_t c = 0; c < classes; c++) dx[c] += scale * a4j_exp(x[c] - lse);
  } else {
#pragma omp simd
    for (int64_t c = 0; c < classes; c++) dx[c] = scale * a4j_exp(x[c] - lse);
  }
}

bool ignored(int32_t label, int32_t ignore_index) { return label == ignore_index; }
}  // namespace

extern "C" {
A4J_API int a4j_softmax_xent_forward(const float* logits, const int32_t* labels, float* loss, float* lse, int64_t n,
                                     int64_t classes, int32_t ignore_index, void* stream) {
  std::vector<double> row_loss;
  try {
    row_loss.assign(static_cast<size_t>(n > 0 ? n : 0), 0.0);
  } catch (const std::bad_alloc&) {
    return a4j::set_error(A4J_ERR_OUT_OF_MEMORY, "a4j_softmax_xent_forward: out of host memory");
  }
  const bool parallel = n * classes > a4j::kParallelElements && n > 1;
#pragma omp parallel for num_threads(a4j::num_threads()) if (parallel) schedule(dynamic, 1)
  for (int64_t i = 0; i < n; i++) {
    if (ignored(labels[i], ignore_index)) {
      lse[i] = 0.0f;  // never read: the backward skips ignored rows too
      continue;
    }
    const float* row = logits + i * classes;
    lse[i] = row_lse(row, classes);
    row_loss[i] = static_cast<double>(lse[i]) - static_cast<double>(row[labels[i]]);
  }
  // Summed in row order, so the loss does not depend on the thread count.
  double total = 0.0;
  int64_t count = 0;
  for (int64_t i = 0; i < n; i++) {
    if (ignored(labels[i], ignore_index)) continue;
    total += row_loss[i];
    count++;
  }
  loss[0] = count == 0 ? 0.0f : static_cast<float>(total / static_cast<double>(count));
  return A4J_OK;
}

A4J_API int a4j_softmax_xent_backward(const float* dloss, const float* logits, const int32_t* labels,
                                      const float* lse, float* dlogits, int64_t n, int64_t classes,
                                      int32_t ignore_index, int32_t accumulate, void* stream) {
  int64_t count = 0;
  for (int64_t i = 0; i < n; i++) count += ignored(labels[i], ignore_index) ? 0 : 1;
  const float scale = count == 0 ? 0.0f : dloss[0] / static_cast<float>(count);
  if (count == 0 && accumulate) return A4J_OK;
  const bool parallel = n * classes > a4j::kParallelElements && n > 1;
#pragma omp parallel for num_threads(a4j::num_threads()) if (parallel) schedule(dynamic, 1)
  for (int64_t i = 0; i < n; i++) {
    float* drow = dlogits + i * classes;
    if (ignored(labels[i], ignore_index)) {
      if (!accumulate) std::fill(drow, drow + classes, 0.0f);
      continue;
    }
    row_softmax_grad(logits + i * classes, lse[i], scale, drow, classes, accumulate != 0);
    drow[labels[i]] -= scale;
  }
  return A4J_OK;
}
}
