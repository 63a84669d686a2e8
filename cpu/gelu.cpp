// Fused bias + activation (GELU erf/tanh, ReLU, identity): out = act(x + bias) in one memory pass instead of a
// bias-add pass plus an activation pass. The backward recomputes act'(x + bias) from x, so the forward keeps no
// pre-activation copy, and produces dx and the bias column sums in the same pass.
#include "a4j_math.h"
#include "albert4j.h"
#include "cpu_common.h"
#include "cpu_parallel.h"

namespace {

// The activation is a compile-time constant in each case, so a4j_activate's switch folds away and the loop is
// exactly the arithmetic the CUDA kernel runs.
#define A4J_ROW_CASES(LOOP)                          \
  switch (activation) {                              \
    case A4J_ACT_GELU_ERF: LOOP(A4J_ACT_GELU_ERF); break;   \
    case A4J_ACT_GELU_TANH: LOOP(A4J_ACT_GELU_TANH); break; \
    case A4J_ACT_RELU: LOOP(A4J_ACT_RELU); break;           \
    default: LOOP(A4J_ACT_IDENTITY); break;                 \
  }

A4J_CLONES void forward_rows(const float* __restrict x, const float* __restrict bias, float* __restrict out,
                             int64_t rows, int64_t cols, int activation) {
#define FORWARD_LOOP(ACT)                                                                           \
  for (int64_t r = 0; r < rows; r++) {                                                              \
    const float* xr = x + r * cols;                                                                 \
    float* outr = out + r * cols;                                                                   \
    if (bias != nullptr) {                                                                          \
      for (int64_t c = 0; c < cols; c++) outr[c] = a4j_activate(ACT, xr[c] + bias[c]);              \
    } else {                                                                                        \
      for (int64_t c = 0; c < cols; c++) outr[c] = a4j_activate(ACT, xr[c]);                        \
    }                                                                                               \
  }
  A4J_ROW_CASES(FORWARD_LOOP)
#undef FORWARD_LOOP
}

// dpre = dout * act'(x + bias); dx += dpre, or = when !kAccumulate (when wanted); colsum += dpre (when wanted).
// Which of bias, dx and colsum exist is a template argument: with run-time tests in the loop GCC leaves it scalar
// (18 ms instead of ~3 ms for a 1024 x 3072 gelu_tanh backward on one Zen 4 core).
template <int ACT, bool kBias, bool kDx, bool kSum, bool kAccumulate>
__attribute__((always_inline)) inline void backward_row(const float* __restrict dr, const float* __restrict xr,
                                                        const float* __restrict bias, float* __restrict dxr,
                                                        float* __restrict colsum, int64_t cols) {
  for (int64_t c = 0; c < cols; c++) {
    const float pre = kBias ? xr[c] + bias[c] : xr[c];
    const float d = dr[c] * a4j_activate_grad(ACT, pre);
    if (kDx) dxr[c] = kAccumulate ? dxr[c] + d : d;
    if (kSum) colsum[c] += d;
  }
}

template <int ACT, bool kAccumulate>
__attribute__((always_inline)) inline void backward_rows_of(const float* __restrict dout, const float* __restrict x,
                                                            const float* __restrict bias, float* __restrict dx,
                                                            float* __restrict colsum, int64_t rows, int64_t cols) {
  const int variant = (bias != nullptr ? 4 : 0) + (dx != nullptr ? 2 : 0) + (colsum != nullptr ? 1 : 0);
  for (int64_t r = 0; r < rows; r++) {
    const float* xr = x + r * cols;
    const float* dr = dout + r * cols;
    float* dxr = dx == nullptr ? nullptr : dx + r * cols;
    switch (variant) {
      case 7: backward_row<ACT, true, true, true, kAccumulate>(dr, xr, bias, dxr, colsum, cols); break;
      case 6: backward_row<ACT, true, true, false, kAccumulate>(dr, xr, bias, dxr, colsum, cols); break;
      case 5: backward_row<ACT, true, false, true, kAccumulate>(dr, xr, bias, dxr, colsum, cols); break;
      case 3: backward_row<ACT, false, true, true, kAccumulate>(dr, xr, bias, dxr, colsum, cols); break;
      case 2: backward_row<ACT, false, true, false, kAccumulate>(dr, xr, bias, dxr, colsum, cols); break;
      case 1: backward_row<ACT, false, false, true, kAccumulate>(dr, xr, bias, dxr, colsum, cols); break;
      default: break;  // nothing wanted
    }
  }
}

// Adding into dx and overwriting it are two functions, each as large as the one before the choice existed: one
// function with both sets of variants came out about 7x slower (1024 x 512 gelu_tanh: 0.26 -> 1.8 ms, 2 threads).
A4J_CLONES void backward_rows_adding(const float* __restrict dout, const float* __restrict x,
                                     const float* __restrict bias, float* __restrict dx, float* __restrict colsum,
                                     int64_t rows, int64_t cols, int activation) {
#define BACKWARD_LOOP(ACT) backward_rows_of<ACT, true>(dout, x, bias, dx, colsum, rows, cols)
  A4J_ROW_CASES(BACKWARD_LOOP)
#undef BACKWARD_LOOP
}

A4J_CLONES void backward_rows_writing(const float* __restrict dout, const float* __restrict x,
                                      const float* __restrict bias, float* __restrict dx, float* __restrict colsum,
                                      int64_t rows, int64_t cols, int activation) {
#define BACKWARD_LOOP(ACT) backward_rows_of<ACT, false>(dout, x, bias, dx, colsum, rows, cols)
  A4J_ROW_CASES(BACKWARD_LOOP)
#undef BACKWARD_LOOP
}

// The shared arithmetic of a4j_math.h, one function over a buffer (for a4j_math_eval).
A4J_CLONES void eval_math(int function, const float* __restrict x, float* __restrict out, int64_t n) {
#define MATH_LOOP(F) for (int64_t i = 0; i < n; i++) out[i] = F(x[i])
  switch (function) {
    case 0: MATH_LOOP(a4j_exp); break;
    case 1: MATH_LOOP(a4j_tanh); break;
    case 2: MATH_LOOP(a4j_erf); break;
    default: MATH_LOOP(a4j_erfc); break;
  }
#undef MATH_LOOP
}

bool valid_activation(int activation) { return activation >= A4J_ACT_GELU_ERF && activation <= A4J_ACT_IDENTITY; }
}  // namespace

extern "C" {
A4J_API int a4j_math_eval(int function, const float* x, float* out, int64_t n) {
  if (function < 0 || function > 3 || n < 0) {
    return a4j::set_error(A4J_ERR_INVALID_ARGUMENT, "a4j_math_eval: function must be 0..3 and n >= 0");
  }
  eval_math(function, x, out, n);
  return A4J_OK;
}

A4J_API int a4j_bias_gelu_forward(const float* x, const float* bias, float* out, int64_t rows, int64_t cols,
                                  int activation, void* stream) {
  if (!valid_activation(activation)) {
    return a4j::set_error(A4J_ERR_INVALID_ARGUMENT, "a4j_bias_gelu_forward: unknown activation " + std::to_string(activation));
  }
  if (rows <= 0 || cols <= 0) return A4J_OK;
  const bool parallel = rows * cols > a4j::kParallelElements / 8 && rows > 1;
#pragma omp parallel num_threads(a4j::num_threads()) if (parallel)
  {
    const int t = omp_get_thread_num();
    const int n = omp_get_num_threads();
    const int64_t begin = rows * t / n;
    const int64_t end = rows * (t + 1) / n;
    if (end > begin) {
      forward_rows(x + begin * cols, bias, out + begin * cols, end - begin, cols, activation);
    }
  }
  return A4J_OK;
}

A4J_API int a4j_bias_gelu_backward(const float* dout, const float* x, const float* bias, float* dx, float* dbias,
                                   int64_t rows, int64_t cols, int activation, int32_t accumulate, void* stream) {
  if (!valid_activation(activation)) {
    return a4j::set_error(A4J_ERR_INVALID_ARGUMENT, "a4j_bias_gelu_backward: unknown activation " + std::to_string(activation));
  }
  if (rows <= 0 || cols <= 0 || (dx == nullptr && dbias == nullptr)) return A4J_OK;
  float* acc[1] = {dbias};
  const bool parallel = rows * cols > a4j::kParallelElements / 8 && rows > 1;
  return a4j::rows_with_partials(rows, cols, 1, acc, parallel, [&](int64_t begin, int64_t end, float* partial) {
    if (end > begin) {
      float* dx_rows = dx == nullptr ? nullptr : dx + begin * cols;
      if (accumulate) {
        backward_rows_adding(dout + begin * cols, x + begin * cols, bias, dx_rows, partial, end - begin, cols,
                             activation);
      } else {
        backward_rows_writing(dout + begin * cols, x + begin * cols, bias, dx_rows, partial, end - begin, cols,
                              activation);
      }
    }
  });
}
}
