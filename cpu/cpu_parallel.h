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

// How the threads of one parallel region share a list of tensors (the multi-tensor kernels): a large tensor (more
// than kParallelElements) is cut evenly between the threads, as the single-tensor kernels cut it, so the partial
// sums and results are the same bits; the small ones, which the single-tensor kernels run on one thread, are dealt
// out whole by running size, and a thread finishes each while it is in its core's cache. (Cutting the list's joint
// index space evenly instead left one thread streaming most of the demo's embedding table twice in LAMB while the
// other finished small tensors from cache: 20% slower.)
class TensorDeal {
 public:
  // Refuses a negative count or size; returns an A4J status.
  int init(int count, const int64_t* sizes) {
    if (count < 0) return set_error(A4J_ERR_INVALID_ARGUMENT, "negative tensor count " + std::to_string(count));
    sizes_ = sizes;
    count_ = count;
    try {
      small_start_.assign(static_cast<size_t>(count) + 1, 0);
    } catch (const std::bad_alloc&) {
      return set_error(A4J_ERR_OUT_OF_MEMORY, "out of host memory for " + std::to_string(count) + " tensor sizes");
    }
    int64_t total = 0;
    for (int i = 0; i < count; i++) {
      if (sizes[i] < 0) {
        return set_error(A4J_ERR_INVALID_ARGUMENT, "tensor " + std::to_string(i) + " has size " +
                                                       std::to_string(sizes[i]));
      }
      small_start_[i + 1] = small_start_[i] + (large(i) ? 0 : sizes[i]);
      total = sizes[i] > INT64_MAX - total ? INT64_MAX : total + sizes[i];
    }
    threads_ = total <= kParallelElements ? 1 : std::min(num_threads(), 256);
    return A4J_OK;
  }
  bool large(int i) const { return sizes_[i] > kParallelElements; }
  int count() const { return count_; }
  // The team the region should ask for: one thread when the whole list is small work.
  int threads() const { return threads_; }
  // Thread t of k: whole(i) for each of its small non-empty tensors, then slice(i, lo, hi) for its part of each
  // large one, in list order.
  template <class Whole, class Slice>
  void run(int t, int k, Whole whole, Slice slice) const {
    const int64_t total = small_start_[count_];
    const int64_t begin = total * t / k, end = total * (t + 1) / k;
    for (int i = 0; i < count_; i++) {
      if (!large(i) && sizes_[i] > 0 && small_start_[i] >= begin && small_start_[i] < end) whole(i);
    }
    for (int i = 0; i < count_; i++) {
      if (large(i)) slice(i, sizes_[i] * t / k, sizes_[i] * (t + 1) / k);
    }
  }

 private:
  const int64_t* sizes_ = nullptr;
  int count_ = 0;
  int threads_ = 1;
  std::vector<int64_t> small_start_;  // where each small tensor starts among the small ones
};

}  // namespace a4j

#endif
