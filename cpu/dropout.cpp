// Inverted dropout whose mask is a pure function of (seed, offset + i) through a4j_uniform: the forward stores
// no mask tensor and the backward regenerates the same bits, saving one [n] mask write and read per dropout.
// p == 0 is a copy (forward) or an add (backward).
#include <cstring>

#include "a4j_math.h"
#include "albert4j.h"
#include "cpu_common.h"
#include "cpu_parallel.h"

namespace {
// out[i] = keep(i) ? in[i] * scale : 0, or out[i] += that when `accumulate`.
A4J_CLONES void dropout_range(const float* __restrict in, float* __restrict out, int64_t begin, int64_t end, float p,
                              float scale, uint64_t seed, uint64_t offset, bool accumulate) {
  for (int64_t i = begin; i < end; i++) {
    const bool keep = a4j_uniform(seed, offset + static_cast<uint64_t>(i)) >= p;
    const float v = keep ? in[i] * scale : 0.0f;
    if (accumulate) {
      out[i] += v;
    } else {
      out[i] = v;
    }
  }
}

int run(const char* name, const float* in, float* out, int64_t n, float p, uint64_t seed, uint64_t offset,
        bool accumulate) {
  if (!(p >= 0.0f && p < 1.0f)) {
    return a4j::set_error(A4J_ERR_INVALID_ARGUMENT, std::string(name) + ": p must be in [0, 1), got " + std::to_string(p));
  }
  if (n <= 0) return A4J_OK;
  const float scale = 1.0f / (1.0f - p);
  a4j::parallel_chunks(n, [&](int64_t begin, int64_t end) {
    if (p == 0.0f) {
      if (accumulate) {
        for (int64_t i = begin; i < end; i++) out[i] += in[i];
      } else if (out != in) {
        std::memmove(out + begin, in + begin, static_cast<size_t>(end - begin) * sizeof(float));
      }
    } else {
      dropout_range(in, out, begin, end, p, scale, seed, offset, accumulate);
    }
  });
  return A4J_OK;
}
}  // namespace

extern "C" {
A4J_API int a4j_dropout_forward(const float* x, float* out, int64_t n, float p, uint64_t seed, uint64_t offset,
                                void* stream) {
  return run("a4j_dropout_forward", x, out, n, p, seed, offset, false);
}

A4J_API int a4j_dropout_backward(const float* dout, float* dx, int64_t n, float p, uint64_t seed, uint64_t offset,
                                 void* stream) {
  return run("a4j_dropout_backward", dout, dx, n, p, seed, offset, true);
}
}
