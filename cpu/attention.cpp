// Fused multi-head self-attention (FlashAttention-2 on the CPU): Q·Kᵀ, scale, additive key mask, online softmax,
// dropout and ·V in one pass over key tiles, so no [seq, seq] score matrix is ever stored (memory O(seq·head_dim)
// per head); backward recomputes the probabilities from the saved log-sum-exp instead of reading S×S from memory.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#include <immintrin.h>
#include <omp.h>

#include "a4j_math.h"
#include "albert4j.h"
#include "cpu_common.h"

// The kernels use GCC vector types; passing them between always-inlined helpers triggers ABI notes that do not
// apply (nothing crosses a real call boundary).
#pragma GCC diagnostic ignored "-Wpsabi"

namespace {
// Tile sizes: a query tile of kQueryTile rows meets a key tile of Problem::key_tile keys, 128, 64 or 32. 32×128 scores
// (16 KiB) plus the query/output tiles stay in L1; the packed K/V panels of one head (seq×head_dim) stay in L2.
// Against 64-key tiles, 128 halves the per-row softmax bookkeeping per key (max, sum, merge, rescale): on Zen 5,
// 2 threads, JMH AttentionBench, forward 250 -> 276 GFLOP/s at seq 512 and 189 -> 198 at seq 128, forward +
// backward 264 -> 297 at seq 512. Shorter sequences that a 128-key tile would pad further (seq 32 to 128) keep 64,
// and sequences of 32 or fewer keys (the demo's rows) take one tile of 32: with 64, half of every score, exp and
// P·V product was padding. Demo config, b32 x s32, 2 threads, Intel Xeon: attention forward + backward 3.55 -> 2.67
// ms a step on the AVX2 kernels; whole training steps +4-5% on either ISA.
constexpr int64_t kQueryTile = 32;
constexpr int64_t kWideKeyTile = 128;
constexpr int64_t kNarrowKeyTile = 64;
constexpr int64_t kShortKeyTile = 32;
// Rows of the register-blocked micro-kernel (kQueryTile and every key tile are multiples of it).
constexpr int kRows = 4;

#define A4J_INLINE static inline __attribute__((always_inline))

// One SIMD register of floats: 16 lanes in the AVX-512 build of the kernels, 8 in the AVX2 build.
typedef float float16v __attribute__((vector_size(64)));
typedef float float8v __attribute__((vector_size(32)));
typedef int32_t int16v __attribute__((vector_size(64)));
typedef int32_t int8v __attribute__((vector_size(32)));

template <class V> struct IntOf;
template <> struct IntOf<float16v> { typedef int16v type; };
template <> struct IntOf<float8v> { typedef int8v type; };

template <class V> constexpr int lanes() { return sizeof(V) / sizeof(float); }

template <class V> A4J_INLINE V load(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class V> A4J_INLINE void store(float* p, const V& v) { std::memcpy(p, &v, sizeof v); }
template <class V> A4J_INLINE V splat(float x) { return V{} + x; }
template <class V> A4J_INLINE float reduce_max(const V& v) {
  float m = v[0];
  for (int i = 1; i < lanes<V>(); i++) m = std::max(m, v[i]);
  return m;
}
template <class V> A4J_INLINE float reduce_sum(const V& v) {
  float s = 0.0f;
  for (int i = 0; i < lanes<V>(); i++) s += v[i];
  return s;
}

// Σ a[d]·b[d] over n floats, W lanes at a time.
template <class V> A4J_INLINE float dot(const float* a, const float* b, int64_t n) {
  constexpr int W = lanes<V>();
  V acc = {};
  int64_t d = 0;
  for (; d + W <= n; d += W) acc += load<V>(a + d) * load<V>(b + d);
  float sum = reduce_sum(acc);
  for (; d < n; d++) sum += a[d] * b[d];
  return sum;
}

// to[d] = (accumulate ? to[d] : 0) + scale·from[d] for d < n: a gradient row out of the scratch into dq, dk or dv.
// A select, not a multiply by 0: an uninitialised buffer may hold NaN. GCC left this loop scalar (to and from may
// alias for all it knows); with it and dot() vectorised, a b8 x s128 x 12-head backward on its own takes 7.8 -> 7.2 ms
// on the AVX2 kernels and 5.5 -> 5.1 ms on AVX-512 (Intel Xeon, 2 threads, alternating calls); inside a training
// step, where the stores wait on memory more, the gain is within the noise.
template <class V>
A4J_INLINE void add_scaled_row(float* to, const float* from, int64_t n, float scale, bool accumulate) {
  constexpr int W = lanes<V>();
  int64_t d = 0;
  if (accumulate) {
    for (; d + W <= n; d += W) store<V>(to + d, load<V>(to + d) + load<V>(from + d) * scale);
    for (; d < n; d++) to[d] = to[d] + scale * from[d];
  } else {
    for (; d + W <= n; d += W) store<V>(to + d, V{} + load<V>(from + d) * scale);
    for (; d < n; d++) to[d] = 0.0f + scale * from[d];
  }
}

// exp(x) for x <= 0 (what softmax needs): x = n·ln2 + r, |r| <= ln2/2, e^r by its degree-6 Taylor polynomial
// (relative error < 2e-7), 2^n put in the exponent bits. Below -87 (incl. -inf of padded keys) it returns 0.
template <class V> A4J_INLINE V exp_nonpositive(const V& x) {
  typedef typename IntOf<V>::type I;
  const V zero = {};
  V clamped = x < -87.0f ? zero - 87.0f : x;
  // Adding 1.5·2^23 rounds to the nearest integer in float arithmetic.
  V n = (clamped * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  V r = clamped - n * 0.693145751953125f;  // ln2 split in a high part exact in float ...
  r = r - n * 1.428606765330187045e-06f;    // ... and the rest
  V p = r * (1.0f / 720.0f) + (1.0f / 120.0f);
  p = p * r + (1.0f / 24.0f);
  p = p * r + (1.0f / 6.0f);
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  I bits = (__builtin_convertvector(n, I) + 127) << 23;
  V result = p * (V)bits;
  return x < -87.0f ? zero : result;
}

// C[RB×(CB·W)] (+)= A[RB×k] · B[k×(CB·W)], accumulators in registers. A is read by broadcast with a row and a
// column stride (so Aᵀ needs no copy); B rows are ldb floats apart and read as whole vectors.
template <class V, int RB, int CB>
A4J_INLINE void micro_kernel(const float* a, int64_t a_row, int64_t a_col, const float* b, int64_t ldb, float* c,
                             int64_t ldc, int64_t k, bool accumulate) {
  constexpr int W = lanes<V>();
  V acc[RB][CB];
  for (int r = 0; r < RB; r++)
    for (int j = 0; j < CB; j++) acc[r][j] = accumulate ? load<V>(c + r * ldc + j * W) : V{};
  for (int64_t p = 0; p < k; p++) {
    V bv[CB];
    for (int j = 0; j < CB; j++) bv[j] = load<V>(b + p * ldb + j * W);
    for (int r = 0; r < RB; r++) {
      // A scalar times a vector: an FMA with an embedded broadcast from memory. splat() (V{} + x) cost a scalar add
      // and a register broadcast here, two uops on the FMA ports per row.
      const float av = a[r * a_row + p * a_col];
      for (int j = 0; j < CB; j++) acc[r][j] += av * bv[j];
    }
  }
  for (int r = 0; r < RB; r++)
    for (int j = 0; j < CB; j++) store<V>(c + r * ldc + j * W, acc[r][j]);
}

// C[m×n] (+)= A[m×k]·B[k×n] for m a multiple of kRows and n a multiple of the vector width (callers pad).
template <class V>
A4J_INLINE void gemm_tile(const float* a, int64_t a_row, int64_t a_col, const float* b, int64_t ldb, float* c,
                          int64_t ldc, int64_t m, int64_t n, int64_t k, bool accumulate) {
  constexpr int W = lanes<V>();
  // 4 rows × 4 vectors = 16 accumulators fit AVX-512's 32 registers; AVX2 has 16, so 4 × 2 there.
  constexpr int CB = W == 16 ? 4 : 2;
  for (int64_t i = 0; i < m; i += kRows) {
    int64_t j = 0;
    for (; j + CB * W <= n; j += CB * W)
      micro_kernel<V, kRows, CB>(a + i * a_row, a_row, a_col, b + j, ldb, c + i * ldc + j, ldc, k, accumulate);
    for (; j < n; j += W)
      micro_kernel<V, kRows, 1>(a + i * a_row, a_row, a_col, b + j, ldb, c + i * ldc + j, ldc, k, accumulate);
  }
}

struct Problem {
  const float* q;
  const float* k;
  const float* v;
  const float* mask_add;
  int64_t batch, seq, heads, head_dim, stride;
  float scale, dropout_p;
  uint64_t seed;
  // head_dim rounded up to the vector width; seq rounded up to the key / query tile.
  int64_t padded_dim, padded_keys, padded_queries;
  int64_t key_tile;  // keys per tile: kWideKeyTile, kNarrowKeyTile or kShortKeyTile
};

int64_t round_up(int64_t x, int64_t multiple) { return (x + multiple - 1) / multiple * multiple; }

// rows [0, seq) of head h of batch b, columns [0, head_dim) → dst[row·ld + col]; padding rows/columns are zero.
void pack_rows(const float* src, const Problem& pr, int64_t b, int64_t h, float* dst, int64_t rows, int64_t ld) {
  for (int64_t i = 0; i < rows; i++) {
    float* out = dst + i * ld;
    if (i < pr.seq) {
      std::memcpy(out, src + (b * pr.seq + i) * pr.stride + h * pr.head_dim, pr.head_dim * sizeof(float));
      std::fill(out + pr.head_dim, out + ld, 0.0f);
    } else {
      std::fill(out, out + ld, 0.0f);
    }
  }
}

// r[i] = row i of an 8 x 8 block -> r[c] = column c.
A4J_INLINE void transpose_8x8(__m256 (&r)[8]) {
  __m256 t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);      // (r_i[0], r_i+1[0], r_i[1], r_i+1[1] | the same at 4, 5)
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);  // columns 2, 3 | 6, 7
  }
  for (int i = 0; i < 8; i += 4) {
    u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);      // column 0 of four rows | column 4
    u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);  // 1 | 5
    u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);  // 2 | 6
    u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);  // 3 | 7
  }
  for (int c = 0; c < 4; c++) {
    r[c] = _mm256_permute2f128_ps(u[c], u[c + 4], 0x20);
    r[c + 4] = _mm256_permute2f128_ps(u[c], u[c + 4], 0x31);
  }
}

// The transpose, one key tile after another (T = pr.key_tile): key j, column d → dst[(j / T)·dp·T + d·T + j % T],
// padding zero. A whole-head transpose with rows seq floats apart would put the rows a micro-kernel
// walks 2 or 4 KiB apart, all in the same few L1 sets (seq 512, one thread: forward 36 → 61 GFLOP/s).
// Blocks of 8 keys by 8 columns go through an 8 x 8 register transpose (AVX, the library's baseline); the scalar
// loop it replaces stored one float per instruction and took ~10% of the forward's time on an Intel Xeon.
void pack_transposed(const float* src, const Problem& pr, int64_t b, int64_t h, float* dst) {
  // Zeros for the padding only: with none (seq a multiple of the tile, head_dim of the vector width: ALBERT's
  // shapes) every float is written below, and the fill was a pass over the whole panel per head.
  if (pr.seq != pr.padded_keys || pr.head_dim != pr.padded_dim) {
    std::fill(dst, dst + pr.padded_dim * pr.padded_keys, 0.0f);
  }
  const int64_t whole_keys = pr.seq / 8 * 8, whole_dims = pr.head_dim / 8 * 8;
  for (int64_t j0 = 0; j0 < whole_keys; j0 += 8) {
    const float* row = src + (b * pr.seq + j0) * pr.stride + h * pr.head_dim;
    float* tile = dst + (j0 / pr.key_tile) * pr.padded_dim * pr.key_tile + j0 % pr.key_tile;
    for (int64_t d0 = 0; d0 < whole_dims; d0 += 8) {
      __m256 r[8];
      for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(row + i * pr.stride + d0);
      transpose_8x8(r);
      for (int i = 0; i < 8; i++) _mm256_storeu_ps(tile + (d0 + i) * pr.key_tile, r[i]);
    }
  }
  for (int64_t j = 0; j < pr.seq; j++) {
    const float* row = src + (b * pr.seq + j) * pr.stride + h * pr.head_dim;
    float* tile = dst + (j / pr.key_tile) * pr.padded_dim * pr.key_tile + j % pr.key_tile;
    for (int64_t d = j < whole_keys ? whole_dims : 0; d < pr.head_dim; d++) tile[d * pr.key_tile] = row[d];
  }
}

// Additive bias of every key: the mask (0 / -10000), and -inf for the padding beyond seq so it gets probability 0.
void key_bias(const Problem& pr, int64_t b, float* bias) {
  for (int64_t j = 0; j < pr.padded_keys; j++)
    bias[j] = j >= pr.seq ? -INFINITY : (pr.mask_add ? pr.mask_add[b * pr.seq + j] : 0.0f);
}

typedef uint64_t uint64x8v __attribute__((vector_size(64)));

// a4j_mix64 of a4j_math.h on 8 lanes (vpmullq in the AVX-512 build).
A4J_INLINE uint64x8v mix64(const uint64x8v& x) {
  uint64x8v z = x;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Dropout multipliers of query i against keys [j0, j0 + pr.key_tile): 1/(1-p) where a4j_uniform(seed, counter) >= p,
// else 0 — a4j_uniform computed 8 lanes at a time, bit for bit. Keys past seq get a value too; their probability is 0.
A4J_INLINE void dropout_row(const Problem& pr, int64_t b, int64_t h, int64_t i, int64_t j0, float* keep) {
  const float inv_keep = 1.0f / (1.0f - pr.dropout_p);
  const uint64_t base = ((uint64_t)(b * pr.heads + h) * pr.seq + i) * pr.seq + (uint64_t)j0;
  const uint64x8v lane = {0, 1, 2, 3, 4, 5, 6, 7};
  const float8v zero = {};
  for (int64_t j = 0; j < pr.key_tile; j += 8) {
    const uint64x8v counter = lane + (base + (uint64_t)j);
    const uint64x8v r = mix64(pr.seed * 0x9e3779b97f4a7c15ULL + mix64(counter + 0x632be59bd9b4e019ULL));
    const float8v u = __builtin_convertvector(r >> 40, float8v) * (1.0f / 16777216.0f);
    store<float8v>(keep + j, u >= pr.dropout_p ? zero + inv_keep : zero);
  }
}

// Per-thread scratch, kept across calls and grown on demand: the OpenMP pool's threads live as long as the process,
// and a fresh zero-filled buffer per call cost page faults and zeroing in every call (~4% of a b8 x s128 forward's
// samples in a perf profile). Nothing reads a float of it before writing it.
struct Scratch {
  std::unique_ptr<float[]> buffer;
  int64_t capacity = 0;
  bool reserve(int64_t floats) {
    if (floats <= capacity) return true;
    buffer.reset(new (std::nothrow) float[floats]);
    capacity = buffer ? floats : 0;
    return buffer != nullptr;
  }
  float* take(int64_t& used, int64_t n) {
    float* p = buffer.get() + used;
    used += round_up(n, 16);
    return p;
  }
};
thread_local Scratch thread_scratch;

int64_t forward_scratch_floats(const Problem& pr) {
  return 2 * pr.padded_dim * pr.padded_keys + 2 * kQueryTile * pr.padded_dim + kQueryTile * pr.key_tile +
         pr.padded_keys + pr.key_tile + 2 * kQueryTile + 16 * 16;
}

template <class V>
A4J_INLINE void forward_head(const Problem& pr, float* out, float* lse, int64_t bh, Scratch& scratch) {
  constexpr int W = lanes<V>();
  const int64_t b = bh / pr.heads, h = bh % pr.heads;
  const int64_t dp = pr.padded_dim, keys = pr.padded_keys;
  int64_t used = 0;
  float* key_t = scratch.take(used, dp * keys);     // Kᵀ, tile by tile [keys / pr.key_tile, dp, pr.key_tile]
  float* values = scratch.take(used, keys * dp);    // V  [keys, dp]
  float* query = scratch.take(used, kQueryTile * dp);
  float* acc = scratch.take(used, kQueryTile * dp);  // unnormalised output rows
  float* scores = scratch.take(used, kQueryTile * pr.key_tile);
  float* bias = scratch.take(used, keys);
  float* keep = scratch.take(used, pr.key_tile);
  float* row_max = scratch.take(used, kQueryTile);
  float* row_sum = scratch.take(used, kQueryTile);
  pack_transposed(pr.k, pr, b, h, key_t);
  pack_rows(pr.v, pr, b, h, values, keys, dp);
  key_bias(pr, b, bias);
  const bool dropout = pr.dropout_p > 0.0f;

  for (int64_t i0 = 0; i0 < pr.seq; i0 += kQueryTile) {
    const int64_t rows = std::min(kQueryTile, pr.seq - i0);
    for (int64_t r = 0; r < kQueryTile; r++) {
      float* dst = query + r * dp;
      if (r < rows) {
        std::memcpy(dst, pr.q + (b * pr.seq + i0 + r) * pr.stride + h * pr.head_dim, pr.head_dim * sizeof(float));
        std::fill(dst + pr.head_dim, dst + dp, 0.0f);
      } else {
        std::fill(dst, dst + dp, 0.0f);
      }
      row_max[r] = -INFINITY;
      row_sum[r] = 0.0f;
    }
    const int64_t tile_rows = round_up(rows, kRows);

    for (int64_t j0 = 0; j0 < pr.seq; j0 += pr.key_tile) {
      // The first key tile starts each row's state: its max and sum are the row's, nothing is rescaled and P·V
      // writes acc rather than adding to it. At seq <= 128 (one tile) that is every row, and it saves an expf, a
      // pass over acc and a pass over P per row (the same arithmetic: e^0 = 1 and a rescale of zeros).
      const bool first = j0 == 0;
      gemm_tile<V>(query, dp, 1, key_t + j0 * dp, pr.key_tile, scores, pr.key_tile, tile_rows, pr.key_tile, dp,
                   false);
      for (int64_t r = 0; r < rows; r++) {
        float* s = scores + r * pr.key_tile;
        V vmax = splat<V>(-INFINITY);
        for (int64_t j = 0; j < pr.key_tile; j += W) {
          V x = load<V>(s + j) * pr.scale + load<V>(bias + j0 + j);
          store<V>(s + j, x);
          vmax = x > vmax ? x : vmax;
        }
        // Online softmax: merge this tile's (max, sum) into the row's running state.
        const float tile_max = reduce_max(vmax);
        V vsum = {};
        for (int64_t j = 0; j < pr.key_tile; j += W) {
          V p = exp_nonpositive<V>(load<V>(s + j) - tile_max);
          store<V>(s + j, p);
          vsum += p;
        }
        if (dropout) dropout_row(pr, b, h, i0 + r, j0, keep);
        if (first) {
          row_max[r] = tile_max;
          row_sum[r] = reduce_sum(vsum);
          if (dropout) {
            for (int64_t j = 0; j < pr.key_tile; j += W) store<V>(s + j, load<V>(s + j) * load<V>(keep + j));
          }
          continue;
        }
        a4j_softmax_state merged = a4j_softmax_merge({row_max[r], row_sum[r]}, {tile_max, reduce_sum(vsum)});
        const float rescale = row_max[r] == -INFINITY ? 0.0f : std::exp(row_max[r] - merged.max);
        const float tile_weight = std::exp(tile_max - merged.max);
        row_max[r] = merged.max;
        row_sum[r] = merged.sum;
        // acc = acc·e^(m_old - m_new) + P·V with P taken relative to the new max; fold e^(tile_max - m_new) into P.
        for (int64_t j = 0; j < pr.key_tile; j += W) {
          V p = load<V>(s + j) * tile_weight;
          if (dropout) p *= load<V>(keep + j);
          store<V>(s + j, p);
        }
        float* o = acc + r * dp;
        for (int64_t d = 0; d < dp; d += W) store<V>(o + d, load<V>(o + d) * rescale);
      }
      gemm_tile<V>(scores, pr.key_tile, 1, values + j0 * dp, dp, acc, dp, tile_rows, dp, pr.key_tile, !first);
    }

    for (int64_t r = 0; r < rows; r++) {
      const int64_t i = i0 + r;
      const float inv = 1.0f / row_sum[r];
      float* dst = out + (b * pr.seq + i) * pr.heads * pr.head_dim + h * pr.head_dim;
      for (int64_t d = 0; d < pr.head_dim; d++) dst[d] = acc[r * dp + d] * inv;
      lse[bh * pr.seq + i] = a4j_softmax_lse({row_max[r], row_sum[r]});
    }
  }
}

int64_t backward_scratch_floats(const Problem& pr) {
  const int64_t dp = pr.padded_dim, queries = pr.padded_queries, keys = pr.padded_keys;
  return 3 * queries * dp + keys * dp + 2 * dp * keys + 2 * pr.key_tile * dp + 3 * kQueryTile * pr.key_tile + keys +
         2 * queries + pr.key_tile + 16 * 16;
}

struct Gradients {
  const float* out;
  const float* lse;
  const float* dout;
  float* dq;
  float* dk;
  float* dv;
  bool accumulate;  // add into dq, dk, dv; otherwise overwrite them (each head writes only its own columns)
};

template <class V>
A4J_INLINE void backward_head(const Problem& pr, const Gradients& g, int64_t bh, Scratch& scratch) {
  constexpr int W = lanes<V>();
  const int64_t b = bh / pr.heads, h = bh % pr.heads;
  const int64_t dp = pr.padded_dim, keys = pr.padded_keys, queries = pr.padded_queries;
  const int64_t hidden = pr.heads * pr.head_dim;
  int64_t used = 0;
  float* query = scratch.take(used, queries * dp);   // Q  [queries, dp]
  float* dout = scratch.take(used, queries * dp);    // dO [queries, dp]
  float* dquery = scratch.take(used, queries * dp);  // dQ / scale, accumulated over key tiles
  float* key = scratch.take(used, keys * dp);        // K  [keys, dp]
  float* key_t = scratch.take(used, dp * keys);      // Kᵀ tile by tile
  float* value_t = scratch.take(used, dp * keys);    // Vᵀ tile by tile
  float* dkey = scratch.take(used, pr.key_tile * dp);
  float* dvalue = scratch.take(used, pr.key_tile * dp);
  float* probs = scratch.take(used, kQueryTile * pr.key_tile);  // P, then P with dropout applied
  float* dprobs = scratch.take(used, kQueryTile * pr.key_tile);
  float* dscores = scratch.take(used, kQueryTile * pr.key_tile);
  float* bias = scratch.take(used, keys);
  float* row_lse = scratch.take(used, queries);
  float* row_delta = scratch.take(used, queries);  // D_i = rowsum(dO ∘ O)
  float* keep = scratch.take(used, pr.key_tile);

  pack_rows(pr.q, pr, b, h, query, queries, dp);
  pack_rows(pr.k, pr, b, h, key, keys, dp);
  pack_transposed(pr.k, pr, b, h, key_t);
  pack_transposed(pr.v, pr, b, h, value_t);
  Problem dout_layout = pr;
  dout_layout.stride = hidden;
  pack_rows(g.dout, dout_layout, b, h, dout, queries, dp);
  key_bias(pr, b, bias);
  for (int64_t i = 0; i < queries; i++) {
    if (i < pr.seq) {
      const float* o = g.out + (b * pr.seq + i) * hidden + h * pr.head_dim;
      const float* d_o = g.dout + (b * pr.seq + i) * hidden + h * pr.head_dim;
      row_delta[i] = dot<V>(o, d_o, pr.head_dim);
      row_lse[i] = g.lse[bh * pr.seq + i];
    } else {
      row_delta[i] = 0.0f;
      row_lse[i] = INFINITY;  // exp(s - inf) = 0: padded query rows get no probability
    }
  }
  const bool dropout = pr.dropout_p > 0.0f;

  for (int64_t j0 = 0; j0 < pr.seq; j0 += pr.key_tile) {
    const int64_t tile_keys = std::min(pr.key_tile, pr.seq - j0);
    for (int64_t i0 = 0; i0 < pr.seq; i0 += kQueryTile) {
      const int64_t rows = round_up(std::min(kQueryTile, pr.seq - i0), kRows);
      const float* q_tile = query + i0 * dp;
      const float* do_tile = dout + i0 * dp;
      gemm_tile<V>(q_tile, dp, 1, key_t + j0 * dp, pr.key_tile, probs, pr.key_tile, rows, pr.key_tile, dp, false);
      gemm_tile<V>(do_tile, dp, 1, value_t + j0 * dp, pr.key_tile, dprobs, pr.key_tile, rows, pr.key_tile, dp,
                   false);
      for (int64_t r = 0; r < rows; r++) {
        const int64_t i = i0 + r;
        float* p_row = probs + r * pr.key_tile;
        float* dp_row = dprobs + r * pr.key_tile;
        float* ds_row = dscores + r * pr.key_tile;
        if (dropout && i < pr.seq) dropout_row(pr, b, h, i, j0, keep);
        for (int64_t j = 0; j < pr.key_tile; j += W) {
          V p = exp_nonpositive<V>(load<V>(p_row + j) * pr.scale + load<V>(bias + j0 + j) - row_lse[i]);
          V dprob = load<V>(dp_row + j);
          if (dropout && i < pr.seq) {
            V z = load<V>(keep + j);
            dprob *= z;                   // dL/dP through the dropped, rescaled probabilities
            store<V>(p_row + j, p * z);   // what multiplied V in the forward pass
          } else {
            store<V>(p_row + j, p);
          }
          store<V>(ds_row + j, p * (dprob - row_delta[i]));
        }
      }
      // dV += P_droppedᵀ·dO, dK += dSᵀ·Q (scale applied once per key tile), dQ += dS·K (scale applied at the end);
      // the first query tile writes dV and dK, the first key tile dQ (no zero fill to add onto).
      gemm_tile<V>(probs, 1, pr.key_tile, do_tile, dp, dvalue, dp, pr.key_tile, dp, rows, i0 != 0);
      gemm_tile<V>(dscores, 1, pr.key_tile, q_tile, dp, dkey, dp, pr.key_tile, dp, rows, i0 != 0);
      gemm_tile<V>(dscores, pr.key_tile, 1, key + j0 * dp, dp, dquery + i0 * dp, dp, rows, dp, pr.key_tile, j0 != 0);
    }
    for (int64_t j = 0; j < tile_keys; j++) {
      const int64_t row = (b * pr.seq + j0 + j) * pr.stride + h * pr.head_dim;
      add_scaled_row<V>(g.dk + row, dkey + j * dp, pr.head_dim, pr.scale, g.accumulate);
      add_scaled_row<V>(g.dv + row, dvalue + j * dp, pr.head_dim, 1.0f, g.accumulate);
    }
  }
  for (int64_t i = 0; i < pr.seq; i++) {
    const int64_t row = (b * pr.seq + i) * pr.stride + h * pr.head_dim;
    add_scaled_row<V>(g.dq + row, dquery + i * dp, pr.head_dim, pr.scale, g.accumulate);
  }
}

#define A4J_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl")))

A4J_AVX512 void forward_head_avx512(const Problem& pr, float* out, float* lse, int64_t bh, Scratch& s) {
  forward_head<float16v>(pr, out, lse, bh, s);
}
void forward_head_avx2(const Problem& pr, float* out, float* lse, int64_t bh, Scratch& s) {
  forward_head<float8v>(pr, out, lse, bh, s);
}
A4J_AVX512 void backward_head_avx512(const Problem& pr, const Gradients& g, int64_t bh, Scratch& s) {
  backward_head<float16v>(pr, g, bh, s);
}
void backward_head_avx2(const Problem& pr, const Gradients& g, int64_t bh, Scratch& s) {
  backward_head<float8v>(pr, g, bh, s);
}

int check_problem(const char* fn, const Problem& pr) {
  if (pr.batch < 0 || pr.seq < 0 || pr.heads <= 0 || pr.head_dim <= 0 || pr.stride < pr.heads * pr.head_dim ||
      !(pr.dropout_p >= 0.0f && pr.dropout_p < 1.0f))
    return a4j::set_error(A4J_ERR_INVALID_ARGUMENT, std::string(fn) + ": invalid sizes, stride or dropout_p");
  return A4J_OK;
}

Problem make_problem(const float* q, const float* k, const float* v, const float* mask_add, int64_t batch,
                     int64_t seq, int64_t heads, int64_t head_dim, int64_t stride, float scale, float dropout_p,
                     uint64_t seed) {
  Problem pr{q, k, v, mask_add, batch, seq, heads, head_dim, stride, scale, dropout_p, seed, 0, 0, 0, 0};
  pr.key_tile = seq <= kShortKeyTile                                             ? kShortKeyTile
                : round_up(seq, kWideKeyTile) == round_up(seq, kNarrowKeyTile) ? kWideKeyTile
                                                                               : kNarrowKeyTile;
  pr.padded_dim = round_up(head_dim, 16);
  pr.padded_keys = round_up(seq, pr.key_tile);
  pr.padded_queries = round_up(seq, kQueryTile);
  return pr;
}

// Runs body(bh, scratch) for every (batch, head) pair, one pair per thread at a time: each pair writes only its
// own rows/columns of out, lse, dq, dk and dv, so there are no races.
template <class Body>
int for_each_head(const char* fn, const Problem& pr, int64_t scratch_floats, Body body) {
  const int64_t pairs = pr.batch * pr.heads;
  const int threads = (int)std::max<int64_t>(1, std::min<int64_t>(a4j::num_threads(), pairs));
  bool ok = true;
#pragma omp parallel num_threads(threads) reduction(&& : ok)
  {
    Scratch& scratch = thread_scratch;
    ok = scratch.reserve(scratch_floats);
    // A thread without its scratch takes no pairs; the others still do theirs, and the call reports the failure.
#pragma omp for schedule(dynamic, 1)
    for (int64_t bh = 0; bh < pairs; bh++) {
      if (ok) body(bh, scratch);
    }
  }
  return ok ? A4J_OK : a4j::set_error(A4J_ERR_OUT_OF_MEMORY, std::string(fn) + ": cannot allocate scratch tiles");
}
}  // namespace

extern "C" {
A4J_API int a4j_attention_forward(const float* q, const float* k, const float* v, const float* mask_add, float* out,
                                  float* lse, int64_t batch, int64_t seq, int64_t heads, int64_t head_dim,
                                  int64_t qkv_stride, float scale, float dropout_p, uint64_t seed, void* stream) {
  const Problem pr = make_problem(q, k, v, mask_add, batch, seq, heads, head_dim, qkv_stride, scale, dropout_p, seed);
  if (int status = check_problem("a4j_attention_forward", pr)) return status;
  if (batch == 0 || seq == 0) return A4J_OK;
  const bool avx512 = a4j::has_avx512();
  return for_each_head("a4j_attention_forward", pr, forward_scratch_floats(pr), [&](int64_t bh, Scratch& s) {
    if (avx512) forward_head_avx512(pr, out, lse, bh, s);
    else forward_head_avx2(pr, out, lse, bh, s);
  });
}

A4J_API int a4j_attention_backward(const float* q, const float* k, const float* v, const float* mask_add,
                                   const float* out, const float* lse, const float* dout, float* dq, float* dk,
                                   float* dv, int64_t batch, int64_t seq, int64_t heads, int64_t head_dim,
                                   int64_t qkv_stride, float scale, float dropout_p, uint64_t seed,
                                   int32_t accumulate, void* stream) {
  const Problem pr = make_problem(q, k, v, mask_add, batch, seq, heads, head_dim, qkv_stride, scale, dropout_p, seed);
  if (int status = check_problem("a4j_attention_backward", pr)) return status;
  if (batch == 0 || seq == 0) return A4J_OK;
  const Gradients g{out, lse, dout, dq, dk, dv, accumulate != 0};
  const bool avx512 = a4j::has_avx512();
  return for_each_head("a4j_attention_backward", pr, backward_scratch_floats(pr), [&](int64_t bh, Scratch& s) {
    if (avx512) backward_head_avx512(pr, g, bh, s);
    else backward_head_avx2(pr, g, bh, s);
  });
}
}
