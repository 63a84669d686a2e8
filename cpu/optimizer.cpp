// Fused AdamW and LAMB updates (GR optimization.py / lamb_optimizer.py): grad scaling (clipping), both moments,
// the update direction, weight decay, the LAMB trust ratio and the weight step in one kernel per tensor, where
// an op-by-op update would stream the parameter-sized buffers through memory about ten times.
#include <cmath>
#include <vector>

#include "a4j_math.h"
#include "albert4j.h"
#include "cpu_common.h"
#include "cpu_parallel.h"

namespace {
struct Hyper {
  float lr, beta1, beta2, eps, weight_decay, grad_scale;
};

// m, v <- moments of g = grad * grad_scale; returns u = m / (sqrt(v) + eps) + wd * w (no bias correction, as GR).
static inline float moments_and_direction(const Hyper& h, float w, float grad, float& m, float& v) {
  const float g = grad * h.grad_scale;
  m = h.beta1 * m + (1.0f - h.beta1) * g;
  v = h.beta2 * v + (1.0f - h.beta2) * g * g;
  return m / (std::sqrt(v) + h.eps) + h.weight_decay * w;
}

// AdamW (and LAMB with ratio 1): one pass, w -= lr * u.
A4J_CLONES void adamw_range(const Hyper h, float* __restrict w, const float* __restrict grad, float* __restrict m,
                            float* __restrict v, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; i++) {
    const float u = moments_and_direction(h, w[i], grad[i], m[i], v[i]);
    w[i] -= h.lr * u;
  }
}

// LAMB pass 1: update the moments, accumulate ||w||^2 and ||u||^2 (w still the old weights).
A4J_CLONES void lamb_norms_range(const Hyper h, const float* __restrict w, const float* __restrict grad,
                                 float* __restrict m, float* __restrict v, int64_t begin, int64_t end, double* w2_out,
                                 double* u2_out) {
  double w2 = 0.0, u2 = 0.0;
#pragma omp simd reduction(+ : w2, u2)
  for (int64_t i = begin; i < end; i++) {
    const float u = moments_and_direction(h, w[i], grad[i], m[i], v[i]);
    w2 += static_cast<double>(w[i]) * w[i];
    u2 += static_cast<double>(u) * u;
  }
  *w2_out = w2;
  *u2_out = u2;
}

// LAMB pass 2: recompute u from the updated moments (bit-identical to pass 1) and step.
A4J_CLONES void lamb_step_range(const Hyper h, float step, float* __restrict w, const float* __restrict m,
                                const float* __restrict v, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; i++) {
    const float u = m[i] / (std::sqrt(v[i]) + h.eps) + h.weight_decay * w[i];
    w[i] -= step * u;
  }
}
}  // namespace

extern "C" {
A4J_API int a4j_adamw_update(float* param, const float* grad, float* m, float* v, int64_t n, float lr, float beta1,
                             float beta2, float eps, float weight_decay, float grad_scale, void* stream) {
  const Hyper h{lr, beta1, beta2, eps, weight_decay, grad_scale};
  a4j::parallel_chunks(n, [&](int64_t begin, int64_t end) { adamw_range(h, param, grad, m, v, begin, end); });
  return A4J_OK;
}

A4J_API int a4j_lamb_update(float* param, const float* grad, float* m, float* v, int64_t n, float lr, float beta1,
                            float beta2, float eps, float weight_decay, int use_trust_ratio, float grad_scale,
                            float* trust_ratio_out, void* stream) {
  const Hyper h{lr, beta1, beta2, eps, weight_decay, grad_scale};
  if (!use_trust_ratio) {
    a4j::parallel_chunks(n, [&](int64_t begin, int64_t end) { adamw_range(h, param, grad, m, v, begin, end); });
    if (trust_ratio_out != nullptr) *trust_ratio_out = 1.0f;
    return A4J_OK;
  }
  double w2[256] = {}, u2[256] = {};
  int team = 1;
  if (n <= a4j::kParallelElements) {
    lamb_norms_range(h, param, grad, m, v, 0, n, &w2[0], &u2[0]);
  } else {
#pragma omp parallel num_threads(a4j::num_threads() < 256 ? a4j::num_threads() : 256)
    {
      const int t = omp_get_thread_num();
      const int k = omp_get_num_threads();
#pragma omp single
      team = k;
      lamb_norms_range(h, param, grad, m, v, n * t / k, n * (t + 1) / k, &w2[t], &u2[t]);
    }
  }
  double w2_total = 0.0, u2_total = 0.0;
  for (int t = 0; t < team; t++) {
    w2_total += w2[t];
    u2_total += u2[t];
  }
  const float ratio = a4j_lamb_trust_ratio(static_cast<float>(std::sqrt(w2_total)),
                                           static_cast<float>(std::sqrt(u2_total)));
  const float step = ratio * lr;
  a4j::parallel_chunks(n, [&](int64_t begin, int64_t end) { lamb_step_range(h, step, param, m, v, begin, end); });
  if (trust_ratio_out != nullptr) *trust_ratio_out = ratio;
  return A4J_OK;
}

// One parallel region for the whole step, the tensors shared as a4j::TensorDeal says: each small tensor finished,
// both passes, by one thread while it is in that core's cache; each large one cut between the threads as
// a4j_lamb_update cuts it (the same bits), its norms' partials added in thread order after a barrier.
A4J_API int a4j_lamb_update_multi(int count, float* const* params, const float* const* grads, float* const* m,
                                  float* const* v, const int64_t* sizes, float lr, float beta1, float beta2,
                                  float eps, const float* weight_decay, const int* use_trust_ratio, float grad_scale,
                                  float* trust_ratios_out, void* stream) {
  a4j::TensorDeal deal;
  const int status = deal.init(count, sizes);
  if (status != A4J_OK) return status;
  std::vector<double> partials;  // [thread][tensor][w2, u2], large tensors only
  std::vector<float> ratios;
  try {
    partials.assign(static_cast<size_t>(deal.threads()) * count * 2, 0.0);
    ratios.assign(static_cast<size_t>(count), 1.0f);
  } catch (const std::bad_alloc&) {
    return a4j::set_error(A4J_ERR_OUT_OF_MEMORY, "out of host memory for the norms of " + std::to_string(count) +
                                                     " tensors");
  }
  for (int i = 0; i < count; i++) {
    if (use_trust_ratio[i]) ratios[i] = a4j_lamb_trust_ratio(0.0f, 0.0f);  // an empty tensor's, as a4j_lamb_update
  }
  auto hyper = [&](int i) { return Hyper{lr, beta1, beta2, eps, weight_decay[i], grad_scale}; };
#pragma omp parallel num_threads(deal.threads()) if (deal.threads() > 1)
  {
    const int t = omp_get_thread_num();
    const int k = omp_get_num_threads();
    deal.run(
        t, k,
        [&](int i) {
          const Hyper h = hyper(i);
          if (!use_trust_ratio[i]) {
            adamw_range(h, params[i], grads[i], m[i], v[i], 0, sizes[i]);
            return;
          }
          double w2 = 0.0, u2 = 0.0;
          lamb_norms_range(h, params[i], grads[i], m[i], v[i], 0, sizes[i], &w2, &u2);
          const float ratio =
              a4j_lamb_trust_ratio(static_cast<float>(std::sqrt(w2)), static_cast<float>(std::sqrt(u2)));
          lamb_step_range(h, ratio * lr, params[i], m[i], v[i], 0, sizes[i]);
          ratios[i] = ratio;
        },
        [&](int i, int64_t lo, int64_t hi) {
          if (!use_trust_ratio[i]) {
            adamw_range(hyper(i), params[i], grads[i], m[i], v[i], lo, hi);
            return;
          }
          double* norms = &partials[(static_cast<size_t>(t) * count + i) * 2];
          lamb_norms_range(hyper(i), params[i], grads[i], m[i], v[i], lo, hi, &norms[0], &norms[1]);
        });
#pragma omp barrier
    for (int i = 0; i < count; i++) {
      if (!deal.large(i) || !use_trust_ratio[i]) continue;
      double w2 = 0.0, u2 = 0.0;
      for (int p = 0; p < k; p++) {
        w2 += partials[(static_cast<size_t>(p) * count + i) * 2];
        u2 += partials[(static_cast<size_t>(p) * count + i) * 2 + 1];
      }
      const float ratio = a4j_lamb_trust_ratio(static_cast<float>(std::sqrt(w2)), static_cast<float>(std::sqrt(u2)));
      lamb_step_range(hyper(i), ratio * lr, params[i], m[i], v[i], sizes[i] * t / k, sizes[i] * (t + 1) / k);
      if (t == 0) ratios[i] = ratio;
    }
  }
  if (trust_ratios_out != nullptr) {
    for (int i = 0; i < count; i++) trust_ratios_out[i] = ratios[i];
  }
  return A4J_OK;
}

A4J_API int a4j_adamw_update_multi(int count, float* const* params, const float* const* grads, float* const* m,
                                   float* const* v, const int64_t* sizes, float lr, float beta1, float beta2,
                                   float eps, const float* weight_decay, float grad_scale, void* stream) {
  a4j::TensorDeal deal;
  const int status = deal.init(count, sizes);
  if (status != A4J_OK) return status;
  auto update = [&](int i, int64_t lo, int64_t hi) {
    adamw_range(Hyper{lr, beta1, beta2, eps, weight_decay[i], grad_scale}, params[i], grads[i], m[i], v[i], lo, hi);
  };
#pragma omp parallel num_threads(deal.threads()) if (deal.threads() > 1)
  deal.run(omp_get_thread_num(), omp_get_num_threads(), [&](int i) { update(i, 0, sizes[i]); }, update);
  return A4J_OK;
}
}
