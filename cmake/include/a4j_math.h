/*
 * The arithmetic that the CPU and CUDA kernels must agree on, written once as __host__ __device__
 * functions: the CPU library and its tests exercise exactly the code the GPU kernels run.
 */
#ifndef A4J_MATH_H
#define A4J_MATH_H

#include <stdint.h>
#include <math.h>
#include <string.h>

#if defined(__CUDACC__)
#define A4J_HD __host__ __device__ __forceinline__
#else
#define A4J_HD static inline
#endif

/* sqrt(2/pi) and 0.044715: the tanh GELU of GR modeling.py gelu() and HF "gelu_new". */
#define A4J_GELU_TANH_C 0.7978845608028654f
#define A4J_GELU_TANH_A 0.044715f
#define A4J_INV_SQRT2 0.7071067811865476f
#define A4J_INV_SQRT_2PI 0.3989422804014327f

/* ---- exp, tanh, erf, erfc: branch-free float approximations ---------------------------------------
 * libm's scalar expf/tanhf/erff keep the CPU loops that call them from vectorising (~0.1 GB/s for GELU);
 * these are plain arithmetic and selects, so gcc turns the loops into AVX2/AVX-512 code, and the GPU runs the
 * same bits. Coefficients: minimax fits (Lawson-weighted least squares on Chebyshev nodes, float64), see
 * benchmarks/README.md "GELU approximations". Accuracy against double: a few ulp (< 1e-6 relative). */
#define A4J_LN2_HI 0.693145751953125f          /* ln 2 with 12 trailing zero bits: n * LN2_HI is exact */
#define A4J_LN2_LO 1.42860682030941723212e-6f  /* ln 2 - LN2_HI */
#define A4J_ROUND_SHIFTER 12582912.0f           /* 1.5 * 2^23: adding it rounds to an integer in the low bits */

A4J_HD uint32_t a4j_f32_bits(float f) {
#if defined(__CUDA_ARCH__)
  return __float_as_uint(f);
#else
  uint32_t u; memcpy(&u, &f, sizeof u); return u;
#endif
}
A4J_HD float a4j_bits_f32(uint32_t u) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  float f; memcpy(&f, &u, sizeof f); return f;
#endif
}

/* e^(a + b), where b is a small correction kept apart from a so that no bits of a + b are lost (erfc passes
 * -z^2 split in two). Results below e^-86.6 (~2.6e-38, the last normal floats) flush to 0; overflow gives +inf;
 * NaN stays NaN. */
A4J_HD float a4j_exp_sum(float a, float b) {
  float x = a + b;
  float xc = x < -86.6f ? -86.6f : (x > 88.76f ? 88.76f : x); /* NaN passes: both compares are false */
  float k = xc * 1.44269504088896341f + A4J_ROUND_SHIFTER;     /* n = round(x / ln 2) sits in k's low bits */
  float n = k - A4J_ROUND_SHIFTER;
  float r = fmaf(-n, A4J_LN2_HI, a);
  r = fmaf(-n, A4J_LN2_LO, r) + b; /* |r| <= ln2/2 (+ rounding) */
  float q = 0.00138146044799905f;
  q = fmaf(q, r, 0.00836871065473184f);
  q = fmaf(q, r, 0.04166838754462071f);
  q = fmaf(q, r, 0.16666520680903707f);
  q = fmaf(q, r, 0.49999993450796654f);
  float p = fmaf(q, r * r, r) + 1.0f;
  /* 2^(n-1) built in the exponent field (n - 1 + 127 stays in [1, 254] for the clamped x), times 2 after. */
  uint32_t biased = a4j_f32_bits(k) - a4j_f32_bits(A4J_ROUND_SHIFTER) + 126u;
  float y = p * a4j_bits_f32(biased << 23) * 2.0f;
  return x < -86.6f ? 0.0f : y;
}
A4J_HD float a4j_exp(float x) { return a4j_exp_sum(x, 0.0f); }

/* tanh: odd polynomial below 0.625, 1 - 2 / (e^(2|x|) + 1) above (no cancellation there: tanh > 0.55). */
A4J_HD float a4j_tanh(float x) {
  float a = fabsf(x);
  float x2 = x * x;
  float q = -0.00570500024439118f;
  q = fmaf(q, x2, 0.02063910055024711f);
  q = fmaf(q, x2, -0.05373971976460011f);
  q = fmaf(q, x2, 0.13331442264614762f);
  q = fmaf(q, x2, -0.33333281945068405f);
  float small = copysignf(fmaf(q * x2, a, a), x); /* odd, and tanh(-0) = -0 */
  float ac = a > 10.0f ? 10.0f : a; /* tanh rounds to 1 from 9.02 on; NaN passes */
  float large = copysignf(1.0f - 2.0f / (a4j_exp(2.0f * ac) + 1.0f), x);
  return a < 0.625f ? small : large;
}

/* erfc(a) for a >= 0.9 (clamped at 10, where it is 0 in float): t e^(-a^2 + P(t)), t = 1 / (1 + a/2),
 * with a^2 = hi + lo exactly (fma) so the exponent keeps full precision up to a^2 ~ 86. */
A4J_HD float a4j_erfc_tail(float a) {
  float ac = a > 10.0f ? 10.0f : a;
  float t = 1.0f / fmaf(0.5f, ac, 1.0f);
  float p = -0.2068411800006552f;
  p = fmaf(p, t, 0.5321319914094435f);
  p = fmaf(p, t, -0.28962231700217006f);
  p = fmaf(p, t, -0.1938323202882128f);
  p = fmaf(p, t, -0.01074686791954305f);
  p = fmaf(p, t, 0.05287957387138964f);
  p = fmaf(p, t, 0.3812694142172437f);
  p = fmaf(p, t, 0.9993333069493499f);
  p = fmaf(p, t, -1.2654830613076595f);
  float hi = ac * ac;
  float lo = fmaf(ac, ac, -hi);
  return t * a4j_exp_sum(-hi, p - lo);
}
/* erf(x) / x for |x| < 0.9, as a polynomial in x^2. */
A4J_HD float a4j_erf_small_ratio(float x2) {
  float p = 8.5134190045611791e-05f;
  p = fmaf(p, x2, -8.1757225522649524e-04f);
  p = fmaf(p, x2, 5.2038676298508946e-03f);
  p = fmaf(p, x2, -2.6860512600550293e-02f);
  p = fmaf(p, x2, 1.1283715131084177e-01f);
  p = fmaf(p, x2, -3.7612634989828514e-01f);
  return fmaf(p, x2, 1.1283791667672338f);
}
A4J_HD float a4j_erf(float x) {
  float a = fabsf(x);
  float small = x * a4j_erf_small_ratio(x * x);
  float large = copysignf(1.0f - a4j_erfc_tail(a), x);
  return a < 0.9f ? small : large;
}
/* erfc = 1 - erf without the cancellation for large x: relative accuracy down to ~1e-38. */
A4J_HD float a4j_erfc(float x) {
  float a = fabsf(x);
  float small = 1.0f - x * a4j_erf_small_ratio(x * x);
  float tail = a4j_erfc_tail(a);
  return a < 0.9f ? small : (x > 0.0f ? tail : 2.0f - tail);
}

/* GELU, tanh form: 0.5 x (1 + tanh u) = x s with s = 1 / (1 + e^(-2u)), the same function written without the
 * cancellation of 1 + tanh u for u << 0. Its derivative: s + 2 x s (1 - s) du/dx. */
A4J_HD float a4j_gelu_tanh_sigmoid(float x) {
  float inner = A4J_GELU_TANH_C * (x + A4J_GELU_TANH_A * x * x * x);
  return 1.0f / (1.0f + a4j_exp(-2.0f * inner));
}
A4J_HD float a4j_gelu_tanh(float x) {
  float s = a4j_gelu_tanh_sigmoid(x);
  return s == 0.0f ? -0.0f : x * s; /* x -> -inf: the limit -0, not -inf * 0 */
}
A4J_HD float a4j_gelu_tanh_grad(float x) {
  float s = a4j_gelu_tanh_sigmoid(x);
  float dinner = A4J_GELU_TANH_C * (1.0f + 3.0f * A4J_GELU_TANH_A * x * x);
  float d = 2.0f * x * s * (1.0f - s) * dinner;
  return s + (fabsf(x) < 16.0f ? d : 0.0f); /* beyond 16 the second term is < 1e-80; skip its inf * 0 */
}
/* GELU, erf form: 0.5 x (1 + erf(x / sqrt 2)) = 0.5 x erfc(-x / sqrt 2). */
A4J_HD float a4j_gelu_erf(float x) {
  float c = a4j_erfc(-x * A4J_INV_SQRT2);
  return c == 0.0f ? -0.0f : 0.5f * x * c;
}
A4J_HD float a4j_gelu_erf_grad(float x) {
  float d = x * A4J_INV_SQRT_2PI * a4j_exp(-0.5f * x * x);
  return 0.5f * a4j_erfc(-x * A4J_INV_SQRT2) + (fabsf(x) < 16.0f ? d : 0.0f);
}
/* activation: enum a4j_activation of albert4j.h */
A4J_HD float a4j_activate(int activation, float x) {
  switch (activation) {
    case 0: return a4j_gelu_erf(x);
    case 1: return a4j_gelu_tanh(x);
    case 2: return x > 0.0f ? x : 0.0f;
    default: return x;
  }
}
A4J_HD float a4j_activate_grad(int activation, float x) {
  switch (activation) {
    case 0: return a4j_gelu_erf_grad(x);
    case 1: return a4j_gelu_tanh_grad(x);
    case 2: return x > 0.0f ? 1.0f : 0.0f;
    default: return 1.0f;
  }
}

/* Counter-based RNG: a SplitMix64-style finalizer of (seed, counter). Stateless, so element i of a
 * dropout mask is the same on any thread, any device, in forward and in backward. */
A4J_HD uint64_t a4j_mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
/* uniform in [0, 1) with 24 random bits */
A4J_HD float a4j_uniform(uint64_t seed, uint64_t counter) {
  uint64_t r = a4j_mix64(seed * 0x9e3779b97f4a7c15ULL + a4j_mix64(counter + 0x632be59bd9b4e019ULL));
  return (float)(r >> 40) * (1.0f / 16777216.0f);
}

/* Welford's running mean/variance; merge combines two partial results (parallel LayerNorm). */
typedef struct { float mean; float m2; float count; } a4j_welford;
A4J_HD void a4j_welford_add(a4j_welford* w, float x) {
  w->count += 1.0f;
  float delta = x - w->mean;
  w->mean += delta / w->count;
  w->m2 += delta * (x - w->mean);
}
A4J_HD void a4j_welford_merge(a4j_welford* a, a4j_welford b) {
  if (b.count == 0.0f) return;
  if (a->count == 0.0f) { *a = b; return; }
  float count = a->count + b.count;
  float delta = b.mean - a->mean;
  a->mean += delta * (b.count / count);
  a->m2 += b.m2 + delta * delta * (a->count * b.count / count);
  a->count = count;
}

/* Online softmax: running max and running sum of exp(x - max); merging two partial states is how
 * fused attention combines key tiles without materialising the score row. */
typedef struct { float max; float sum; } a4j_softmax_state;
A4J_HD a4j_softmax_state a4j_softmax_merge(a4j_softmax_state a, a4j_softmax_state b) {
  if (a.max == -INFINITY) return b;
  if (b.max == -INFINITY) return a;
  float m = a.max > b.max ? a.max : b.max;
  a4j_softmax_state r;
  r.max = m;
  r.sum = a.sum * expf(a.max - m) + b.sum * expf(b.max - m);
  return r;
}
A4J_HD float a4j_softmax_lse(a4j_softmax_state s) { return s.max + logf(s.sum); }

/* LAMB trust ratio (GR lamb_optimizer.py): ||w|| / ||u|| when both are positive, else 1. */
A4J_HD float a4j_lamb_trust_ratio(float weight_norm, float update_norm) {
  return (weight_norm > 0.0f && update_norm > 0.0f) ? weight_norm / update_norm : 1.0f;
}

/* bf16 round-to-nearest-even from f32 (NaN stays NaN) */
A4J_HD uint16_t a4j_f32_to_bf16(float f) {
  union { float f; uint32_t u; } v; v.f = f;
  if ((v.u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((v.u >> 16) | 0x40u);
  uint32_t rounding = 0x7fffu + ((v.u >> 16) & 1u);
  return (uint16_t)((v.u + rounding) >> 16);
}
A4J_HD float a4j_bf16_to_f32(uint16_t h) {
  union { float f; uint32_t u; } v; v.u = ((uint32_t)h) << 16;
  return v.f;
}

#endif /* A4J_MATH_H */
