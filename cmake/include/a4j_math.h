/*
 * The arithmetic that the CPU and CUDA kernels must agree on, written once as __host__ __device__
 * functions: the CPU library and its tests exercise exactly the code the GPU kernels run.
 */
#ifndef A4J_MATH_H
#define A4J_MATH_H

#include <stdint.h>
#include <math.h>

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

A4J_HD float a4j_gelu_tanh(float x) {
  float inner = A4J_GELU_TANH_C * (x + A4J_GELU_TANH_A * x * x * x);
  return 0.5f * x * (1.0f + tanhf(inner));
}
A4J_HD float a4j_gelu_tanh_grad(float x) {
  float x2 = x * x;
  float inner = A4J_GELU_TANH_C * (x + A4J_GELU_TANH_A * x2 * x);
  float t = tanhf(inner);
  float dinner = A4J_GELU_TANH_C * (1.0f + 3.0f * A4J_GELU_TANH_A * x2);
  return 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * dinner;
}
A4J_HD float a4j_gelu_erf(float x) { return 0.5f * x * (1.0f + erff(x * A4J_INV_SQRT2)); }
A4J_HD float a4j_gelu_erf_grad(float x) {
  return 0.5f * (1.0f + erff(x * A4J_INV_SQRT2)) + x * A4J_INV_SQRT_2PI * expf(-0.5f * x * x);
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
