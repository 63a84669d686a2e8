// Single-precision GEMM (C = alpha·op(A)·op(B) + beta·C, row-major, batched-strided) in the BLIS/Goto layout:
// op(A) and op(B) are packed into cache-sized panels and a register-blocked FMA micro-kernel (AVX-512 8x48 or 12x32,
// AVX2 6x16 on CPUs without it) does the work, so every dense layer of ALBERT runs near the core's FMA peak.
// Two levers on top: bf16 products on AVX512_BF16 (opt-in, vdpbf16ps, twice the products per instruction) and a B
// packed once for many GEMMs (ALBERT's shared weights, a4j_gemm_pack_b), which saves the repacking in each.
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <immintrin.h>

#include "a4j_math.h"
#include "albert4j.h"
#include "cpu_common.h"

namespace {

// Cache blocking: the MC x KC block of A sits in L2 (96*768*4 = 288 KiB, within a Zen 3's 512 KiB), the KC x NR
// micro-panel of B streams from L2 across that block (the hardware prefetcher keeps up with it: at KC 768 it is
// larger than L1d on every CPU here), and the panel of B (all depth blocks of NC columns) in L3. KC = 768 covers
// ALBERT-base's K = 768 in one depth block, so C is read and written once instead of twice; where K is longer, each
// block of rows runs all its depth blocks in turn while its 96 x NC block of C stays in L2 (multiply_row_block).
// Measured on Zen 5 (2026-12-02; one process calling a4j_gemm, best of 5 interleaved rounds, GFLOP/s, KC 384/MC 192
// -> KC 768/MC 96), one thread: 1024x768x768 181 -> 202, 1024x3072x768 164 -> 177, 1024x768x3072 166 -> 180, the
// rest within 2%; two threads: 1024x3072x768 351 -> 391, 1024x768x3072 329 -> 355, 1024x768x768 416 -> 424; the
// AVX2 path unchanged within 2%. The 12x32 micro-kernel alone, its panels in cache, runs at 241-249 GFLOP/s there.
// (Earlier, Zen 5: KC 256/MC 384 -> 143, KC 384/MC 192 -> 150-160 at 1024x3072x768; A prefetch 96 floats ahead
// added ~5%.) NC 768 rather than all of an FFN's 3072 columns: the 2.25 MiB panel of B that every block of A
// streams stays nearer than 9 MiB would (A is repacked per NC block, cheap since packing is vectorised). Same
// harness, Zen 5, NC 3072 -> 768: one thread 1024x3072x768 A·Bᵀ 208-213 -> 219-222, A·B 196-201 -> 215-218,
// 768x3072x1024 Aᵀ·B 185-186 -> 192-196, 128x3072x768 166 -> 179; two threads A·B 363-364 -> 389-393,
// 128x3072x768 336 -> 360, the rest within 2%; the AVX2 path within 2%.
#ifndef A4J_KC
#define A4J_KC 768
#define A4J_MC 96
#define A4J_NC 768
#endif
#ifndef A4J_KC_AVX2
#define A4J_KC_AVX2 256
#endif
constexpr int64_t kKC = A4J_KC;
// The AVX2 path's depth block is shorter: its 16-column B micro-panel at KC 256 (16 KiB) stays in L1d (32 KiB on a
// Zen 3) across a block of A, so only A streams from L2; at KC 768 (48 KiB) both did. The extra depth blocks cost no
// pass over C in memory, since a block of C stays in L2 through them (multiply_row_block). Measured on a 2-core
// Intel Xeon (family 6 model 167; AVX2 FMA peak 129 GFLOP/s per core), one process calling both builds in
// alternating rounds, KC 768 -> 256 with multiply_row_block: one thread 101-111 -> 106-114 GFLOP/s at ALBERT-base's
// shapes, two threads 203-215 -> 207-229.
constexpr int64_t kKC256 = A4J_KC_AVX2;
constexpr int64_t kMC = A4J_MC;  // multiple of every MR (32, 12, 8, 6)
constexpr int64_t kNC = A4J_NC;  // multiple of every NR (48, 32, 16)
// How far ahead (in floats, 8 depth steps) the micro-kernel prefetches the packed A panel streaming from L2.
constexpr int kPrefetchA = 96;
// Below this many multiply-adds, packing and threads cost more than they save: a plain loop nest does it.
constexpr int64_t kSmallFlops = 24 * 24 * 24;
// Below this many multiply-adds per thread, another thread does not pay for waking it.
constexpr int64_t kFlopsPerThread = 64 * 64 * 64;

// Where op(X)(row, col) lives: X[row*row_stride + col*col_stride].
struct Operand {
  const float* data;
  int64_t row_stride;
  int64_t col_stride;
  float at(int64_t row, int64_t col) const { return data[row * row_stride + col * col_stride]; }
};

struct Output {
  float* data;
  int64_t ldc;
};

int64_t round_up(int64_t x, int64_t multiple) { return (x + multiple - 1) / multiple * multiple; }

// Rows of A per block for an m-row GEMM: kMC, or all of m (rounded up to the tile) where m is at most
// kOneBlockRows. Every block of rows streams all of B's panels once; at small m (one 128-token sequence) B is a
// shared layer's weights, up to 9 MiB, coming from L3, and blocks of 96 + 32 rows read it twice for little work.
// 144 rows of packed A at KC 768 are 432 KiB: within a Zen 3's 512 KiB L2 still.
constexpr int64_t kOneBlockRows = 144;
template <int MR>
int64_t rows_per_block(int64_t m) {
  return m <= kOneBlockRows ? round_up(m, MR) : kMC;
}

// What a dense layer does after its product (a4j_gemm_bias_activation): C += bias (per column), then act(C) into
// `out` (or into C itself when out is null). Applied to each micro-tile right after its last depth block is
// stored, while the tile is still in L1, so the bias and the activation cost no pass over C in memory.
struct Epilogue {
  const float* bias;  // n values or null
  int activation;     // enum a4j_activation
  float* out;         // act(C) here, C keeping the pre-activation; null: in place
  int64_t ldo;
  // The same epilogue for the block of C that starts at (row, col).
  Epilogue at(int64_t row, int64_t col) const {
    return Epilogue{bias == nullptr ? nullptr : bias + col, activation, out == nullptr ? nullptr : out + row * ldo + col,
                    ldo};
  }
};

// The activation is a compile-time constant in each case, so a4j_activate's switch folds away and the row loops
// vectorise (the arithmetic of a4j_bias_gelu_forward, bit for bit).
A4J_CLONES void epilogue_rows(float* __restrict c, int64_t ldc, const float* __restrict bias, float* __restrict out,
                              int64_t ldo, int64_t rows, int64_t cols, int activation) {
#define A4J_EPILOGUE_LOOP(ACT)                                                                        \
  for (int64_t i = 0; i < rows; i++) {                                                                \
    float* cr = c + i * ldc;                                                                          \
    if (out == nullptr) {                                                                             \
      if (bias != nullptr) {                                                                          \
        for (int64_t j = 0; j < cols; j++) cr[j] = a4j_activate(ACT, cr[j] + bias[j]);                \
      } else {                                                                                        \
        for (int64_t j = 0; j < cols; j++) cr[j] = a4j_activate(ACT, cr[j]);                          \
      }                                                                                               \
    } else {                                                                                          \
      float* orow = out + i * ldo;                                                                    \
      if (bias != nullptr) {                                                                          \
        for (int64_t j = 0; j < cols; j++) cr[j] += bias[j];                                          \
      }                                                                                               \
      for (int64_t j = 0; j < cols; j++) orow[j] = a4j_activate(ACT, cr[j]);                          \
    }                                                                                                 \
  }
  switch (activation) {
    case A4J_ACT_GELU_ERF: A4J_EPILOGUE_LOOP(A4J_ACT_GELU_ERF); break;
    case A4J_ACT_GELU_TANH: A4J_EPILOGUE_LOOP(A4J_ACT_GELU_TANH); break;
    case A4J_ACT_RELU: A4J_EPILOGUE_LOOP(A4J_ACT_RELU); break;
    default: A4J_EPILOGUE_LOOP(A4J_ACT_IDENTITY); break;
  }
#undef A4J_EPILOGUE_LOOP
}

// The epilogue (if any) on the rows x cols block of C at c; `epilogue` already points at that block.
inline void apply_epilogue(const Epilogue* epilogue, float* c, int64_t ldc, int64_t rows, int64_t cols) {
  if (epilogue != nullptr) {
    epilogue_rows(c, ldc, epilogue->bias, epilogue->out, epilogue->ldo, rows, cols, epilogue->activation);
  }
}

// ---- packing ---------------------------------------------------------------------------------------------
// Lines -> a depth-major micro-panel: panel[p * R + r] = line r at depth p, where line r starts at
// first + r * line_stride and runs contiguously along depth. Both transposing packs are this: op(A) = A row-major
// (a line is a row of A) and op(B) = Bᵀ (nn.Linear weights; a line is a row of B). A scalar loop here cost ~10% of
// an ALBERT-base training step on Zen 5 (one strided store or load per float); register transposes of 8 depth
// steps by 8, 4 and 2 lines (R = 8a + 4b + 2c: 12, 6, 32, 16) move 8 floats per instruction instead.

// Lines r0..r3 over 8 depth steps -> u[q] = (r0, r1, r2, r3 at depth q | the same at depth q + 4), q < 4.
inline void transpose_4x8(__m256 r0, __m256 r1, __m256 r2, __m256 r3, __m256 (&u)[4]) {
  const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
  const __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
  u[0] = _mm256_shuffle_ps(t0, t2, 0x44);
  u[1] = _mm256_shuffle_ps(t0, t2, 0xEE);
  u[2] = _mm256_shuffle_ps(t1, t3, 0x44);
  u[3] = _mm256_shuffle_ps(t1, t3, 0xEE);
}

// Depth steps p..p+7 of lines `line[0..]` (only the ones R needs) into out[d * R + r].
template <int R>
inline void transpose_8_steps(const float* const (&line)[R], int64_t p, float* out) {
  static_assert(R % 2 == 0, "micro-panels have an even number of lines");
  int r = 0;
  for (; r + 8 <= R; r += 8) {
    __m256 u[4], v[4];
    transpose_4x8(_mm256_loadu_ps(line[r] + p), _mm256_loadu_ps(line[r + 1] + p), _mm256_loadu_ps(line[r + 2] + p),
                  _mm256_loadu_ps(line[r + 3] + p), u);
    transpose_4x8(_mm256_loadu_ps(line[r + 4] + p), _mm256_loadu_ps(line[r + 5] + p),
                  _mm256_loadu_ps(line[r + 6] + p), _mm256_loadu_ps(line[r + 7] + p), v);
    for (int q = 0; q < 4; q++) {
      _mm256_storeu_ps(out + q * R + r, _mm256_permute2f128_ps(u[q], v[q], 0x20));
      _mm256_storeu_ps(out + (q + 4) * R + r, _mm256_permute2f128_ps(u[q], v[q], 0x31));
    }
  }
  if (R - r >= 4) {
    __m256 u[4];
    transpose_4x8(_mm256_loadu_ps(line[r] + p), _mm256_loadu_ps(line[r + 1] + p), _mm256_loadu_ps(line[r + 2] + p),
                  _mm256_loadu_ps(line[r + 3] + p), u);
    for (int q = 0; q < 4; q++) {
      _mm_storeu_ps(out + q * R + r, _mm256_castps256_ps128(u[q]));
      _mm_storeu_ps(out + (q + 4) * R + r, _mm256_extractf128_ps(u[q], 1));
    }
    r += 4;
  }
  if (R - r >= 2) {
    const __m256 r0 = _mm256_loadu_ps(line[r] + p), r1 = _mm256_loadu_ps(line[r + 1] + p);
    // Pairs (line r, line r + 1) at depth 0, 1 | 4, 5 and 2, 3 | 6, 7.
    const __m256 lo = _mm256_unpacklo_ps(r0, r1), hi = _mm256_unpackhi_ps(r0, r1);
    const __m128 pairs[4] = {_mm256_castps256_ps128(lo), _mm256_castps256_ps128(hi), _mm256_extractf128_ps(lo, 1),
                             _mm256_extractf128_ps(hi, 1)};
    for (int h = 0; h < 4; h++) {
      _mm_storel_pi(reinterpret_cast<__m64*>(out + (2 * h) * R + r), pairs[h]);
      _mm_storeh_pi(reinterpret_cast<__m64*>(out + (2 * h + 1) * R + r), pairs[h]);
    }
  }
}

template <int R>
void pack_lines(const float* first, int64_t line_stride, int64_t valid, int64_t depth, float* panel) {
  if (valid < R) {
    // A ragged edge (the last rows or columns): rare, so plain loops, zero-padded to R lines.
    for (int64_t r = 0; r < valid; r++) {
      const float* src = first + r * line_stride;
      for (int64_t p = 0; p < depth; p++) panel[p * R + r] = src[p];
    }
    for (int64_t p = 0; p < depth; p++)
      for (int64_t r = valid; r < R; r++) panel[p * R + r] = 0.0f;
    return;
  }
  const float* line[R];
  for (int r = 0; r < R; r++) line[r] = first + r * line_stride;
  const int64_t whole = depth / 8 * 8;
  for (int64_t p = 0; p < whole; p += 8) transpose_8_steps<R>(line, p, panel + p * R);
  for (int64_t p = whole; p < depth; p++)
    for (int r = 0; r < R; r++) panel[p * R + r] = line[r][p];
}

// `valid` of R contiguous floats at src into dst, zero-padded to R; a whole R is a fixed-size copy the compiler
// turns into a few vector moves.
template <int R>
inline void copy_padded(const float* src, int64_t valid, float* dst) {
  if (valid == R) {
    std::memcpy(dst, src, R * sizeof(float));
    return;
  }
  std::memcpy(dst, src, valid * sizeof(float));
  for (int64_t j = valid; j < R; j++) dst[j] = 0.0f;
}

// A block (rows x depth of op(A)) -> micro-panels of MR rows, depth-major: dst[panel][p][i]; padded with zeros.
template <int MR>
void pack_a(const Operand& a, int64_t row0, int64_t rows, int64_t depth0, int64_t depth, float* dst) {
  for (int64_t ir = 0; ir < rows; ir += MR) {
    const int64_t valid = std::min<int64_t>(MR, rows - ir);
    float* panel = dst + ir * depth;
    if (a.col_stride == 1) {
      // op(A) row-major: each row is contiguous along depth.
      pack_lines<MR>(a.data + (row0 + ir) * a.row_stride + depth0, a.row_stride, valid, depth, panel);
    } else if (a.row_stride == 1) {
      // op(A) = Aᵀ: the MR values of one depth step are contiguous in memory.
      for (int64_t p = 0; p < depth; p++) {
        copy_padded<MR>(a.data + (depth0 + p) * a.col_stride + row0 + ir, valid, panel + p * MR);
      }
    } else {
      // Neither stride 1: no a4j_gemm operand is laid out so, but the packing stays correct for any view.
      for (int64_t p = 0; p < depth; p++) {
        for (int64_t i = 0; i < MR; i++) panel[p * MR + i] = i < valid ? a.at(row0 + ir + i, depth0 + p) : 0.0f;
      }
    }
  }
}

// B panel (depth x cols of op(B)) -> micro-panels of NR columns: dst[panel][p][j]; padded with zeros.
template <int NR>
void pack_b(const Operand& b, int64_t depth0, int64_t depth, int64_t col0, int64_t cols, float* dst) {
  for (int64_t jr = 0; jr < cols; jr += NR) {
    const int64_t valid = std::min<int64_t>(NR, cols - jr);
    float* panel = dst + jr * depth;
    if (b.col_stride == 1) {
      for (int64_t p = 0; p < depth; p++) {
        copy_padded<NR>(b.data + (depth0 + p) * b.row_stride + col0 + jr, valid, panel + p * NR);
      }
    } else if (b.row_stride == 1) {
      // op(B) = Bᵀ (nn.Linear weights): column j of op(B) is row j of B, contiguous along depth.
      pack_lines<NR>(b.data + (col0 + jr) * b.col_stride + depth0, b.col_stride, valid, depth, panel);
    } else {
      // Neither stride 1: as in pack_a.
      for (int64_t p = 0; p < depth; p++) {
        for (int64_t j = 0; j < NR; j++) panel[p * NR + j] = j < valid ? b.at(depth0 + p, col0 + jr + j) : 0.0f;
      }
    }
  }
}

// ---- prefetching the next B micro-panel --------------------------------------------------------------------
// The cache lines of the next column's B micro-panel (KC x NR, 96 KiB at KC 768) that one micro-kernel call
// prefetches into L2, one line per depth step, while it multiplies. The calls down a column of tiles share the
// panel between them, so it is in L2 when that column starts. Without it the first tile of every column waited on
// L3: a B from a4j_gemm_pack_b (shared weights, 2.25-9 MiB) is read from L3 by every block of rows, and the L2
// streamer restarts at each 4 KiB page of the panel.
constexpr int64_t kCacheLine = 64;
struct NextPanel {
  const char* first;
  int64_t lines;
};
// Cuts the next micro-panel into one NextPanel per row tile of the column.
struct NextPanelSplit {
  const char* panel;
  int64_t lines;
  int64_t tiles;
  template <typename Elem>
  NextPanelSplit(const Elem* panels, int64_t next_col, int64_t depth, int nr, int64_t rows, int mr)
      : panel(reinterpret_cast<const char*>(panels + next_col * depth)),
        lines(static_cast<int64_t>(sizeof(Elem)) * depth * nr / kCacheLine),
        tiles((rows + mr - 1) / mr) {}
  NextPanel part(int64_t tile) const {
    const int64_t from = lines * tile / tiles, to = lines * (tile + 1) / tiles;
    return NextPanel{panel + from * kCacheLine, to - from};
  }
};

// ---- micro-kernels ---------------------------------------------------------------------------------------
// acc = Ap(MR x kc) · Bp(kc x NR); C[0..rows, 0..cols] = alpha·acc + beta·C (beta == 0: C is not read), then + bias
// (one value per column; null: none) in the same store.

#define A4J_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma")))

// The C tile a micro-kernel will store, fetched while it multiplies: every cache line of each row (a line every 16
// floats, and the row's last float, since an unaligned row of 16, 32 or 48 floats spans one line more).
inline void prefetch_tile(const float* c, int64_t ldc, int rows, int cols) {
  for (int i = 0; i < rows; i++) {
    const float* row = c + i * ldc;
    for (int j = 0; j < cols; j += 16) _mm_prefetch(reinterpret_cast<const char*>(row + j), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(row + cols - 1), _MM_HINT_T0);
  }
}

constexpr int kMR512 = 12;
constexpr int kNR512 = 32;

// Storing a tile: kWhole (all its columns inside C) stores unmasked: AMD cores forward no masked store to a later load, so the epilogue's read of
// a tile just written waited for the stores to retire (~40% of the epilogue's time on Zen 5 with masked stores).
template <bool kWhole>
A4J_AVX512 __attribute__((always_inline)) inline __m512 load_lanes(const float* from, __mmask16 mask) {
  return kWhole ? _mm512_loadu_ps(from) : _mm512_maskz_loadu_ps(mask, from);
}

// C[0..rows, 0..cols] = alpha·acc + beta·C (+ bias) for an MR x 16V tile of accumulators, row by row.
template <int MR, int V, bool kWhole>
A4J_AVX512 __attribute__((always_inline)) inline void store_rows_avx512(const __m512 (&acc)[MR][V], float* c,
                                                                        int64_t ldc, int rows, int cols, float alpha,
                                                                        float beta, const float* bias) {
  __mmask16 mask[V];
  for (int v = 0; v < V; v++) {
    const int lanes = std::min(16, std::max(0, cols - 16 * v));
    mask[v] = lanes == 16 ? 0xFFFF : static_cast<__mmask16>((1u << lanes) - 1);
  }
  const __m512 valpha = _mm512_set1_ps(alpha);
  const __m512 vbeta = _mm512_set1_ps(beta);
#pragma GCC unroll 12
  for (int i = 0; i < MR; i++) {
    if (i >= rows) break;
    float* row = c + i * ldc;
#pragma GCC unroll 3
    for (int v = 0; v < V; v++) {
      __m512 r = _mm512_mul_ps(acc[i][v], valpha);
      if (beta != 0.0f) r = _mm512_fmadd_ps(vbeta, load_lanes<kWhole>(row + 16 * v, mask[v]), r);
      if (bias != nullptr) r = _mm512_add_ps(r, load_lanes<kWhole>(bias + 16 * v, mask[v]));
      if (kWhole) {
        _mm512_storeu_ps(row + 16 * v, r);
      } else {
        _mm512_mask_storeu_ps(row + 16 * v, mask[v], r);
      }
    }
  }
}

// The same for whole or ragged tiles.
template <int MR, int V>
A4J_AVX512 __attribute__((always_inline)) inline void store_tile_avx512(const __m512 (&acc)[MR][V], float* c,
                                                                        int64_t ldc, int rows, int cols, float alpha,
                                                                        float beta, const float* bias) {
  if (cols == 16 * V) {
    store_rows_avx512<MR, V, true>(acc, c, ldc, rows, cols, alpha, beta, bias);
  } else {
    store_rows_avx512<MR, V, false>(acc, c, ldc, rows, cols, alpha, beta, bias);
  }
}

// The 12 x 32 kernels (fp32, bf16, AMX) hold their tile as two columns of accumulators.
A4J_AVX512 __attribute__((always_inline)) inline void store_tile_avx512(const __m512 (&acc0)[kMR512],
                                                                        const __m512 (&acc1)[kMR512], float* c,
                                                                        int64_t ldc, int rows, int cols, float alpha,
                                                                        float beta, const float* bias) {
  __m512 acc[kMR512][2];
#pragma GCC unroll 12
  for (int i = 0; i < kMR512; i++) {
    acc[i][0] = acc0[i];
    acc[i][1] = acc1[i];
  }
  store_tile_avx512(acc, c, ldc, rows, cols, alpha, beta, bias);
}

A4J_AVX512 void kernel_avx512_12x32(int64_t kc, const float* __restrict ap, const float* __restrict bp, float* c,
                                    int64_t ldc, int rows, int cols, float alpha, float beta, const float* bias,
                                    NextPanel next) {
  constexpr int MR = kMR512;
  __m512 acc0[MR], acc1[MR];
#pragma GCC unroll 12
  for (int i = 0; i < MR; i++) {
    acc0[i] = _mm512_setzero_ps();
    acc1[i] = _mm512_setzero_ps();
  }
  prefetch_tile(c, ldc, rows, cols);
  for (int64_t p = 0; p < kc; p++) {
    const __m512 b0 = _mm512_load_ps(bp);
    const __m512 b1 = _mm512_load_ps(bp + 16);
    _mm_prefetch(reinterpret_cast<const char*>(ap + kPrefetchA), _MM_HINT_T0);
    if (p < next.lines) _mm_prefetch(next.first + p * kCacheLine, _MM_HINT_T1);
#pragma GCC unroll 12
    for (int i = 0; i < MR; i++) {
      const __m512 a = _mm512_set1_ps(ap[i]);
      acc0[i] = _mm512_fmadd_ps(a, b0, acc0[i]);
      acc1[i] = _mm512_fmadd_ps(a, b1, acc1[i]);
    }
    ap += MR;
    bp += kNR512;
  }
  store_tile_avx512(acc0, acc1, c, ldc, rows, cols, alpha, beta, bias);
}

// fp32 on AVX-512 has two tiles, each GEMM taking the one that pads its n less (current_path). 12 x 32 (also the
// bf16 paths' tile) for n = 128 or 512 (the embedding width, the demo model), where 48-wide panels would waste
// 11% or 3%; 8 x 48 where 48 divides n as well (768, 2304, 3072, 30000: ALBERT-base's layers, its decoder). Both keep
// 24 accumulators in registers (of 32); per depth step 8 x 48 loads three vectors of B and broadcasts 8 values of A
// for 24 FMAs, 11 loads against 14, and 128 rows are 16 whole tiles (12 rows: 11 tiles, the last a third empty).
// Measured on the Intel Xeon of 2026-12-06, one process calling both builds in alternating rounds, 2 threads:
// 128 x 768 x 3072 with a packed B 323 -> 342 GFLOP/s, 128 x 768 x 768 330 -> 350, the 1024-row shapes within 2%;
// b1 x s128 inference 82.8 -> 78.6 ms (medians of 5); n = 128 at 8 x 48: 7-25% slower than 12 x 32.
constexpr int kMRF32 = 8;
constexpr int kNRF32 = 48;
constexpr int kVectorsF32 = kNRF32 / 16;

A4J_AVX512 void kernel_avx512_8x48(int64_t kc, const float* __restrict ap, const float* __restrict bp, float* c,
                                   int64_t ldc, int rows, int cols, float alpha, float beta, const float* bias,
                                   NextPanel next) {
  constexpr int MR = kMRF32;
  __m512 acc[MR][kVectorsF32];
#pragma GCC unroll 8
  for (int i = 0; i < MR; i++) {
#pragma GCC unroll 3
    for (int v = 0; v < kVectorsF32; v++) acc[i][v] = _mm512_setzero_ps();
  }
  prefetch_tile(c, ldc, rows, cols);
  for (int64_t p = 0; p < kc; p++) {
    __m512 b[kVectorsF32];
#pragma GCC unroll 3
    for (int v = 0; v < kVectorsF32; v++) b[v] = _mm512_load_ps(bp + 16 * v);
    _mm_prefetch(reinterpret_cast<const char*>(ap + kPrefetchA), _MM_HINT_T0);
    if (p < next.lines) _mm_prefetch(next.first + p * kCacheLine, _MM_HINT_T1);
#pragma GCC unroll 8
    for (int i = 0; i < MR; i++) {
      const __m512 a = _mm512_set1_ps(ap[i]);
#pragma GCC unroll 3
      for (int v = 0; v < kVectorsF32; v++) acc[i][v] = _mm512_fmadd_ps(a, b[v], acc[i][v]);
    }
    ap += MR;
    bp += kNRF32;
  }
  store_tile_avx512(acc, c, ldc, rows, cols, alpha, beta, bias);
}

constexpr int kMR256 = 6;
constexpr int kNR256 = 16;

// Twelve named accumulators, not an array: GCC keeps an array of __m256 on the stack and stores every element back
// after each FMA, which made this kernel store-bound at ~27% of the FMA peak (26 GFLOP/s on a Zen 3 core). Named
// variables stay in ymm0-11, with b0/b1 and the broadcast in three more of the 16 registers.
void kernel_avx2(int64_t kc, const float* __restrict ap, const float* __restrict bp, float* c, int64_t ldc, int rows,
                 int cols, float alpha, float beta, const float* bias, NextPanel next) {
  constexpr int MR = kMR256;
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  prefetch_tile(c, ldc, rows, cols);
#define A4J_AVX2_ROW(i, acc0, acc1)                 \
  {                                                 \
    const __m256 a = _mm256_broadcast_ss(ap + (i)); \
    acc0 = _mm256_fmadd_ps(a, b0, acc0);            \
    acc1 = _mm256_fmadd_ps(a, b1, acc1);            \
  }
  for (int64_t p = 0; p < kc; p++) {
    const __m256 b0 = _mm256_load_ps(bp);
    const __m256 b1 = _mm256_load_ps(bp + 8);
    _mm_prefetch(reinterpret_cast<const char*>(ap + kPrefetchA), _MM_HINT_T0);
    if (p < next.lines) _mm_prefetch(next.first + p * kCacheLine, _MM_HINT_T1);
    A4J_AVX2_ROW(0, c00, c01)
    A4J_AVX2_ROW(1, c10, c11)
    A4J_AVX2_ROW(2, c20, c21)
    A4J_AVX2_ROW(3, c30, c31)
    A4J_AVX2_ROW(4, c40, c41)
    A4J_AVX2_ROW(5, c50, c51)
    ap += MR;
    bp += kNR256;
  }
#undef A4J_AVX2_ROW
  // The store is off the hot loop; an array here costs nothing and lets the edge cases share one path.
  alignas(32) float tile[MR][kNR256];
  const __m256 valpha = _mm256_set1_ps(alpha);
  const __m256 acc[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
  if (cols == kNR256) {
    const __m256 vbeta = _mm256_set1_ps(beta);
    for (int i = 0; i < rows; i++) {
      float* row = c + i * ldc;
      __m256 r0 = _mm256_mul_ps(acc[i][0], valpha);
      __m256 r1 = _mm256_mul_ps(acc[i][1], valpha);
      if (beta != 0.0f) {
        r0 = _mm256_fmadd_ps(vbeta, _mm256_loadu_ps(row), r0);
        r1 = _mm256_fmadd_ps(vbeta, _mm256_loadu_ps(row + 8), r1);
      }
      if (bias != nullptr) {
        r0 = _mm256_add_ps(r0, _mm256_loadu_ps(bias));
        r1 = _mm256_add_ps(r1, _mm256_loadu_ps(bias + 8));
      }
      _mm256_storeu_ps(row, r0);
      _mm256_storeu_ps(row + 8, r1);
    }
    return;
  }
  // Right edge: go through a tile so no lane past `cols` is read or written.
  for (int i = 0; i < rows; i++) {
    _mm256_store_ps(tile[i], _mm256_mul_ps(acc[i][0], valpha));
    _mm256_store_ps(tile[i] + 8, _mm256_mul_ps(acc[i][1], valpha));
  }
  for (int i = 0; i < rows; i++) {
    float* row = c + i * ldc;
    for (int j = 0; j < cols; j++) row[j] = beta != 0.0f ? tile[i][j] + beta * row[j] : tile[i][j];
    if (bias != nullptr) {
      for (int j = 0; j < cols; j++) row[j] += bias[j];
    }
  }
}

// ---- bf16 products (AVX512_BF16) ----------------------------------------------------------------------------
// Opt-in: op(A) and op(B) are rounded to bf16 while they are packed, and vdpbf16ps multiplies pairs of depth steps
// into fp32 accumulators, twice the products per instruction of the fp32 kernel. C, alpha and beta stay fp32.

// Set by a4j_set_gemm_bf16; read by every GEMM (process-wide, like the thread count).
std::atomic<bool> bf16_products{false};

#define A4J_AVX512_BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16,fma")))

// Packing to bf16 pairs: a micro-panel of R lines (rows of op(A), or columns of op(B)) over `depth` steps becomes
// dst[p / 2][r] = (bf16 line r at p, bf16 line r at p + 1) as one 32-bit word, zero-padded to R lines and an even
// depth. Operands come in two layouts (every a4j_gemm operand has a unit stride on one side):

// Lines contiguous along depth (op(A) = A, or op(B) = Bᵀ as nn.Linear weights): a pair is two neighbouring floats,
// so each line is converted 32 floats at a time into a scratch row, then the words are transposed into the panel.
template <int R>
A4J_AVX512_BF16 void pack_pairs_from_lines(const float* const* lines, int valid, int64_t depth, uint32_t* dst) {
  const int64_t pairs = (depth + 1) / 2;
  alignas(64) uint32_t scratch[R][kKC / 2];
  for (int r = 0; r < valid; r++) {
    const float* src = lines[r];
    for (int64_t p = 0; p < depth; p += 32) {
      const int64_t left = depth - p;
      const __mmask16 lo = left >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << left) - 1);
      const __mmask16 hi = left >= 32 ? 0xFFFF : left <= 16 ? 0 : static_cast<__mmask16>((1u << (left - 16)) - 1);
      const __m512bh packed =
          _mm512_cvtne2ps_pbh(_mm512_maskz_loadu_ps(hi, src + p + 16), _mm512_maskz_loadu_ps(lo, src + p));
      _mm512_storeu_si512(&scratch[r][p / 2], (__m512i)packed);
    }
  }
  for (int64_t q = 0; q < pairs; q++) {
    uint32_t* out = dst + q * R;
    for (int r = 0; r < valid; r++) out[r] = scratch[r][q];
    for (int r = valid; r < R; r++) out[r] = 0;
  }
}

// Depth-major (op(A) = Aᵀ, or op(B) = B): the R lines of one depth step are contiguous, so two depth steps are
// converted together and interleaved into pairs, 16 lines at a time.
template <int R>
A4J_AVX512_BF16 void pack_pairs_from_steps(const float* src, int64_t step_stride, int valid, int64_t depth,
                                           uint32_t* dst) {
  // Word r of the result takes bf16 element r (step p) as its low half and element 16 + r (step p + 1) as its high.
  alignas(64) static const uint16_t interleave[32] = {0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23,
                                                      8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31};
  const __m512i order = _mm512_load_si512(interleave);
  const int64_t pairs = (depth + 1) / 2;
  for (int64_t q = 0; q < pairs; q++) {
    const float* even = src + 2 * q * step_stride;
    const bool has_odd = 2 * q + 1 < depth;
    for (int r = 0; r < R; r += 16) {
      const int left = valid - r;
      const __mmask16 lines = left >= 16 ? 0xFFFF : left <= 0 ? 0 : static_cast<__mmask16>((1u << left) - 1);
      const __m512 step0 = _mm512_maskz_loadu_ps(lines, even + r);
      const __m512 step1 = has_odd ? _mm512_maskz_loadu_ps(lines, even + step_stride + r) : _mm512_setzero_ps();
      const __m512i words = _mm512_permutexvar_epi16(order, (__m512i)_mm512_cvtne2ps_pbh(step1, step0));
      const __mmask16 store = R - r >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << (R - r)) - 1);
      _mm512_mask_storeu_epi32(dst + q * R + r, store, words);
    }
  }
}

// Micro-panels of R lines, where element (line, p) of the block is origin[line * line_stride + p * depth_stride]:
// one of the two strides is 1 for every a4j_gemm operand, and it decides which of the two layouts above applies.
// Each panel's depth is padded to a multiple of kPad with zero pairs: 2 for vdpbf16ps, 32 for an AMX tile.
template <int R, int kPad = 2>
A4J_AVX512_BF16 void pack_panels_bf16(const float* origin, int64_t line_stride, int64_t depth_stride, int64_t lines,
                                      int64_t depth, uint16_t* dst) {
  const int64_t depth_padded = round_up(depth, kPad);
  const int64_t pairs = (depth + 1) / 2, pairs_padded = depth_padded / 2;
  for (int64_t first = 0; first < lines; first += R) {
    const int valid = static_cast<int>(std::min<int64_t>(R, lines - first));
    uint32_t* panel = reinterpret_cast<uint32_t*>(dst + first * depth_padded);
    if (depth_stride == 1) {
      const float* starts[R];
      for (int r = 0; r < valid; r++) starts[r] = origin + (first + r) * line_stride;
      pack_pairs_from_lines<R>(starts, valid, depth, panel);
    } else {
      pack_pairs_from_steps<R>(origin + first * line_stride, depth_stride, valid, depth, panel);
    }
    if (pairs_padded > pairs) std::memset(panel + pairs * R, 0, (pairs_padded - pairs) * R * sizeof(uint32_t));
  }
}

// A block -> micro-panels of MR rows of op(A).
template <int MR>
void pack_a_bf16(const Operand& a, int64_t row0, int64_t rows, int64_t depth0, int64_t depth, uint16_t* dst) {
  pack_panels_bf16<MR>(a.data + row0 * a.row_stride + depth0 * a.col_stride, a.row_stride, a.col_stride, rows, depth,
                       dst);
}

// B panel -> micro-panels of NR columns of op(B).
template <int NR>
void pack_b_bf16(const Operand& b, int64_t depth0, int64_t depth, int64_t col0, int64_t cols, uint16_t* dst) {
  pack_panels_bf16<NR>(b.data + depth0 * b.row_stride + col0 * b.col_stride, b.col_stride, b.row_stride, cols, depth,
                       dst);
}

// The AVX-512 kernel's 12 x 32 tile over depth pairs: per pair, two B vectors of 16 columns x 2 depth steps and one
// broadcast (a[i][p], a[i][p+1]) per row. `depth` is even.
A4J_AVX512_BF16 void kernel_avx512_bf16(int64_t depth, const uint16_t* __restrict ap, const uint16_t* __restrict bp,
                                        float* c, int64_t ldc, int rows, int cols, float alpha, float beta,
                                        const float* bias, NextPanel next) {
  constexpr int MR = kMR512;
  __m512 acc0[MR], acc1[MR];
#pragma GCC unroll 12
  for (int i = 0; i < MR; i++) {
    acc0[i] = _mm512_setzero_ps();
    acc1[i] = _mm512_setzero_ps();
  }
  prefetch_tile(c, ldc, rows, cols);
  for (int64_t p = 0; p < depth; p += 2) {
    const __m512bh b0 = (__m512bh)_mm512_load_si512(bp);
    const __m512bh b1 = (__m512bh)_mm512_load_si512(bp + 32);
    _mm_prefetch(reinterpret_cast<const char*>(ap + 2 * kPrefetchA), _MM_HINT_T0);
    if (p < next.lines) {  // a pair of depth steps reads two lines of B
      _mm_prefetch(next.first + p * kCacheLine, _MM_HINT_T1);
      _mm_prefetch(next.first + (p + 1) * kCacheLine, _MM_HINT_T1);
    }
#pragma GCC unroll 12
    for (int i = 0; i < MR; i++) {
      int32_t pair;
      std::memcpy(&pair, ap + 2 * i, sizeof pair);
      const __m512bh a = (__m512bh)_mm512_set1_epi32(pair);
      acc0[i] = _mm512_dpbf16_ps(acc0[i], a, b0);
      acc1[i] = _mm512_dpbf16_ps(acc1[i], a, b1);
    }
    ap += 2 * MR;
    bp += 2 * kNR512;
  }
  store_tile_avx512(acc0, acc1, c, ldc, rows, cols, alpha, beta, bias);
}

// ---- bf16 products on AMX tiles ------------------------------------------------------------------------------
// Where the CPU has AMX (Intel Xeon since Sapphire Rapids), the opt-in bf16 GEMMs run on its tiles instead of
// vdpbf16ps: one tdpbf16ps multiplies a 16 x 32 bf16 tile of A by a 32 x 16 one of B into 16 x 16 fp32, 16 times the
// products of a 512-bit FMA. On an Intel Xeon (2026-12-06) a vdpbf16ps GEMM ran slower than the fp32 kernel there
// (one vdpbf16ps a cycle against two FMAs), so without AMX the bf16 option lost speed on that CPU.
// Micro-tile 32 x 32: A0, A1 (rows 0-15, 16-31) x B0, B1 (columns 0-15, 16-31) into four accumulator tiles.
#define A4J_AMX __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16,fma,amx-tile,amx-bf16")))
constexpr int kMRAmx = 32;
constexpr int kNRAmx = 32;
constexpr int kAmxDepth = 32;  // depth steps per tile product (16 pairs)

// Tiles 0-3 accumulate C, 4-5 hold A, 6-7 B; every tile is 16 rows of 64 bytes. The configuration is per thread and
// loaded by a thread's first tile kernel of each GEMM (the drivers clear the flag): other code on the same thread,
// such as another library's AMX kernels, may have configured the tiles differently in between.
struct alignas(64) TileConfig {
  uint8_t palette = 1;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t bytes_per_row[16] = {64, 64, 64, 64, 64, 64, 64, 64};
  uint8_t rows[16] = {16, 16, 16, 16, 16, 16, 16, 16};
};
thread_local bool tiles_configured = false;

A4J_AMX inline void configure_tiles() {
  if (!tiles_configured) {
    static const TileConfig config;
    _tile_loadconfig(&config);
    tiles_configured = true;
  }
}

// A block -> micro-panels of 32 rows in the tiles' layout: per 32 depth steps, each row's 32 bf16 (64 bytes), rows
// one after another. Packed as bf16 pairs first (the vdpbf16ps panels' [pair][row] words), then transposed to
// [row][pair] per 16 pairs, which serves both layouts of op(A).
template <int MR>
void pack_a_amx(const Operand& a, int64_t row0, int64_t rows, int64_t depth0, int64_t depth, uint16_t* dst) {
  const int64_t depth_padded = round_up(depth, kAmxDepth);
  const int64_t pairs_padded = depth_padded / 2;
  alignas(64) uint32_t pairs[kKC / 2][MR];
  for (int64_t first = 0; first < rows; first += MR) {
    const int64_t lines = std::min<int64_t>(MR, rows - first);
    pack_panels_bf16<MR, kAmxDepth>(a.data + (row0 + first) * a.row_stride + depth0 * a.col_stride, a.row_stride,
                                    a.col_stride, lines, depth, reinterpret_cast<uint16_t*>(&pairs[0][0]));
    uint32_t* panel = reinterpret_cast<uint32_t*>(dst + first * depth_padded);
    for (int64_t q0 = 0; q0 < pairs_padded; q0 += kAmxDepth / 2) {
      uint32_t* chunk = panel + q0 * MR;  // [row][16 pairs]
      for (int r = 0; r < MR; r++)
        for (int q = 0; q < kAmxDepth / 2; q++) chunk[r * (kAmxDepth / 2) + q] = pairs[q0 + q][r];
    }
  }
}

// B panel -> micro-panels of 32 columns as bf16 pairs, [pair][column]: the vdpbf16ps layout, which is also the tile
// layout of B (a 16-column tile reads 16 pairs of rows at a stride of 128 bytes), its depth padded to 32.
template <int NR>
void pack_b_amx(const Operand& b, int64_t depth0, int64_t depth, int64_t col0, int64_t cols, uint16_t* dst) {
  pack_panels_bf16<NR, kAmxDepth>(b.data + depth0 * b.row_stride + col0 * b.col_stride, b.col_stride, b.row_stride,
                                  cols, depth, dst);
}

// `depth` is a multiple of 32. The product goes through a 32 x 32 tile of fp32 in L1, then the store of the
// AVX-512 kernels (alpha, beta, bias; masked at the edges).
A4J_AMX void kernel_amx(int64_t depth, const uint16_t* __restrict ap, const uint16_t* __restrict bp, float* c,
                        int64_t ldc, int rows, int cols, float alpha, float beta, const float* bias, NextPanel next) {
  configure_tiles();
  prefetch_tile(c, ldc, rows, cols);
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  // This call's share of the next B panel, spread over its depth steps (a step here is 32 of the FMA kernels').
  const int64_t chunks = depth / kAmxDepth;
  const int64_t lines_per_chunk = chunks > 0 ? (next.lines + chunks - 1) / chunks : 0;
  for (int64_t p = 0; p < depth; p += kAmxDepth) {
    const uint16_t* a = ap + p * kMRAmx;  // 32 rows x 32 bf16
    const uint16_t* b = bp + p * kNRAmx;  // 16 pairs x 32 columns
    const int64_t line0 = p / kAmxDepth * lines_per_chunk;
    for (int64_t l = line0; l < std::min(next.lines, line0 + lines_per_chunk); l++)
      _mm_prefetch(next.first + l * kCacheLine, _MM_HINT_T1);
    _tile_loadd(4, a, 64);
    _tile_loadd(5, a + 16 * kAmxDepth, 64);
    _tile_loadd(6, b, 4 * kNRAmx);
    _tile_loadd(7, b + 32, 4 * kNRAmx);
    _tile_dpbf16ps(0, 4, 6);
    _tile_dpbf16ps(1, 4, 7);
    _tile_dpbf16ps(2, 5, 6);
    _tile_dpbf16ps(3, 5, 7);
  }
  alignas(64) float tile[kMRAmx][kNRAmx];
  _tile_stored(0, &tile[0][0], sizeof tile[0]);
  _tile_stored(1, &tile[0][16], sizeof tile[0]);
  _tile_stored(2, &tile[16][0], sizeof tile[0]);
  _tile_stored(3, &tile[16][16], sizeof tile[0]);
  // The store of the 12 x 32 kernels, 12 rows at a time.
  __m512 acc0[kMR512], acc1[kMR512];
  for (int i0 = 0; i0 < rows; i0 += kMR512) {
    for (int i = 0; i < kMR512; i++) {
      const int row = std::min(i0 + i, kMRAmx - 1);
      acc0[i] = _mm512_load_ps(&tile[row][0]);
      acc1[i] = _mm512_load_ps(&tile[row][16]);
    }
    store_tile_avx512(acc0, acc1, c + i0 * ldc, ldc, std::min(kMR512, rows - i0), cols, alpha, beta, bias);
  }
}

// ---- blocked driver ----------------------------------------------------------------------------------------

// Packing buffers per thread, grown on demand and kept: the OpenMP pool's threads live as long as the process,
// and a fresh multi-MiB allocation per call would cost page faults on every GEMM.
struct PackBuffers {
  float* a = nullptr;
  float* b = nullptr;
  size_t a_floats = 0;
  size_t b_floats = 0;
  ~PackBuffers() {
    std::free(a);
    std::free(b);
  }
  static float* grow(float*& buffer, size_t& capacity, size_t floats) {
    if (floats > capacity) {
      std::free(buffer);
      buffer = static_cast<float*>(std::aligned_alloc(64, (floats * sizeof(float) + 63) / 64 * 64));
      capacity = buffer == nullptr ? 0 : floats;
    }
    return buffer;
  }
};
thread_local PackBuffers pack_buffers;

// A micro-kernel with the packing it reads. Elem is what the panels hold; depth is padded to a multiple of
// kDepthStep (2 for bf16, whose dot product consumes pairs of depth steps).
template <int MR_, int NR_, int64_t KC_, typename Elem_, int DepthStep_,
          void (*PackA)(const Operand&, int64_t, int64_t, int64_t, int64_t, Elem_*),
          void (*PackB)(const Operand&, int64_t, int64_t, int64_t, int64_t, Elem_*),
          void (*Kernel)(int64_t, const Elem_*, const Elem_*, float*, int64_t, int, int, float, float, const float*,
                         NextPanel)>
struct Path {
  static constexpr int MR = MR_;
  static constexpr int NR = NR_;
  static constexpr int64_t KC = KC_;  // depth block
  static constexpr int kDepthStep = DepthStep_;
  using Elem = Elem_;
  static void pack_a(const Operand& a, int64_t row0, int64_t rows, int64_t depth0, int64_t depth, Elem* dst) {
    PackA(a, row0, rows, depth0, depth, dst);
  }
  static void pack_b(const Operand& b, int64_t depth0, int64_t depth, int64_t col0, int64_t cols, Elem* dst) {
    PackB(b, depth0, depth, col0, cols, dst);
  }
  static void kernel(int64_t depth, const Elem* ap, const Elem* bp, float* c, int64_t ldc, int rows, int cols,
                     float alpha, float beta, const float* bias, NextPanel next) {
    Kernel(depth, ap, bp, c, ldc, rows, cols, alpha, beta, bias, next);
  }
};

// op(B) packed once for many GEMMs (a4j_gemm_pack_b): per depth block of the path's KC, the NR-column panels of all
// `n_padded` columns; `col0` is the first column (a multiple of NR) of the part this GEMM computes.
struct PackedB {
  const void* panels;
  int64_t n_padded;
  int64_t col0;
};

// The micro-tile of C at (row, col): its product, then the epilogue (if any: the GEMM's last depth block). The bias
// is added in the tile's store, so only an activation reads the tile again.
template <typename P>
inline void multiply_tile(int64_t depth, const typename P::Elem* ap, const typename P::Elem* bp, Output c, int64_t row,
                          int64_t col, int rows, int cols, float alpha, float beta, const Epilogue* epilogue,
                          NextPanel next) {
  float* tile = c.data + row * c.ldc + col;
  if (epilogue == nullptr) {
    P::kernel(depth, ap, bp, tile, c.ldc, rows, cols, alpha, beta, nullptr, next);
    return;
  }
  Epilogue here = epilogue->at(row, col);
  P::kernel(depth, ap, bp, tile, c.ldc, rows, cols, alpha, beta, here.bias, next);
  here.bias = nullptr;
  if (here.activation != A4J_ACT_IDENTITY || here.out != nullptr) apply_epilogue(&here, tile, c.ldc, rows, cols);
}

// All depth blocks of op(B)'s panel, as a4j_gemm_pack_b lays them out: block pc / KC at (pc / KC) * n_padded * KC
// elements, its NR-column panels kc_padded apart. Depth in all: the whole blocks plus the last one padded.
template <typename P>
int64_t padded_depth(int64_t k) {
  return (k / P::KC) * P::KC + round_up(k % P::KC, P::kDepthStep);
}
template <typename P, typename Panel>
Panel* depth_block(Panel* panels, int64_t n_padded, int64_t pc, int64_t col0, int64_t kc_padded) {
  return panels + (pc / P::KC) * n_padded * P::KC + col0 * kc_padded;
}

// Columns per block of B when all of its depth is packed at once: kNC, fewer where K is long, so the panel stays
// within kPanelFloats (9 MiB, an FFN's 3072 x 768) in L3.
constexpr int64_t kPanelFloats = 3072 * 768;
template <typename P>
int64_t column_block(int64_t k) {
  const int64_t fit = kPanelFloats / std::max<int64_t>(padded_depth<P>(k), 1) / P::NR * P::NR;
  return std::max<int64_t>(P::NR, std::min<int64_t>(kNC, fit));
}

// The block of C at rows [ic, ic + mc) and the nc columns whose panels start at panels_b (all depth blocks, n_padded
// columns a block): for each depth block, its slice of A is packed and multiplied by B's. Depth is the inner loop
// so the block of C (96 x 768 floats, 288 KiB) stays in L2 from the first depth block to the last; with depth
// outside, each depth block after the first re-read all M rows of C from L3 or memory.
template <typename P>
void multiply_row_block(const Operand& a, const typename P::Elem* panels_b, int64_t n_padded, int64_t col0,
                        int64_t ic, int64_t mc, int64_t jc, int64_t nc, int64_t k, typename P::Elem* packed_a,
                        Output c, float alpha, float beta, const Epilogue* epilogue) {
  constexpr int MR = P::MR, NR = P::NR;
  for (int64_t pc = 0; pc < k; pc += P::KC) {
    const int64_t kc = std::min(P::KC, k - pc);
    const int64_t kc_padded = round_up(kc, P::kDepthStep);
    // Later depth blocks add onto what the first one wrote; the epilogue follows the last.
    const float block_beta = pc == 0 ? beta : 1.0f;
    const Epilogue* tile_epilogue = pc + kc >= k ? epilogue : nullptr;
    const typename P::Elem* block_b = depth_block<P>(panels_b, n_padded, pc, col0, kc_padded);
    P::pack_a(a, ic, mc, pc, kc, packed_a);
    for (int64_t jr = 0; jr < nc; jr += NR) {
      const int cols = static_cast<int>(std::min<int64_t>(NR, nc - jr));
      const NextPanelSplit next(block_b, jr + NR < nc ? jr + NR : 0, kc_padded, NR, mc, MR);
      for (int64_t ir = 0; ir < mc; ir += MR) {
        const int rows = static_cast<int>(std::min<int64_t>(MR, mc - ir));
        multiply_tile<P>(kc_padded, packed_a + ir * kc_padded, block_b + jr * kc_padded, c, ic + ir, jc + jr, rows,
                         cols, alpha, block_beta, tile_epilogue, next.part(ir / MR));
      }
    }
  }
}

template <typename P>
bool gemm_blocked(const Operand& a, const Operand& b, Output c, int64_t m, int64_t n, int64_t k, float alpha,
                  float beta, const PackedB* prepacked = nullptr, const Epilogue* epilogue = nullptr) {
  constexpr int MR = P::MR, NR = P::NR;
  using Elem = typename P::Elem;
  static_assert(sizeof(Elem) <= sizeof(float), "panels are carved from float buffers");
  // Columns per block: where B is packed here, a panel of all its depth; a prepacked B needs no packing buffer, and
  // cutting its columns would only pack A once more per block (b1×s128 inference 65-68 -> 74-75 ms with NC 768).
  const int64_t col_block = prepacked != nullptr ? round_up(n, NR) : column_block<P>(k);
  const int64_t nc_max = std::min<int64_t>(col_block, round_up(n, NR));
  const int64_t kc_max = round_up(std::min<int64_t>(P::KC, k), P::kDepthStep);
  const int64_t mc_max = rows_per_block<MR>(m);
  tiles_configured = false;
  Elem* packed_a = reinterpret_cast<Elem*>(PackBuffers::grow(pack_buffers.a, pack_buffers.a_floats, mc_max * kc_max));
  Elem* packed_b = prepacked != nullptr ? nullptr
      : reinterpret_cast<Elem*>(PackBuffers::grow(pack_buffers.b, pack_buffers.b_floats, nc_max * padded_depth<P>(k)));
  if (packed_a == nullptr || (packed_b == nullptr && prepacked == nullptr)) return false;
  for (int64_t jc = 0; jc < n; jc += col_block) {
    const int64_t nc = std::min(col_block, n - jc);
    // The panels of these columns: in the prepacked B from its column col0 + jc on, or in packed_b from 0.
    const Elem* panels_b = packed_b;
    int64_t n_padded = round_up(nc, NR), col0 = 0;
    if (prepacked != nullptr) {
      panels_b = static_cast<const Elem*>(prepacked->panels);
      n_padded = prepacked->n_padded;
      col0 = prepacked->col0 + jc;
    } else {
      for (int64_t pc = 0; pc < k; pc += P::KC) {
        const int64_t kc = std::min(P::KC, k - pc);
        P::pack_b(b, pc, kc, jc, nc, packed_b + (pc / P::KC) * n_padded * P::KC);
      }
    }
    for (int64_t ic = 0; ic < m; ic += mc_max) {
      multiply_row_block<P>(a, panels_b, n_padded, col0, ic, std::min(mc_max, m - ic), jc, nc, k, packed_a, c, alpha,
                            beta, epilogue);
    }
  }
  return true;
}

using PathAvx512 = Path<kMR512, kNR512, kKC, float, 1, pack_a<kMR512>, pack_b<kNR512>, kernel_avx512_12x32>;
using PathAvx512Wide = Path<kMRF32, kNRF32, kKC, float, 1, pack_a<kMRF32>, pack_b<kNRF32>, kernel_avx512_8x48>;
using PathAvx2 = Path<kMR256, kNR256, kKC256, float, 1, pack_a<kMR256>, pack_b<kNR256>, kernel_avx2>;
using PathAvx512Bf16 =
    Path<kMR512, kNR512, kKC, uint16_t, 2, pack_a_bf16<kMR512>, pack_b_bf16<kNR512>, kernel_avx512_bf16>;
using PathAmxBf16 =
    Path<kMRAmx, kNRAmx, kKC, uint16_t, kAmxDepth, pack_a_amx<kMRAmx>, pack_b_amx<kNRAmx>, kernel_amx>;

// A plain loop nest for problems too small to amortise packing; the inner loop over n vectorises.
void gemm_small(const Operand& a, const Operand& b, Output c, int64_t m, int64_t n, int64_t k, float alpha,
                float beta) {
  float row_acc[64];
  for (int64_t i = 0; i < m; i++) {
    float* c_row = c.data + i * c.ldc;
    for (int64_t j0 = 0; j0 < n; j0 += 64) {
      const int64_t width = std::min<int64_t>(64, n - j0);
      for (int64_t j = 0; j < width; j++) row_acc[j] = 0.0f;
      for (int64_t p = 0; p < k; p++) {
        const float av = a.at(i, p);
        const float* b_row = b.data + p * b.row_stride + j0 * b.col_stride;
        if (b.col_stride == 1) {
          for (int64_t j = 0; j < width; j++) row_acc[j] += av * b_row[j];
        } else {
          for (int64_t j = 0; j < width; j++) row_acc[j] += av * b_row[j * b.col_stride];
        }
      }
      for (int64_t j = 0; j < width; j++)
        c_row[j0 + j] = beta != 0.0f ? alpha * row_acc[j] + beta * c_row[j0 + j] : alpha * row_acc[j];
    }
  }
}

// C = beta·C without reading C when beta == 0 (BLAS semantics for k == 0 or alpha == 0).
void scale_c(Output c, int64_t m, int64_t n, float beta) {
  for (int64_t i = 0; i < m; i++) {
    float* row = c.data + i * c.ldc;
    if (beta == 0.0f) {
      std::memset(row, 0, n * sizeof(float));
    } else if (beta != 1.0f) {
      for (int64_t j = 0; j < n; j++) row[j] *= beta;
    }
  }
}

// Which packing + micro-kernel a GEMM with n columns runs now; a prepacked B records it, since its layout depends on
// it. A GEMM decides once, at the top, and every part of it cut between threads runs the same path.
enum PathId : int32_t { kPathAvx2 = 1, kPathAvx512 = 2, kPathAvx512Bf16 = 3, kPathAmxBf16 = 4, kPathAvx512Wide = 5 };
PathId current_path(int64_t n) {
  if (bf16_products.load(std::memory_order_relaxed)) return a4j::has_amx_bf16() ? kPathAmxBf16 : kPathAvx512Bf16;
  if (!a4j::has_avx512()) return kPathAvx2;
  return round_up(n, kNRF32) <= round_up(n, kNR512) ? kPathAvx512Wide : kPathAvx512;
}

// The micro-tile of a path: a GEMM cut between threads is cut on its boundaries, and a packed B has NR-wide panels.
struct TileShape {
  int64_t rows, cols;
};
TileShape tile_shape(PathId path) {
  switch (path) {
    case kPathAmxBf16: return {PathAmxBf16::MR, PathAmxBf16::NR};
    case kPathAvx512Bf16: return {PathAvx512Bf16::MR, PathAvx512Bf16::NR};
    case kPathAvx512: return {PathAvx512::MR, PathAvx512::NR};
    case kPathAvx512Wide: return {PathAvx512Wide::MR, PathAvx512Wide::NR};
    default: return {PathAvx2::MR, PathAvx2::NR};
  }
}

// One GEMM on the calling thread; `prepacked` (if any) replaces the packing of B.
bool gemm_serial(PathId path, const Operand& a, const Operand& b, Output c, int64_t m, int64_t n, int64_t k,
                 float alpha, float beta, const PackedB* prepacked = nullptr, const Epilogue* epilogue = nullptr) {
  if (k == 0 || alpha == 0.0f || (prepacked == nullptr && m * n * k <= kSmallFlops)) {
    if (k == 0 || alpha == 0.0f) {
      scale_c(c, m, n, beta);
    } else {
      gemm_small(a, b, c, m, n, k, alpha, beta);
    }
    apply_epilogue(epilogue, c.data, c.ldc, m, n);
    return true;
  }
  switch (path) {
    case kPathAmxBf16: return gemm_blocked<PathAmxBf16>(a, b, c, m, n, k, alpha, beta, prepacked, epilogue);
    case kPathAvx512Bf16: return gemm_blocked<PathAvx512Bf16>(a, b, c, m, n, k, alpha, beta, prepacked, epilogue);
    case kPathAvx512: return gemm_blocked<PathAvx512>(a, b, c, m, n, k, alpha, beta, prepacked, epilogue);
    case kPathAvx512Wide: return gemm_blocked<PathAvx512Wide>(a, b, c, m, n, k, alpha, beta, prepacked, epilogue);
    default: return gemm_blocked<PathAvx2>(a, b, c, m, n, k, alpha, beta, prepacked, epilogue);
  }
}

// One GEMM on a team of threads that share its packed B panel, as BLIS parallelises its ic loop: each thread packs
// a slice of the panel's NR-column micro-panels (all depth blocks of them), and after a barrier every thread
// multiplies its own rows of A by all of it. Nothing is packed twice; cutting C into independent blocks
// (gemm_parallel) makes every thread pack all of A or all of B. Needs a few micro-tiles of rows per thread.
template <typename P>
bool gemm_team(const Operand& a, const Operand& b, Output c, int64_t m, int64_t n, int64_t k, float alpha, float beta,
               int threads, const Epilogue* epilogue) {
  constexpr int MR = P::MR, NR = P::NR;
  using Elem = typename P::Elem;
  const int64_t col_block = column_block<P>(k);
  const int64_t nc_max = std::min<int64_t>(col_block, round_up(n, NR));
  const int64_t kc_max = round_up(std::min<int64_t>(P::KC, k), P::kDepthStep);
  // The calling thread is the team's thread 0: its B buffer is the shared one.
  Elem* shared_b =
      reinterpret_cast<Elem*>(PackBuffers::grow(pack_buffers.b, pack_buffers.b_floats, nc_max * padded_depth<P>(k)));
  if (shared_b == nullptr) return false;
  bool ok = true;
#pragma omp parallel num_threads(threads) reduction(&& : ok)
  {
    const int t = omp_get_thread_num(), team = omp_get_num_threads();
    tiles_configured = false;
    const int64_t share = round_up((m + team - 1) / team, MR);
    const int64_t row0 = std::min(m, t * share), row_end = std::min(m, row0 + share);
    const int64_t mc_max = std::min<int64_t>(kMC, round_up(std::max<int64_t>(row_end - row0, 1), MR));
    Elem* packed_a = reinterpret_cast<Elem*>(PackBuffers::grow(pack_buffers.a, pack_buffers.a_floats, mc_max * kc_max));
    ok = packed_a != nullptr;  // a thread without its buffer still packs its part of B and meets every barrier
    for (int64_t jc = 0; jc < n; jc += col_block) {
      const int64_t nc = std::min(col_block, n - jc);
      const int64_t n_padded = round_up(nc, NR);
      const int64_t panels = n_padded / NR;
      const int64_t first = panels * t / team * NR, last = std::min(nc, panels * (t + 1) / team * NR);
      for (int64_t pc = 0; first < last && pc < k; pc += P::KC) {
        const int64_t kc = std::min(P::KC, k - pc);
        P::pack_b(b, pc, kc, jc + first, last - first,
                  depth_block<P>(shared_b, n_padded, pc, first, round_up(kc, P::kDepthStep)));
      }
#pragma omp barrier
      for (int64_t ic = row0; ok && ic < row_end; ic += kMC) {
        multiply_row_block<P>(a, shared_b, n_padded, 0, ic, std::min(kMC, row_end - ic), jc, nc, k, packed_a, c,
                              alpha, beta, epilogue);
      }
#pragma omp barrier
    }
  }
  return ok;
}

bool gemm_team(PathId path, const Operand& a, const Operand& b, Output c, int64_t m, int64_t n, int64_t k, float alpha,
               float beta, int threads, const Epilogue* epilogue = nullptr) {
  switch (path) {
    case kPathAmxBf16: return gemm_team<PathAmxBf16>(a, b, c, m, n, k, alpha, beta, threads, epilogue);
    case kPathAvx512Bf16: return gemm_team<PathAvx512Bf16>(a, b, c, m, n, k, alpha, beta, threads, epilogue);
    case kPathAvx512: return gemm_team<PathAvx512>(a, b, c, m, n, k, alpha, beta, threads, epilogue);
    case kPathAvx512Wide: return gemm_team<PathAvx512Wide>(a, b, c, m, n, k, alpha, beta, threads, epilogue);
    default: return gemm_team<PathAvx2>(a, b, c, m, n, k, alpha, beta, threads, epilogue);
  }
}

// One GEMM on `threads` threads: C is cut into a grid of blocks, one per thread, each computed start to finish
// by its thread (its own packing). Cuts fall on micro-tile boundaries and along the longer side of C, so
// the work is even and the duplicated packing stays a small fraction of the compute.
// With B packed beforehand, C is cut into bands of rows instead (where each thread gets a tile of rows): no thread
// packs more than its own rows of A, where cutting columns made every thread pack all of A, and a band of rows is
// the rows the same thread wrote in the GEMM before (also cut by rows), so its A comes from its own L2 rather than
// the other core's. Measured on the Intel Xeon of 2026-12-07 (AVX-512), b1 x s128 inference, 100 calls after 50,
// four alternating pairs: 67.7 / 68.5 / 70.2 / 70.2 ms with columns, 66.9 / 67.7 / 68.7 / 68.4 with rows (the
// 128 x 768 x 3072 GEMMs gain most); the 1024-row GEMMs of a training step within 1%.
bool gemm_parallel(PathId path, const Operand& a, const Operand& b, Output c, int64_t m, int64_t n, int64_t k,
                   float alpha, float beta, int threads, const PackedB* prepacked = nullptr,
                   const Epilogue* epilogue = nullptr) {
  const TileShape tile = tile_shape(path);
  const int64_t mr = tile.rows, nr = tile.cols;
  int split_m = threads, split_n = 1;
  if (prepacked == nullptr || m < threads * mr) {
    // Choose the factorisation threads = split_m * split_n whose blocks are closest to square.
    double best = -1;
    for (int sm = 1; sm <= threads; sm++) {
      if (threads % sm != 0) continue;
      const int sn = threads / sm;
      const double bm = static_cast<double>(m) / sm, bn = static_cast<double>(n) / sn;
      const double score = std::min(bm, bn) / std::max(bm, bn);
      if (score > best) {
        best = score;
        split_m = sm;
        split_n = sn;
      }
    }
  }
  const int64_t block_m = round_up((m + split_m - 1) / split_m, mr);
  const int64_t block_n = round_up((n + split_n - 1) / split_n, nr);
  bool ok = true;
#pragma omp parallel num_threads(threads) reduction(&& : ok)
  {
    const int t = omp_get_thread_num();
    const int64_t i0 = (t / split_n) * block_m, j0 = (t % split_n) * block_n;
    const int64_t rows = std::min(block_m, m - i0), cols = std::min(block_n, n - j0);
    if (rows > 0 && cols > 0) {
      const Operand a_part{a.data + i0 * a.row_stride, a.row_stride, a.col_stride};
      const Operand b_part{b.data + j0 * b.col_stride, b.row_stride, b.col_stride};
      PackedB part{};
      if (prepacked != nullptr) part = PackedB{prepacked->panels, prepacked->n_padded, prepacked->col0 + j0};
      Epilogue block_epilogue{};
      if (epilogue != nullptr) block_epilogue = epilogue->at(i0, j0);
      ok = gemm_serial(path, a_part, b_part, Output{c.data + i0 * c.ldc + j0, c.ldc}, rows, cols, k, alpha, beta,
                       prepacked != nullptr ? &part : nullptr, epilogue != nullptr ? &block_epilogue : nullptr);
    }
  }
  return ok;
}

// ---- B packed once, for many GEMMs ----------------------------------------------------------------------------
// ALBERT applies one block's weights 12-24 times per pass; packing op(B) once per pass (a4j_gemm_pack_b) instead of
// in every GEMM saves the repacking, which at small M (one 128-token sequence) is a large part of each GEMM.
// Layout: a 64-byte header, then per depth block of the path's KC (the last one shorter, padded to the path's depth
// step) the NR-column panels of all of n, the same panels gemm_blocked packs per call.
struct PackedHeader {
  uint64_t magic;
  int32_t path;
  int32_t unused;
  int64_t k;
  int64_t n;
};
constexpr uint64_t kPackedMagic = 0x424b50344a413401ull;  // "A4J4PKB" + version 1
constexpr int64_t kPackedHeaderBytes = 64;
static_assert(sizeof(PackedHeader) <= kPackedHeaderBytes, "header fits its slot");

template <typename P>
int64_t packed_b_bytes(int64_t k, int64_t n) {
  return kPackedHeaderBytes + round_up(n, P::NR) * padded_depth<P>(k) * static_cast<int64_t>(sizeof(typename P::Elem));
}

int64_t packed_b_bytes(PathId path, int64_t k, int64_t n) {
  switch (path) {
    case kPathAmxBf16: return packed_b_bytes<PathAmxBf16>(k, n);
    case kPathAvx512Bf16: return packed_b_bytes<PathAvx512Bf16>(k, n);
    case kPathAvx512: return packed_b_bytes<PathAvx512>(k, n);
    case kPathAvx512Wide: return packed_b_bytes<PathAvx512Wide>(k, n);
    default: return packed_b_bytes<PathAvx2>(k, n);
  }
}

// Packs every depth block, the columns cut between the threads on panel boundaries; one parallel region for all
// the depth blocks (a 30000 x 128 decoder weight has 79 of them), since each region costs a wake-up of the team.
template <typename P>
void pack_b_whole(const Operand& b, int64_t k, int64_t n, void* panels) {
  using Elem = typename P::Elem;
  const int64_t n_padded = round_up(n, P::NR);
  const int64_t panel_count = n_padded / P::NR;
  const int threads = static_cast<int>(std::min<int64_t>(a4j::num_threads(), panel_count));
#pragma omp parallel num_threads(threads) if (threads > 1 && k * n > kFlopsPerThread / 16)
  {
    const int t = omp_get_thread_num(), team = omp_get_num_threads();
    const int64_t first = panel_count * t / team * P::NR;
    const int64_t last = std::min(n, panel_count * (t + 1) / team * P::NR);
    for (int64_t pc = 0; pc < k && first < last; pc += P::KC) {
      const int64_t kc = std::min(P::KC, k - pc);
      const int64_t kc_padded = round_up(kc, P::kDepthStep);
      P::pack_b(b, pc, kc, first, last - first,
                depth_block<P>(static_cast<Elem*>(panels), n_padded, pc, first, kc_padded));
    }
  }
}

// The header of a packed B, or null (with the error set) when it is not one for this k, n and the current path.
const PackedHeader* check_packed(const void* packed, int64_t k, int64_t n, const char* who) {
  const auto* header = static_cast<const PackedHeader*>(packed);
  if (header == nullptr || header->magic != kPackedMagic) {
    a4j::set_error(A4J_ERR_INVALID_ARGUMENT, std::string(who) + ": not a B packed by a4j_gemm_pack_b");
    return nullptr;
  }
  if (header->k != k || header->n != n) {
    a4j::set_error(A4J_ERR_INVALID_ARGUMENT, std::string(who) + ": B was packed as " + std::to_string(header->k) +
                                                 " x " + std::to_string(header->n) + ", the GEMM needs " +
                                                 std::to_string(k) + " x " + std::to_string(n));
    return nullptr;
  }
  if (header->path != current_path(n)) {
    a4j::set_error(A4J_ERR_INVALID_ARGUMENT, std::string(who) + ": B was packed for another kernel path (bf16 "
                                                                "products or the ISA changed since); pack it again");
    return nullptr;
  }
  return header;
}
// C = alpha·op(A)·op(B) + beta·C (then the epilogue) with a B from a4j_gemm_pack_b.
int gemm_with_packed_b(int trans_a, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                       const void* packed_b, float beta, float* c, int64_t ldc, const Epilogue* epilogue,
                       const char* who) {
  if (m < 0 || n < 0 || k < 0) return a4j::set_error(A4J_ERR_INVALID_ARGUMENT, std::string(who) + ": negative size");
  if (m == 0 || n == 0) return A4J_OK;
  if (ldc < n || lda < (trans_a ? m : k)) {
    return a4j::set_error(A4J_ERR_INVALID_ARGUMENT, std::string(who) + ": leading dimension smaller than the row width");
  }
  const PackedHeader* header = check_packed(packed_b, k, n, who);
  if (header == nullptr) return A4J_ERR_INVALID_ARGUMENT;
  const PathId path = static_cast<PathId>(header->path);
  const int64_t nr = tile_shape(path).cols;
  const PackedB whole{static_cast<const char*>(packed_b) + kPackedHeaderBytes, round_up(n, nr), 0};
  const Operand operand_a = trans_a ? Operand{a, 1, lda} : Operand{a, lda, 1};
  const Operand unused_b{nullptr, 0, 0};
  const Output out{c, ldc};
  const int max_threads = std::max(1, a4j::num_threads());
  const int threads =
      static_cast<int>(std::min<int64_t>(max_threads, std::max<int64_t>(1, m * n * k / kFlopsPerThread)));
  const bool ok =
      threads > 1 ? gemm_parallel(path, operand_a, unused_b, out, m, n, k, alpha, beta, threads, &whole, epilogue)
                  : gemm_serial(path, operand_a, unused_b, out, m, n, k, alpha, beta, &whole, epilogue);
  return ok ? A4J_OK : a4j::set_error(A4J_ERR_OUT_OF_MEMORY, std::string(who) + ": cannot allocate packing buffers");
}

// One problem on up to `threads` threads: a team sharing B where each thread gets at least kTeamRowsPerThread rows;
// independent blocks otherwise. The team saves packing B once per thread but waits at a barrier per depth block;
// with few rows the waits cost more than the packing saves. Measured on a 2-core Zen 4, GFLOP/s team / independent
// (medians of 3): the weight gradients Aᵀ·B with M = 128 (128x128x1024, 128x512x1024, 128x768x1024) 137 / 160,
// 157 / 190, 155 / 177; M = 512 (512x128x1024) 186 / 192; M = 1024 (1024x768x768 A·Bᵀ, A·B) 175 / 169, 191 / 187.
constexpr int64_t kTeamRowsPerThread = 256;

bool gemm_one(const Operand& a, const Operand& b, Output c, int64_t m, int64_t n, int64_t k, float alpha, float beta,
              int threads, const Epilogue* epilogue) {
  const PathId path = current_path(n);
  if (threads > 1 && m >= kTeamRowsPerThread * threads && k > 0 && alpha != 0.0f) {
    return gemm_team(path, a, b, c, m, n, k, alpha, beta, threads, epilogue);
  }
  if (threads > 1) return gemm_parallel(path, a, b, c, m, n, k, alpha, beta, threads, nullptr, epilogue);
  return gemm_serial(path, a, b, c, m, n, k, alpha, beta, nullptr, epilogue);
}

// Threads worth waking for m·n·k multiply-adds.
int useful_threads(int64_t flops) {
  const int max_threads = std::max(1, a4j::num_threads());
  return static_cast<int>(std::min<int64_t>(max_threads, std::max<int64_t>(1, flops / kFlopsPerThread)));
}
}  // namespace

extern "C" {
A4J_API int64_t a4j_gemm_packed_b_bytes(int64_t k, int64_t n) {
  return k < 0 || n < 0 ? -1 : packed_b_bytes(current_path(n), k, n);
}

A4J_API int a4j_gemm_pack_b(int trans_b, int64_t k, int64_t n, const float* b, int64_t ldb, void* packed,
                            int64_t packed_bytes, void* stream) {
  if (k < 0 || n < 0) return a4j::set_error(A4J_ERR_INVALID_ARGUMENT, "a4j_gemm_pack_b: negative size");
  if (ldb < (trans_b ? k : n)) {
    return a4j::set_error(A4J_ERR_INVALID_ARGUMENT, "a4j_gemm_pack_b: leading dimension smaller than the row width");
  }
  const PathId path = current_path(n);
  if (packed_bytes < packed_b_bytes(path, k, n)) {
    return a4j::set_error(A4J_ERR_INVALID_ARGUMENT, "a4j_gemm_pack_b: the buffer holds " +
                                                        std::to_string(packed_bytes) + " bytes, " +
                                                        std::to_string(packed_b_bytes(path, k, n)) + " needed");
  }
  const Operand operand = trans_b ? Operand{b, 1, ldb} : Operand{b, ldb, 1};
  void* panels = static_cast<char*>(packed) + kPackedHeaderBytes;
  switch (path) {
    case kPathAmxBf16: pack_b_whole<PathAmxBf16>(operand, k, n, panels); break;
    case kPathAvx512Bf16: pack_b_whole<PathAvx512Bf16>(operand, k, n, panels); break;
    case kPathAvx512: pack_b_whole<PathAvx512>(operand, k, n, panels); break;
    case kPathAvx512Wide: pack_b_whole<PathAvx512Wide>(operand, k, n, panels); break;
    default: pack_b_whole<PathAvx2>(operand, k, n, panels); break;
  }
  PackedHeader header{kPackedMagic, path, 0, k, n};
  std::memcpy(packed, &header, sizeof header);
  return A4J_OK;
}

A4J_API int a4j_gemm_packed_b(int trans_a, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                              const void* packed_b, float beta, float* c, int64_t ldc, void* stream) {
  return gemm_with_packed_b(trans_a, m, n, k, alpha, a, lda, packed_b, beta, c, ldc, nullptr, "a4j_gemm_packed_b");
}

A4J_API int a4j_set_gemm_bf16(int enable) {
  if (enable != 0 && !a4j::has_avx512_bf16()) {
    return a4j::set_error(A4J_ERR_UNSUPPORTED, "a4j_set_gemm_bf16: bf16 products need AVX512_BF16 (and the AVX-512 "
                                               "kernels in use); this CPU or ALBERT4J_ISA offers neither");
  }
  bf16_products.store(enable != 0, std::memory_order_relaxed);
  return A4J_OK;
}

A4J_API int a4j_get_gemm_bf16(void) { return bf16_products.load(std::memory_order_relaxed) ? 1 : 0; }

A4J_API int a4j_gemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                     int64_t lda, int64_t stride_a, const float* b, int64_t ldb, int64_t stride_b, float beta, float* c,
                     int64_t ldc, int64_t stride_c, int64_t batch, void* stream) {
  if (m < 0 || n < 0 || k < 0 || batch < 0) {
    return a4j::set_error(A4J_ERR_INVALID_ARGUMENT, "a4j_gemm: negative size");
  }
  if (m == 0 || n == 0 || batch == 0) return A4J_OK;
  if (ldc < n || lda < (trans_a ? m : k) || ldb < (trans_b ? k : n)) {
    return a4j::set_error(A4J_ERR_INVALID_ARGUMENT, "a4j_gemm: leading dimension smaller than the row width");
  }
  // op(A)(i, p) and op(B)(p, j) as strided views, so the kernels never branch on the transposes.
  auto operand_a = [&](int64_t i) {
    return trans_a ? Operand{a + i * stride_a, 1, lda} : Operand{a + i * stride_a, lda, 1};
  };
  auto operand_b = [&](int64_t i) {
    return trans_b ? Operand{b + i * stride_b, 1, ldb} : Operand{b + i * stride_b, ldb, 1};
  };
  const int64_t flops = m * n * k;
  const int max_threads = std::max(1, a4j::num_threads());
  bool ok = true;
  if (batch >= max_threads && max_threads > 1 && flops * batch >= kFlopsPerThread * max_threads) {
    // Enough independent problems: one thread per problem, no cross-thread cuts.
#pragma omp parallel for schedule(dynamic, 1) num_threads(max_threads) reduction(&& : ok)
    for (int64_t i = 0; i < batch; i++) {
      ok = gemm_serial(current_path(n), operand_a(i), operand_b(i), Output{c + i * stride_c, ldc}, m, n, k, alpha,
                       beta) &&
           ok;
    }
  } else {
    const int threads = useful_threads(flops);
    for (int64_t i = 0; i < batch && ok; i++) {
      ok = gemm_one(operand_a(i), operand_b(i), Output{c + i * stride_c, ldc}, m, n, k, alpha, beta, threads, nullptr);
    }
  }
  return ok ? A4J_OK : a4j::set_error(A4J_ERR_OUT_OF_MEMORY, "a4j_gemm: cannot allocate packing buffers");
}

A4J_API int a4j_gemm_bias_activation(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                                     const float* a, int64_t lda, const float* b, int64_t ldb, const void* packed_b,
                                     float beta, float* c, int64_t ldc, const float* bias, int activation,
                                     float* activation_out, int64_t ld_out, void* stream) {
  if (activation < A4J_ACT_GELU_ERF || activation > A4J_ACT_IDENTITY) {
    return a4j::set_error(A4J_ERR_INVALID_ARGUMENT,
                          "a4j_gemm_bias_activation: unknown activation " + std::to_string(activation));
  }
  if (activation_out != nullptr && ld_out < n) {
    return a4j::set_error(A4J_ERR_INVALID_ARGUMENT,
                          "a4j_gemm_bias_activation: leading dimension of the activation output smaller than n");
  }
  const Epilogue epilogue{bias, activation, activation_out, ld_out};
  if (packed_b != nullptr) {
    return gemm_with_packed_b(trans_a, m, n, k, alpha, a, lda, packed_b, beta, c, ldc, &epilogue,
                              "a4j_gemm_bias_activation");
  }
  if (m < 0 || n < 0 || k < 0) {
    return a4j::set_error(A4J_ERR_INVALID_ARGUMENT, "a4j_gemm_bias_activation: negative size");
  }
  if (m == 0 || n == 0) return A4J_OK;
  if (ldc < n || lda < (trans_a ? m : k) || ldb < (trans_b ? k : n)) {
    return a4j::set_error(A4J_ERR_INVALID_ARGUMENT,
                          "a4j_gemm_bias_activation: leading dimension smaller than the row width");
  }
  const Operand operand_a = trans_a ? Operand{a, 1, lda} : Operand{a, lda, 1};
  const Operand operand_b = trans_b ? Operand{b, 1, ldb} : Operand{b, ldb, 1};
  const bool ok = gemm_one(operand_a, operand_b, Output{c, ldc}, m, n, k, alpha, beta, useful_threads(m * n * k),
                           &epilogue);
  return ok ? A4J_OK
            : a4j::set_error(A4J_ERR_OUT_OF_MEMORY, "a4j_gemm_bias_activation: cannot allocate packing buffers");
}
}
