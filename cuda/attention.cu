// Fused multi-head self-attention, FlashAttention-2 style: queries against key/value tiles held in shared
// memory, online softmax (running max and sum, rescaling the accumulator), additive key mask, dropout by the
// counter RNG keyed by ((b*heads + h)*seq + i)*seq + j, O(seq) memory (out and the row log-sum-exp only).
// Backward recomputes the probabilities from the saved lse: one kernel per key row for dK/dV, one per query
// row for dQ, so every gradient element has one writer and no atomics are needed.
//
// Two paths:
//  - generic (float arithmetic, float or bf16 inputs, any head_dim <= 256): one warp per query (or key) row,
//    lanes over the 32 keys (queries) of a tile for scores, lanes over head_dim for the accumulators;
//  - tensor cores (bf16 inputs, head_dim 64 or 128, forward): WMMA 16x16x16 bf16 -> fp32, 64 queries x 64 keys
//    per block step, the output accumulator kept in fp32 shared memory and rescaled per row.
#include <mma.h>

#include "cuda_common.cuh"

namespace {
// Rows per block in the generic kernels: every block streams all key (query) tiles of its head through shared
// memory, so more rows per block means fewer tile loads per row.
constexpr int kWarps = 16;
constexpr int kTile = 32;           // keys (queries) per shared-memory tile in the generic kernels
constexpr int kMaxHeadDim = 256;    // generic path: head_dim / 32 accumulators per lane
constexpr int kRegs = kMaxHeadDim / 32;

struct Geometry {
  int64_t seq, heads, head_dim, qkv_stride;
  float scale, dropout_p;
  uint64_t seed;
  // Row r of batch b, head h: offset of element 0 in q/k/v (strided) or out/dout (contiguous).
  __device__ int64_t qkv(int64_t b, int64_t r, int64_t h) const { return (b * seq + r) * qkv_stride + h * head_dim; }
  __device__ int64_t dense(int64_t b, int64_t r, int64_t h) const { return (b * seq + r) * heads * head_dim + h * head_dim; }
  // Dropout multiplier of P[i, j]: 0 when dropped, 1/(1-p) when kept, 1 without dropout.
  __device__ float keep(int64_t b, int64_t h, int64_t i, int64_t j) const {
    if (dropout_p <= 0.0f) return 1.0f;
    uint64_t counter = static_cast<uint64_t>(((b * heads + h) * seq + i) * seq + j);
    return a4j_uniform(seed, counter) >= dropout_p ? 1.0f / (1.0f - dropout_p) : 0.0f;
  }
};

// Loads rows [first, first + kTile) of one head of `src` (strided rows) into shared `dst` [kTile][ld] as float.
template <typename T>
__device__ void load_tile(const T* src, const Geometry& g, int64_t b, int64_t h, int64_t first, float* dst, int ld) {
  const int d_count = static_cast<int>(g.head_dim);  // 32-bit: 64-bit division is slow on the GPU
  for (int idx = threadIdx.x; idx < kTile * d_count; idx += blockDim.x) {
    int row = idx / d_count, d = idx % d_count;
    int64_t r = first + row;
    dst[row * ld + d] = r < g.seq ? a4j::load(src, g.qkv(b, r, h) + d) : 0.0f;
  }
}

template <typename T>
__global__ void attention_forward_kernel(const T* q, const T* k, const T* v, const float* mask, T* out, float* lse,
                                         Geometry g) {
  extern __shared__ float smem[];
  const int D = static_cast<int>(g.head_dim), ld = D + 1;
  float* ks = smem;                     // [kTile][D+1]
  float* vs = ks + kTile * ld;          // [kTile][D+1]
  float* qs = vs + kTile * ld;          // [kWarps][D]
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int64_t b = blockIdx.z, h = blockIdx.y;
  const int64_t i = static_cast<int64_t>(blockIdx.x) * kWarps + warp;
  const bool valid = i < g.seq;
  float* qw = qs + warp * D;
  for (int d = lane; d < D; d += 32) qw[d] = valid ? a4j::load(q, g.qkv(b, i, h) + d) : 0.0f;
  float m = -INFINITY, l = 0.0f, acc[kRegs];
#pragma unroll
  for (int r = 0; r < kRegs; ++r) acc[r] = 0.0f;
  for (int64_t first = 0; first < g.seq; first += kTile) {
    __syncthreads();
    load_tile(k, g, b, h, first, ks, ld);
    load_tile(v, g, b, h, first, vs, ld);
    __syncthreads();
    if (!valid) continue;
    const int64_t j = first + lane;
    float s = -INFINITY;
    if (j < g.seq) {
      float dot = 0.0f;
      for (int d = 0; d < D; ++d) dot += qw[d] * ks[lane * ld + d];
      s = dot * g.scale + (mask != nullptr ? mask[b * g.seq + j] : 0.0f);
    }
    float m_new = fmaxf(m, a4j::warp_max(s));
    float p = m_new == -INFINITY ? 0.0f : expf(s - m_new);
    float alpha = m_new == -INFINITY ? 1.0f : expf(m - m_new);
    l = l * alpha + a4j::warp_sum(p);
    m = m_new;
    float pd = j < g.seq ? p * g.keep(b, h, i, j) : 0.0f;
#pragma unroll
    for (int r = 0; r < kRegs; ++r) acc[r] *= alpha;
    for (int jj = 0; jj < kTile; ++jj) {
      float pj = __shfl_sync(0xffffffffu, pd, jj);
#pragma unroll
      for (int r = 0; r < kRegs; ++r) {
        int d = lane + 32 * r;
        if (d < D) acc[r] += pj * vs[jj * ld + d];
      }
    }
  }
  if (!valid) return;
  float inv = l > 0.0f ? 1.0f / l : 0.0f;
#pragma unroll
  for (int r = 0; r < kRegs; ++r) {
    int d = lane + 32 * r;
    if (d < D) a4j::store(out, g.dense(b, i, h) + d, acc[r] * inv);
  }
  if (lane == 0) lse[(b * g.heads + h) * g.seq + i] = m + logf(l);
}

// dK, dV for one key row per warp: loops over query tiles, recomputing P[i, j] = exp(s - lse_i).
template <typename T>
__global__ void attention_dkdv_kernel(const T* q, const T* k, const T* v, const float* mask, const T* out,
                                      const float* lse, const T* dout, float* dk, float* dv, Geometry g) {
  extern __shared__ float smem[];
  const int D = static_cast<int>(g.head_dim), ld = D + 1;
  float* qs = smem;                       // [kTile][D+1]
  float* dos = qs + kTile * ld;           // [kTile][D+1]
  float* delta = dos + kTile * ld;        // [kTile] rowsum(dO * O)
  float* lses = delta + kTile;            // [kTile]
  float* kw = lses + kTile;               // [kWarps][D]
  float* vw = kw + kWarps * D;            // [kWarps][D]
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int64_t b = blockIdx.z, h = blockIdx.y;
  const int64_t j = static_cast<int64_t>(blockIdx.x) * kWarps + warp;
  const bool valid = j < g.seq;
  float* kj = kw + warp * D;
  float* vj = vw + warp * D;
  for (int d = lane; d < D; d += 32) {
    kj[d] = valid ? a4j::load(k, g.qkv(b, j, h) + d) : 0.0f;
    vj[d] = valid ? a4j::load(v, g.qkv(b, j, h) + d) : 0.0f;
  }
  const float mask_j = valid && mask != nullptr ? mask[b * g.seq + j] : 0.0f;
  float acc_k[kRegs], acc_v[kRegs];
#pragma unroll
  for (int r = 0; r < kRegs; ++r) acc_k[r] = acc_v[r] = 0.0f;
  for (int64_t first = 0; first < g.seq; first += kTile) {
    __syncthreads();
    load_tile(q, g, b, h, first, qs, ld);
    for (int idx = threadIdx.x; idx < kTile * D; idx += blockDim.x) {
      int row = idx / D, d = idx % D;
      int64_t i = first + row;
      dos[row * ld + d] = i < g.seq ? a4j::load(dout, g.dense(b, i, h) + d) : 0.0f;
    }
    for (int row = warp; row < kTile; row += kWarps) {  // delta_i = dO_i . O_i, one warp per row
      int64_t i = first + row;
      float part = 0.0f;
      if (i < g.seq)
        for (int d = lane; d < D; d += 32) part += a4j::load(dout, g.dense(b, i, h) + d) * a4j::load(out, g.dense(b, i, h) + d);
      part = a4j::warp_sum(part);
      if (lane == 0) {
        delta[row] = part;
        lses[row] = i < g.seq ? lse[(b * g.heads + h) * g.seq + i] : 0.0f;
      }
    }
    __syncthreads();
    if (!valid) continue;
    const int64_t i = first + lane;
    float pd = 0.0f, ds = 0.0f;
    if (i < g.seq) {
      float dot = 0.0f, dp = 0.0f;
      for (int d = 0; d < D; ++d) {
        dot += qs[lane * ld + d] * kj[d];
        dp += dos[lane * ld + d] * vj[d];
      }
      float p = expf(dot * g.scale + mask_j - lses[lane]);
      float z = g.keep(b, h, i, j);
      pd = p * z;
      ds = p * (dp * z - delta[lane]);
    }
    for (int ii = 0; ii < kTile; ++ii) {
      float pi = __shfl_sync(0xffffffffu, pd, ii);
      float si = __shfl_sync(0xffffffffu, ds, ii);
#pragma unroll
      for (int r = 0; r < kRegs; ++r) {
        int d = lane + 32 * r;
        if (d < D) {
          acc_v[r] += pi * dos[ii * ld + d];
          acc_k[r] += si * qs[ii * ld + d];
        }
      }
    }
  }
  if (!valid) return;
#pragma unroll
  for (int r = 0; r < kRegs; ++r) {
    int d = lane + 32 * r;
    if (d < D) {
      dk[g.qkv(b, j, h) + d] += g.scale * acc_k[r];
      dv[g.qkv(b, j, h) + d] += acc_v[r];
    }
  }
}

// dQ for one query row per warp: loops over key tiles.
template <typename T>
__global__ void attention_dq_kernel(const T* q, const T* k, const T* v, const float* mask, const T* out,
                                    const float* lse, const T* dout, float* dq, Geometry g) {
  extern __shared__ float smem[];
  const int D = static_cast<int>(g.head_dim), ld = D + 1;
  float* ks = smem;                       // [kTile][D+1]
  float* vs = ks + kTile * ld;            // [kTile][D+1]
  float* qw_all = vs + kTile * ld;        // [kWarps][D]
  float* dow_all = qw_all + kWarps * D;   // [kWarps][D]
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int64_t b = blockIdx.z, h = blockIdx.y;
  const int64_t i = static_cast<int64_t>(blockIdx.x) * kWarps + warp;
  const bool valid = i < g.seq;
  float* qw = qw_all + warp * D;
  float* dow = dow_all + warp * D;
  float part = 0.0f;
  for (int d = lane; d < D; d += 32) {
    qw[d] = valid ? a4j::load(q, g.qkv(b, i, h) + d) : 0.0f;
    dow[d] = valid ? a4j::load(dout, g.dense(b, i, h) + d) : 0.0f;
    if (valid) part += dow[d] * a4j::load(out, g.dense(b, i, h) + d);
  }
  const float delta = a4j::warp_sum(part);
  const float lse_i = valid ? lse[(b * g.heads + h) * g.seq + i] : 0.0f;
  float acc[kRegs];
#pragma unroll
  for (int r = 0; r < kRegs; ++r) acc[r] = 0.0f;
  for (int64_t first = 0; first < g.seq; first += kTile) {
    __syncthreads();
    load_tile(k, g, b, h, first, ks, ld);
    load_tile(v, g, b, h, first, vs, ld);
    __syncthreads();
    if (!valid) continue;
    const int64_t j = first + lane;
    float ds = 0.0f;
    if (j < g.seq) {
      float dot = 0.0f, dp = 0.0f;
      for (int d = 0; d < D; ++d) {
        dot += qw[d] * ks[lane * ld + d];
        dp += dow[d] * vs[lane * ld + d];
      }
      float p = expf(dot * g.scale + (mask != nullptr ? mask[b * g.seq + j] : 0.0f) - lse_i);
      ds = p * (dp * g.keep(b, h, i, j) - delta);
    }
    for (int jj = 0; jj < kTile; ++jj) {
      float sj = __shfl_sync(0xffffffffu, ds, jj);
#pragma unroll
      for (int r = 0; r < kRegs; ++r) {
        int d = lane + 32 * r;
        if (d < D) acc[r] += sj * ks[jj * ld + d];
      }
    }
  }
  if (!valid) return;
#pragma unroll
  for (int r = 0; r < kRegs; ++r) {
    int d = lane + 32 * r;
    if (d < D) dq[g.qkv(b, i, h) + d] += g.scale * acc[r];
  }
}

// ---- tensor-core forward (bf16, head_dim 64 / 128) ------------------------------------------------------
constexpr int kTcRows = 64;    // queries per block (16 per warp)
constexpr int kTcKeys = 64;    // keys per tile

template <int D>
struct TcLayout {
  static constexpr int ld_in = D + 8;          // bf16 tiles (padding breaks bank conflicts; keeps 32-byte rows)
  static constexpr int ld_s = kTcKeys + 4;     // fp32 scores
  static constexpr int ld_p = kTcKeys + 8;     // bf16 probabilities
  static constexpr int ld_o = D + 4;           // fp32 output accumulator
  static constexpr size_t q_off = 0;
  static constexpr size_t k_off = q_off + sizeof(uint16_t) * kTcRows * ld_in;
  static constexpr size_t v_off = k_off + sizeof(uint16_t) * kTcKeys * ld_in;
  static constexpr size_t s_off = v_off + sizeof(uint16_t) * kTcKeys * ld_in;
  static constexpr size_t p_off = s_off + sizeof(float) * kTcRows * ld_s;
  static constexpr size_t o_off = p_off + sizeof(uint16_t) * kTcRows * ld_p;
  static constexpr size_t stats_off = o_off + sizeof(float) * kTcRows * ld_o;
  static constexpr size_t bytes = stats_off + sizeof(float) * 3 * kTcRows;
};

template <int D>
__global__ void __launch_bounds__(128) attention_forward_tc_kernel(const uint16_t* q, const uint16_t* k,
                                                                   const uint16_t* v, const float* mask,
                                                                   uint16_t* out, float* lse, Geometry g) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  using namespace nvcuda;
  using L = TcLayout<D>;
  extern __shared__ __align__(128) unsigned char tc_smem[];
  uint16_t* qs = reinterpret_cast<uint16_t*>(tc_smem + L::q_off);
  uint16_t* ks = reinterpret_cast<uint16_t*>(tc_smem + L::k_off);
  uint16_t* vs = reinterpret_cast<uint16_t*>(tc_smem + L::v_off);
  float* ss = reinterpret_cast<float*>(tc_smem + L::s_off);
  uint16_t* ps = reinterpret_cast<uint16_t*>(tc_smem + L::p_off);
  float* os = reinterpret_cast<float*>(tc_smem + L::o_off);
  float* row_m = reinterpret_cast<float*>(tc_smem + L::stats_off);
  float* row_l = row_m + kTcRows;
  float* row_alpha = row_l + kTcRows;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int64_t b = blockIdx.z, h = blockIdx.y;
  const int64_t q0 = static_cast<int64_t>(blockIdx.x) * kTcRows;
  const int r0 = warp * 16;

  for (int idx = threadIdx.x; idx < kTcRows * D; idx += blockDim.x) {
    int row = idx / D, d = idx % D;
    int64_t i = q0 + row;
    qs[row * L::ld_in + d] = i < g.seq ? q[g.qkv(b, i, h) + d] : static_cast<uint16_t>(0);
    os[row * L::ld_o + d] = 0.0f;
  }
  if (threadIdx.x < kTcRows) {
    row_m[threadIdx.x] = -INFINITY;
    row_l[threadIdx.x] = 0.0f;
  }
  const __nv_bfloat16* qb = reinterpret_cast<const __nv_bfloat16*>(qs);
  const __nv_bfloat16* kb = reinterpret_cast<const __nv_bfloat16*>(ks);
  const __nv_bfloat16* vb = reinterpret_cast<const __nv_bfloat16*>(vs);
  const __nv_bfloat16* pb = reinterpret_cast<const __nv_bfloat16*>(ps);

  for (int64_t first = 0; first < g.seq; first += kTcKeys) {
    __syncthreads();
    for (int idx = threadIdx.x; idx < kTcKeys * D; idx += blockDim.x) {
      int row = idx / D, d = idx % D;
      int64_t j = first + row;
      bool in = j < g.seq;
      ks[row * L::ld_in + d] = in ? k[g.qkv(b, j, h) + d] : static_cast<uint16_t>(0);
      vs[row * L::ld_in + d] = in ? v[g.qkv(b, j, h) + d] : static_cast<uint16_t>(0);
    }
    __syncthreads();
    // S = Q_w K^T: 16 x 64 per warp.
    for (int n = 0; n < kTcKeys / 16; ++n) {
      wmma::fragment<wmma::accumulator, 16, 16, 16, float> c;
      wmma::fill_fragment(c, 0.0f);
      for (int kk = 0; kk < D / 16; ++kk) {
        wmma::fragment<wmma::matrix_a, 16, 16, 16, __nv_bfloat16, wmma::row_major> a;
        wmma::fragment<wmma::matrix_b, 16, 16, 16, __nv_bfloat16, wmma::col_major> bk;
        wmma::load_matrix_sync(a, qb + r0 * L::ld_in + kk * 16, L::ld_in);
        wmma::load_matrix_sync(bk, kb + n * 16 * L::ld_in + kk * 16, L::ld_in);
        wmma::mma_sync(c, a, bk, c);
      }
      wmma::store_matrix_sync(ss + r0 * L::ld_s + n * 16, c, L::ld_s, wmma::mem_row_major);
    }
    __syncwarp();
    // Online softmax: two lanes per row, 32 keys each.
    {
      const int rr = r0 + (lane >> 1), half = lane & 1;
      const int64_t i = q0 + rr;
      const float m_old = row_m[rr], l_old = row_l[rr];
      float s_local[32];
      float tile_max = -INFINITY;
      for (int c = 0; c < 32; ++c) {
        int col = half * 32 + c;
        int64_t j = first + col;
        float s = j < g.seq ? ss[rr * L::ld_s + col] * g.scale + (mask != nullptr ? mask[b * g.seq + j] : 0.0f) : -INFINITY;
        s_local[c] = s;
        tile_max = fmaxf(tile_max, s);
      }
      tile_max = fmaxf(tile_max, __shfl_xor_sync(0xffffffffu, tile_max, 1));
      const float m_new = fmaxf(m_old, tile_max);
      const bool empty = m_new == -INFINITY;
      float sum = 0.0f;
      for (int c = 0; c < 32; ++c) {
        int col = half * 32 + c;
        int64_t j = first + col;
        float p = empty ? 0.0f : expf(s_local[c] - m_new);
        sum += p;
        float pd = (j < g.seq && i < g.seq) ? p * g.keep(b, h, i, j) : 0.0f;
        ps[rr * L::ld_p + col] = a4j_f32_to_bf16(pd);
      }
      sum += __shfl_xor_sync(0xffffffffu, sum, 1);
      const float alpha = empty ? 1.0f : expf(m_old - m_new);
      __syncwarp();
      if (half == 0) {
        row_m[rr] = m_new;
        row_l[rr] = l_old * alpha + sum;
        row_alpha[rr] = alpha;
      }
    }
    __syncwarp();
    for (int idx = lane; idx < 16 * D; idx += 32) {
      int row = r0 + idx / D, d = idx % D;
      os[row * L::ld_o + d] *= row_alpha[row];
    }
    __syncwarp();
    // O_w += P_w V: 16 x D per warp.
    for (int n = 0; n < D / 16; ++n) {
      wmma::fragment<wmma::accumulator, 16, 16, 16, float> c;
      wmma::load_matrix_sync(c, os + r0 * L::ld_o + n * 16, L::ld_o, wmma::mem_row_major);
      for (int kk = 0; kk < kTcKeys / 16; ++kk) {
        wmma::fragment<wmma::matrix_a, 16, 16, 16, __nv_bfloat16, wmma::row_major> a;
        wmma::fragment<wmma::matrix_b, 16, 16, 16, __nv_bfloat16, wmma::row_major> bv;
        wmma::load_matrix_sync(a, pb + r0 * L::ld_p + kk * 16, L::ld_p);
        wmma::load_matrix_sync(bv, vb + kk * 16 * L::ld_in + n * 16, L::ld_in);
        wmma::mma_sync(c, a, bv, c);
      }
      wmma::store_matrix_sync(os + r0 * L::ld_o + n * 16, c, L::ld_o, wmma::mem_row_major);
    }
    __syncwarp();
  }
  for (int idx = lane; idx < 16 * D; idx += 32) {
    int row = r0 + idx / D, d = idx % D;
    int64_t i = q0 + row;
    if (i < g.seq) {
      float l = row_l[row];
      out[g.dense(b, i, h) + d] = a4j_f32_to_bf16(l > 0.0f ? os[row * L::ld_o + d] / l : 0.0f);
    }
  }
  if (lane < 16) {
    int row = r0 + lane;
    int64_t i = q0 + row;
    if (i < g.seq) lse[(b * g.heads + h) * g.seq + i] = row_m[row] + logf(row_l[row]);
  }
#endif
}

// ---- launchers ----------------------------------------------------------------------------------------

int check_shape(int64_t head_dim, float dropout_p, const char* kernel) {
  if (head_dim <= 0 || head_dim > kMaxHeadDim) {
    return a4j::set_error(A4J_ERR_UNSUPPORTED, head_dim <= 0 ? "attention: head_dim must be positive"
                                                             : "attention: head_dim above 256 is not supported on CUDA");
  }
  if (!(dropout_p >= 0.0f && dropout_p < 1.0f)) return a4j::set_error(A4J_ERR_INVALID_ARGUMENT, kernel);
  return A4J_OK;
}

template <typename Kernel>
int allow_shared(Kernel kernel, size_t bytes) {
  if (bytes > 48 * 1024) A4J_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(bytes)));
  return A4J_OK;
}

template <typename T>
int forward(const T* q, const T* k, const T* v, const float* mask, T* out, float* lse, int64_t batch, int64_t seq,
            int64_t heads, int64_t head_dim, int64_t qkv_stride, float scale, float dropout_p, uint64_t seed,
            void* stream) {
  int status = check_shape(head_dim, dropout_p, "attention: dropout_p must be in [0, 1)");
  if (status != A4J_OK) return status;
  if (batch <= 0 || seq <= 0 || heads <= 0) return A4J_OK;
  Geometry g{seq, heads, head_dim, qkv_stride, scale, dropout_p, seed};
  size_t bytes = sizeof(float) * (2 * kTile * (head_dim + 1) + kWarps * head_dim);
  status = allow_shared(attention_forward_kernel<T>, bytes);
  if (status != A4J_OK) return status;
  dim3 grid(static_cast<unsigned>((seq + kWarps - 1) / kWarps), static_cast<unsigned>(heads), static_cast<unsigned>(batch));
  attention_forward_kernel<T><<<grid, kWarps * 32, bytes, a4j::as_stream(stream)>>>(q, k, v, mask, out, lse, g);
  A4J_CUDA_LAUNCHED("attention_forward");
  return A4J_OK;
}

template <int D>
int forward_tc(const uint16_t* q, const uint16_t* k, const uint16_t* v, const float* mask, uint16_t* out, float* lse,
               int64_t batch, Geometry g, void* stream) {
  size_t bytes = TcLayout<D>::bytes;
  int status = allow_shared(attention_forward_tc_kernel<D>, bytes);
  if (status != A4J_OK) return status;
  dim3 grid(static_cast<unsigned>((g.seq + kTcRows - 1) / kTcRows), static_cast<unsigned>(g.heads), static_cast<unsigned>(batch));
  attention_forward_tc_kernel<D><<<grid, 128, bytes, a4j::as_stream(stream)>>>(q, k, v, mask, out, lse, g);
  A4J_CUDA_LAUNCHED("attention_forward_bf16");
  return A4J_OK;
}

template <typename T>
int backward(const T* q, const T* k, const T* v, const float* mask, const T* out, const float* lse, const T* dout,
             float* dq, float* dk, float* dv, int64_t batch, int64_t seq, int64_t heads, int64_t head_dim,
             int64_t qkv_stride, float scale, float dropout_p, uint64_t seed, void* stream) {
  int status = check_shape(head_dim, dropout_p, "attention_backward: dropout_p must be in [0, 1)");
  if (status != A4J_OK) return status;
  if (batch <= 0 || seq <= 0 || heads <= 0) return A4J_OK;
  Geometry g{seq, heads, head_dim, qkv_stride, scale, dropout_p, seed};
  cudaStream_t s = a4j::as_stream(stream);
  dim3 grid(static_cast<unsigned>((seq + kWarps - 1) / kWarps), static_cast<unsigned>(heads), static_cast<unsigned>(batch));
  size_t kv_bytes = sizeof(float) * (2 * kTile * (head_dim + 1) + 2 * kTile + 2 * kWarps * head_dim);
  status = allow_shared(attention_dkdv_kernel<T>, kv_bytes);
  if (status != A4J_OK) return status;
  attention_dkdv_kernel<T><<<grid, kWarps * 32, kv_bytes, s>>>(q, k, v, mask, out, lse, dout, dk, dv, g);
  A4J_CUDA_LAUNCHED("attention_backward");
  size_t q_bytes = sizeof(float) * (2 * kTile * (head_dim + 1) + 2 * kWarps * head_dim);
  status = allow_shared(attention_dq_kernel<T>, q_bytes);
  if (status != A4J_OK) return status;
  attention_dq_kernel<T><<<grid, kWarps * 32, q_bytes, s>>>(q, k, v, mask, out, lse, dout, dq, g);
  A4J_CUDA_LAUNCHED("attention_backward");
  return A4J_OK;
}
}  // namespace

extern "C" {
A4J_API int a4j_attention_forward(const float* q, const float* k, const float* v, const float* mask_add, float* out,
                                  float* lse, int64_t batch, int64_t seq, int64_t heads, int64_t head_dim,
                                  int64_t qkv_stride, float scale, float dropout_p, uint64_t seed, void* stream) {
  return forward(q, k, v, mask_add, out, lse, batch, seq, heads, head_dim, qkv_stride, scale, dropout_p, seed, stream);
}
A4J_API int a4j_attention_backward(const float* q, const float* k, const float* v, const float* mask_add,
                                   const float* out, const float* lse, const float* dout, float* dq, float* dk,
                                   float* dv, int64_t batch, int64_t seq, int64_t heads, int64_t head_dim,
                                   int64_t qkv_stride, float scale, float dropout_p, uint64_t seed,
                                   int32_t accumulate, void* stream) {
  if (!accumulate) {
    cudaStream_t s = a4j::as_stream(stream);
    for (float* d : {dq, dk, dv}) {
      if (int status = a4j::zero_rows(d, batch * seq, heads * head_dim, qkv_stride, s)) return status;
    }
  }
  return backward(q, k, v, mask_add, out, lse, dout, dq, dk, dv, batch, seq, heads, head_dim, qkv_stride, scale,
                  dropout_p, seed, stream);
}
A4J_API int a4j_attention_forward_bf16(const uint16_t* q, const uint16_t* k, const uint16_t* v, const float* mask_add,
                                       uint16_t* out, float* lse, int64_t batch, int64_t seq, int64_t heads,
                                       int64_t head_dim, int64_t qkv_stride, float scale, float dropout_p,
                                       uint64_t seed, void* stream) {
  if ((head_dim == 64 || head_dim == 128) && batch > 0 && seq > 0 && heads > 0) {
    int status = check_shape(head_dim, dropout_p, "attention: dropout_p must be in [0, 1)");
    if (status != A4J_OK) return status;
    Geometry g{seq, heads, head_dim, qkv_stride, scale, dropout_p, seed};
    return head_dim == 64 ? forward_tc<64>(q, k, v, mask_add, out, lse, batch, g, stream)
                          : forward_tc<128>(q, k, v, mask_add, out, lse, batch, g, stream);
  }
  return forward(q, k, v, mask_add, out, lse, batch, seq, heads, head_dim, qkv_stride, scale, dropout_p, seed, stream);
}
A4J_API int a4j_attention_backward_bf16(const uint16_t* q, const uint16_t* k, const uint16_t* v,
                                        const float* mask_add, const uint16_t* out, const float* lse,
                                        const uint16_t* dout, float* dq, float* dk, float* dv, int64_t batch,
                                        int64_t seq, int64_t heads, int64_t head_dim, int64_t qkv_stride, float scale,
                                        float dropout_p, uint64_t seed, int32_t accumulate, void* stream) {
  if (!accumulate) {
    cudaStream_t s = a4j::as_stream(stream);
    for (float* d : {dq, dk, dv}) {
      if (int status = a4j::zero_rows(d, batch * seq, heads * head_dim, qkv_stride, s)) return status;
    }
  }
  return backward(q, k, v, mask_add, out, lse, dout, dq, dk, dv, batch, seq, heads, head_dim, qkv_stride, scale,
                  dropout_p, seed, stream);
}
}
