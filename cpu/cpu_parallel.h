// Parallel-loop helpers shared by the fused CPU kernels of this library: a per-thread partial-sum scheme for
// column reductions (dgamma, dbeta, dbias) that needs no atomics and gives the same result on every run with the
// same thread count, and a guard that turns std::bad_alloc into A4J_ERR_OUT_OF_MEMORY.
#ifndef A4J_CPU_PARALLEL_H
#define A4J_CPU_PARALLEL_H

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "albert4j.h"
#include "cpu_common.h"

namespace a4j {

// Below this many elements of work a parallel region costs more than it saves.
constexpr int64_t kParallelElements = 1 << 15;

// Splits [0, rows) into one contiguous range per thread and calls body(row_begin, row_end, partials) there.
// `partials` points at n_acc * width zeroed floats private to the thread; afterwards the partials of all threads
// are added, in thread order, to acc[k] (k < n_acc; a null acc[k] is skipped). Returns an A4J status.
template <class Body>
int rows_with_partials(int64_t rows, int64_t width, int n_acc, float* const* acc, bool parallel, Body body) {
  bool want_partials = false;
  for (int k = 0; k < n_acc; k++) want_partials |= acc[k] != nullptr;
  int threads = parallel ? a4j::num_threads() : 1;
  if (threads > rows) threads = static_cast<int>(std::max<int64_t>(rows, 1));
  const int64_t stride = want_partials ? n_acc * width : 0;
  std::vector<float> partials;
  try {
    partials.assign(static_cast<size_t>(stride * threads), 0.0f);
  } catch (const std::bad_alloc&) {
    return set_error(A4J_ERR_OUT_OF_MEMORY, "out of host memory for per-thread partial sums");
  }
  int team = 1;
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    const int t = omp_get_thread_num();
    const int n = omp_get_num_threads();
#pragma omp single
    team = n;
    const int64_t begin = rows * t / n;
    const int64_t end = rows * (t + 1) / n;
    body(begin, end, want_partials ? partials.data() + stride * t : nullptr);
  }
  if (want_partials) {
    for (int k = 0; k < n_acc; k++) {
      float* out = acc[k];
      if (out == nullptr) continue;
      for (int t = 0; t < team; t++) {
        const float* p = partials.data() + stride * t + k * width;
        for (int64_t c = 0; c < width; c++) out[c] += p[c];
      }
    }
  }
  return A4J_OK;
}

// Calls body(begin, end) on contiguous chunks of [0, n) across threads when n is large enough.
template <class Body>
void parallel_chunks(int64_t n, Body body) {
  if (n <= kParallelElements) {
    body(int64_t{0}, n);
    return;
  }
#pragma omp parallel num_threads(a4j::num_threads())
  {
    const int t = omp_get_thread_num();
    const int k = omp_get_num_threads();
    body(n * t / k, n * (t + 1) / k);
  }
}

// A list of tensors seen as one index space (multi-tensor kernels): offsets[i] is where tensor i starts, offsets[count]
// the total. Refuses a negative size or a total that overflows; returns an A4J status.
inline int tensor_offsets(int count, const int64_t* sizes, std::vector<int64_t>& offsets) {
  if (count < 0) return set_error(A4J_ERR_INVALID_ARGUMENT, "negative tensor count " + std::to_string(count));
  try {
    offsets.assign(static_cast<size_t>(count) + 1, 0);
  } catch (const std::bad_alloc&) {
    return set_error(A4J_ERR_OUT_OF_MEMORY, "out of host memory for " + std::to_string(count) + " tensor offsets");
  }
  for (int i = 0; i < count; i++) {
    if (sizes[i] < 0 || sizes[i] > INT64_MAX - offsets[i]) {
      return set_error(A4J_ERR_INVALID_ARGUMENT, "tensor " + std::to_string(i) + " has size " +
                                                     std::to_string(sizes[i]));
    }
    offsets[i + 1] = offsets[i] + sizes[i];
  }
  return A4J_OK;
}

// Calls piece(i, lo, hi) for each tensor i that meets [begin, end) of the joint index space, with [lo, hi) the
// part of tensor i inside it (tensor-local indices), in tensor order.
template <class Piece>
void for_each_piece(const std::vector<int64_t>& offsets, int64_t begin, int64_t end, Piece piece) {
  const int count = static_cast<int>(offsets.size()) - 1;
  // the first tensor ending after `begin`
  int i = static_cast<int>(std::upper_bound(offsets.begin() + 1, offsets.end(), begin) - (offsets.begin() + 1));
  for (; i < count && offsets[i] < end; i++) {
    const int64_t lo = std::max(begin, offsets[i]) - offsets[i];
    const int64_t hi = std::min(end, offsets[i + 1]) - offsets[i];
    if (hi > lo) piece(i, lo, hi);
  }
}

}  // namespace a4j

#endif
