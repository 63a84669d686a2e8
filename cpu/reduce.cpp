// Whole-tensor reductions: sum (the loss of tests and of mean-reduced heads), its broadcast backward, and a sum
// of squares that accumulates into one scalar per call so a global gradient norm needs no [n] square tensor.
// Accumulation is in double so a 10^8-element sum does not lose the small terms.
#include "albert4j.h"
#include "cpu_common.h"
#include "cpu_parallel.h"

namespace {
A4J_CLONES double sum_range(const float* __restrict x, int64_t begin, int64_t end) {
  double s = 0.0;
#pragma omp simd reduction(+ : s)
  for (int64_t i = begin; i < end; i++) s += static_cast<double>(x[i]);
  return s;
}

A4J_CLONES double sum_squares_range(const float* __restrict x, int64_t begin, int64_t end) {
  double s = 0.0;
#pragma omp simd reduction(+ : s)
  for (int64_t i = begin; i < end; i++) {
    const double v = x[i];
    s += v * v;
  }
  return s;
}

A4J_CLONES void add_constant(float* __restrict x, float value, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; i++) x[i] += value;
}

// Per-thread partial sums added in thread order (same result every run for a given thread count).
template <class Range>
double parallel_sum(const float* x, int64_t n, Range range) {
  if (n <= a4j::kParallelElements) return range(x, int64_t{0}, n);
  double partial[256] = {};
  int team = 1;
#pragma omp parallel num_threads(a4j::num_threads() < 256 ? a4j::num_threads() : 256)
  {
    const int t = omp_get_thread_num();
    const int k = omp_get_num_threads();
#pragma omp single
    team = k;
    partial[t] = range(x, n * t / k, n * (t + 1) / k);
  }
  double s = 0.0;
  for (int t = 0; t < team; t++) s += partial[t];
  return s;
}
}  // namespace

extern "C" {
A4J_API int a4j_sum_forward(const float* x, float* out, int64_t n, void* stream) {
  out[0] = n <= 0 ? 0.0f : static_cast<float>(parallel_sum(x, n, sum_range));
  return A4J_OK;
}

A4J_API int a4j_sum_backward(const float* dout, float* dx, int64_t n, float scale, void* stream) {
  const float value = dout[0] * scale;
  a4j::parallel_chunks(n, [&](int64_t begin, int64_t end) { add_constant(dx, value, begin, end); });
  return A4J_OK;
}

A4J_API int a4j_sum_squares(const float* x, float* out, int64_t n, void* stream) {
  if (n <= 0) return A4J_OK;
  out[0] = static_cast<float>(static_cast<double>(out[0]) + parallel_sum(x, n, sum_squares_range));
  return A4J_OK;
}

// Per-thread sums added in thread order (the same result every run for a given thread count).
A4J_API int a4j_sum_squares_multi(int count, const float* const* xs, const int64_t* sizes, float* out, void* stream) {
  a4j::TensorDeal deal;
  const int status = deal.init(count, sizes);
  if (status != A4J_OK) return status;
  double partial[256] = {};
  int team = 1;
#pragma omp parallel num_threads(deal.threads()) if (deal.threads() > 1)
  {
    const int t = omp_get_thread_num();
    const int k = omp_get_num_threads();
#pragma omp single
    team = k;
    double s = 0.0;
    deal.run(
        t, k, [&](int i) { s += sum_squares_range(xs[i], 0, sizes[i]); },
        [&](int i, int64_t lo, int64_t hi) { s += sum_squares_range(xs[i], lo, hi); });
    partial[t] = s;
  }
  double s = 0.0;
  for (int t = 0; t < team; t++) s += partial[t];
  out[0] = static_cast<float>(static_cast<double>(out[0]) + s);
  return A4J_OK;
}
}
