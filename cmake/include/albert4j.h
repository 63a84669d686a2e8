/*
 * The C ABI of albert4j's kernels, implemented by libalbert4j_cpu.so (cpu/) and, for the same names,
 * by libalbert4j_cuda.so (cuda/). Java binds these through Panama (backend.cpu.internal / backend.cuda.internal).
 *
 * Conventions (every function):
 *  - row-major float32 tensors unless stated; sizes are int64_t; a stream handle comes last
 *    (cudaStream_t on CUDA; the CPU library ignores it and accepts NULL);
 *  - returns A4J_OK or an A4J_ERR_* status; it never aborts the process;
 *  - shapes and index ranges were checked on the Java side before the call; kernels trust them;
 *  - backward kernels ACCUMULATE into gradient buffers (dx += ...), so a weight used by every layer of
 *    a shared ALBERT stack collects its gradient in one buffer and residual branches just add;
 *  - forward kernels overwrite their outputs.
 */
#ifndef ALBERT4J_H
#define ALBERT4J_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define A4J_API __declspec(dllexport)
#else
#define A4J_API __attribute__((visibility("default")))
#endif

enum a4j_status {
  A4J_OK = 0,
  A4J_ERR_INVALID_ARGUMENT = 1,
  A4J_ERR_UNSUPPORTED = 2,
  A4J_ERR_DEVICE = 3,        /* CUDA runtime error; a4j_last_error() has the message */
  A4J_ERR_OUT_OF_MEMORY = 4
};

/* Activation of the fused bias+activation kernel (HF hidden_act strings in brackets). */
enum a4j_activation {
  A4J_ACT_GELU_ERF = 0,   /* "gelu": exact 0.5x(1+erf(x/sqrt2)) */
  A4J_ACT_GELU_TANH = 1,  /* "gelu_new", "gelu_pytorch_tanh", GR "gelu": tanh approximation */
  A4J_ACT_RELU = 2,       /* "relu" (Chinese GR models) */
  A4J_ACT_IDENTITY = 3    /* plain bias add */
};

/* ---- runtime ---------------------------------------------------------------------------------- */
A4J_API int a4j_version(void);
A4J_API int a4j_set_num_threads(int threads);       /* <= 0: all cores */
A4J_API int a4j_get_num_threads(void);
A4J_API int a4j_cpu_isa(void);                       /* 3 = AVX-512 + AMX bf16 tiles, 2 = AVX-512, 1 = AVX2 */
A4J_API int a4j_avx512_clones(void); /* 1: vectorised loops carry AVX-512 clones; 0: an AVX2-only build (or no CPU) */
A4J_API const char* a4j_last_error(void);            /* thread-local message of the last failure */

/* ---- gemm.cpp / cuBLAS ------------------------------------------------------------------------ */
/* C[i] = alpha * op(A[i]) * op(B[i]) + beta * C[i] for i < batch; op(A) is m x k, op(B) is k x n.
 * Row-major with leading dimensions; A[i] = a + i*stride_a etc. (batch = 1: plain GEMM). */
A4J_API int a4j_gemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                     const float* a, int64_t lda, int64_t stride_a,
                     const float* b, int64_t ldb, int64_t stride_b, float beta,
                     float* c, int64_t ldc, int64_t stride_c, int64_t batch, void* stream);
/* CPU, opt-in: every following a4j_gemm rounds op(A) and op(B) to bf16 and accumulates in fp32 (AVX512_BF16's
 * vdpbf16ps); problems below 24^3 multiply-adds stay fp32. A4J_ERR_UNSUPPORTED where the CPU (or ALBERT4J_ISA)
 * has no AVX512_BF16. Process-wide. */
A4J_API int a4j_set_gemm_bf16(int enable);
A4J_API int a4j_get_gemm_bf16(void);
/* CPU: op(B) packed once into the layout the GEMM's micro-kernels read, then used by any number of GEMMs
 * C = alpha * op(A) * op(B) + beta * C with that B (ALBERT's shared weights, applied by every layer). The layout
 * depends on the kernel path (ISA, bf16 products): a packed B made before a change is refused, not misread.
 * a4j_gemm_packed_b_bytes: the buffer size for a k x n op(B) on the current path (-1 for negative sizes). */
A4J_API int64_t a4j_gemm_packed_b_bytes(int64_t k, int64_t n);
A4J_API int a4j_gemm_pack_b(int trans_b, int64_t k, int64_t n, const float* b, int64_t ldb, void* packed,
                            int64_t packed_bytes, void* stream);
A4J_API int a4j_gemm_packed_b(int trans_a, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                              const void* packed_b, float beta, float* c, int64_t ldc, void* stream);
/* CPU: a dense layer's forward in one pass over C: C = alpha * op(A) * op(B) + beta * C + bias (bias: n values or
 * null, added to every row), then, unless activation is A4J_ACT_IDENTITY, act(C) in place (activation_out null) or
 * into activation_out (leading dimension ld_out; C then keeps the pre-activation a backward needs). The bias and
 * the activation are applied to each micro-tile of C while it is in L1. packed_b: a B from a4j_gemm_pack_b (then b,
 * ldb and trans_b are not read), or null. The arithmetic of the activation is a4j_bias_gelu_forward's. */
A4J_API int a4j_gemm_bias_activation(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                                     const float* a, int64_t lda, const float* b, int64_t ldb, const void* packed_b,
                                     float beta, float* c, int64_t ldc, const float* bias, int activation,
                                     float* activation_out, int64_t ld_out, void* stream);

/* ---- elementwise.cpp -------------------------------------------------------------------------- */
A4J_API int a4j_axpy(float alpha, const float* x, float* y, int64_t n, void* stream);   /* y += alpha*x */
A4J_API int a4j_scale(float alpha, float* x, int64_t n, void* stream);                   /* x *= alpha */
A4J_API int a4j_fill(float value, float* x, int64_t n, void* stream);
/* out[r,c] = x[r,c] + bias[c] (in place allowed); backward: dbias[c] += sum_r dout[r,c] */
A4J_API int a4j_bias_add_forward(const float* x, const float* bias, float* out, int64_t rows, int64_t cols, void* stream);
A4J_API int a4j_bias_add_backward(const float* dout, float* dbias, int64_t rows, int64_t cols, void* stream);
A4J_API int a4j_tanh_forward(const float* x, float* out, int64_t n, void* stream);
A4J_API int a4j_tanh_backward(const float* dout, const float* out, float* dx, int64_t n, void* stream);
/* bf16 <-> f32 (round to nearest even) */
A4J_API int a4j_cast_f32_to_bf16(const float* x, uint16_t* out, int64_t n, void* stream);
A4J_API int a4j_cast_bf16_to_f32(const uint16_t* x, float* out, int64_t n, void* stream);

/* ---- gelu.cpp: fused bias + activation ------------------------------------------------------- */
/* out = act(x + bias); bias may be NULL. Backward recomputes from x: dx += dout*act'(x+bias) (= when accumulate is 0;
 * dx then need not be initialised), dbias += colsum(that). */
/* Test hook: out[i] = f(x[i]) for f = 0 a4j_exp, 1 a4j_tanh, 2 a4j_erf, 3 a4j_erfc of a4j_math.h. */
A4J_API int a4j_math_eval(int function, const float* x, float* out, int64_t n);
A4J_API int a4j_bias_gelu_forward(const float* x, const float* bias, float* out, int64_t rows, int64_t cols,
                                  int activation, void* stream);
A4J_API int a4j_bias_gelu_backward(const float* dout, const float* x, const float* bias, float* dx, float* dbias,
                                   int64_t rows, int64_t cols, int activation, int32_t accumulate,
                                   void* stream);

/* ---- layer_norm.cpp: (residual add +) LayerNorm over the last dim ---------------------------- */
/* input = x + residual (residual may be NULL; then input = x and `sum` may be NULL).
 * out = (input-mean)*rstd*gamma + beta; writes sum (=input, kept for backward), mean[rows], rstd[rows]. */
A4J_API int a4j_layer_norm_forward(const float* x, const float* residual, const float* gamma, const float* beta,
                                   float* out, float* sum, float* mean, float* rstd,
                                   int64_t rows, int64_t cols, float eps, void* stream);
/* dinput += dL/dinput, or = when accumulate is 0 (dinput then need not be initialised; the caller adds it to both
 * x's and residual's gradients); dgamma, dbeta += */
A4J_API int a4j_layer_norm_backward(const float* dout, const float* input, const float* mean, const float* rstd,
                                    const float* gamma, float* dinput, float* dgamma, float* dbeta,
                                    int64_t rows, int64_t cols, int32_t accumulate, void* stream);

/* ---- embedding.cpp ---------------------------------------------------------------------------- */
/* out[i,:] = table[ids[i],:]  (also used to gather rows, e.g. masked positions or [CLS]) */
A4J_API int a4j_embedding_forward(const int32_t* ids, const float* table, float* out, int64_t n, int64_t vocab,
                                  int64_t dim, void* stream);
/* dtable[ids[i],:] += dout[i,:], skipping ids[i] == padding_idx (HF padding_idx; -1: none) */
A4J_API int a4j_embedding_backward(const int32_t* ids, const float* dout, float* dtable, int64_t n, int64_t vocab,
                                   int64_t dim, int32_t padding_idx, void* stream);
/* sum = word[word_ids] + pos[0..seq-1] + type[type_ids]; out = LayerNorm(sum). ids are [batch, seq]. */
A4J_API int a4j_embedding_layer_norm_forward(const int32_t* word_ids, const int32_t* type_ids,
                                             const float* word_table, const float* pos_table, const float* type_table,
                                             const float* gamma, const float* beta,
                                             float* out, float* sum, float* mean, float* rstd,
                                             int64_t batch, int64_t seq, int64_t dim, float eps, void* stream);
A4J_API int a4j_embedding_layer_norm_backward(const float* dout, const int32_t* word_ids, const int32_t* type_ids,
                                              const float* sum, const float* mean, const float* rstd, const float* gamma,
                                              float* dword_table, float* dpos_table, float* dtype_table,
                                              float* dgamma, float* dbeta,
                                              int64_t batch, int64_t seq, int64_t dim, int32_t padding_idx, void* stream);

/* ---- attention.cpp: fused multi-head self-attention ------------------------------------------ */
/* q, k, v: [batch, seq, heads*head_dim] rows `qkv_stride` floats apart (= heads*head_dim when separate,
 * 3*heads*head_dim when q, k, v are column blocks of one fused projection).
 * mask_add: [batch, seq] additive key mask (0 keep, -10000 padded) or NULL.
 * out: [batch, seq, heads*head_dim] contiguous; lse: [batch, heads, seq] log-sum-exp of the scaled scores,
 * saved for the backward pass (which recomputes the probabilities instead of storing S x S).
 * dropout_p > 0 drops attention probabilities with the counter RNG of a4j_math.h keyed by
 * (seed, ((b*heads + h)*seq + i)*seq + j), identically in forward and backward. */
A4J_API int a4j_attention_forward(const float* q, const float* k, const float* v, const float* mask_add,
                                  float* out, float* lse, int64_t batch, int64_t seq, int64_t heads,
                                  int64_t head_dim, int64_t qkv_stride, float scale,
                                  float dropout_p, uint64_t seed, void* stream);
/* dq, dk, dv (same layout/stride as q, k, v) += gradients, or = when accumulate is 0 (then they need not be
 * initialised, and must not overlap). */
A4J_API int a4j_attention_backward(const float* q, const float* k, const float* v, const float* mask_add,
                                   const float* out, const float* lse, const float* dout,
                                   float* dq, float* dk, float* dv, int64_t batch, int64_t seq, int64_t heads,
                                   int64_t head_dim, int64_t qkv_stride, float scale,
                                   float dropout_p, uint64_t seed, int32_t accumulate, void* stream);

/* ---- softmax_xent.cpp: softmax cross-entropy, ignore index, mean over non-ignored rows --------- */
/* loss[0] = mean_{i: labels[i] != ignore} (lse_i - logits[i, labels[i]]) (0 when every row is ignored);
 * lse[n] saved for backward. */
A4J_API int a4j_softmax_xent_forward(const float* logits, const int32_t* labels, float* loss, float* lse,
                                     int64_t n, int64_t classes, int32_t ignore_index, void* stream);
/* dlogits += dloss[0]/count * (softmax - onehot) for non-ignored rows; with accumulate 0, dlogits = that and the
 * ignored rows = 0 (dlogits need not be initialised). */
A4J_API int a4j_softmax_xent_backward(const float* dloss, const float* logits, const int32_t* labels,
                                      const float* lse, float* dlogits, int64_t n, int64_t classes,
                                      int32_t ignore_index, int32_t accumulate, void* stream);

/* ---- dropout.cpp: inverted dropout with a counter-based RNG (no mask tensor stored) ----------- */
/* keep element i iff a4j_uniform(seed, offset + i) >= p; out = keep ? x/(1-p) : 0 */
A4J_API int a4j_dropout_forward(const float* x, float* out, int64_t n, float p, uint64_t seed, uint64_t offset,
                                void* stream);
A4J_API int a4j_dropout_backward(const float* dout, float* dx, int64_t n, float p, uint64_t seed, uint64_t offset,
                                 void* stream);

/* ---- reduce.cpp ------------------------------------------------------------------------------- */
/* out[0] = sum(x) (accumulated in double on the CPU); sum_squares: out[0] += sum(x^2), for global L2 norms */
A4J_API int a4j_sum_forward(const float* x, float* out, int64_t n, void* stream);
/* dx += dout[0] * scale (scale = 1 for sum, 1/n for mean) */
A4J_API int a4j_sum_backward(const float* dout, float* dx, int64_t n, float scale, void* stream);
A4J_API int a4j_sum_squares(const float* x, float* out, int64_t n, void* stream);
/* out[0] += sum over the `count` tensors xs[i] (sizes[i] elements each) of sum(x^2): a global gradient norm in one
 * call (one double accumulation, rounded to float once) */
A4J_API int a4j_sum_squares_multi(int count, const float* const* xs, const int64_t* sizes, float* out, void* stream);

/* ---- optimizer.cpp: fused parameter updates (GR optimization.py / lamb_optimizer.py) ---------- */
/* g = grad*grad_scale (grad_scale carries global-norm clipping); m = b1*m+(1-b1)g; v = b2*v+(1-b2)g^2;
 * u = m/(sqrt(v)+eps) (no bias correction, as GR); u += weight_decay*w; w -= lr*u */
A4J_API int a4j_adamw_update(float* param, const float* grad, float* m, float* v, int64_t n, float lr,
                             float beta1, float beta2, float eps, float weight_decay, float grad_scale, void* stream);
/* as AdamW, then w -= ratio*lr*u with ratio = ||w||/||u|| when use_trust_ratio and both norms > 0, else 1.
 * trust_ratio_out (may be NULL) receives the ratio used, for logging. */
A4J_API int a4j_lamb_update(float* param, const float* grad, float* m, float* v, int64_t n, float lr,
                            float beta1, float beta2, float eps, float weight_decay, int use_trust_ratio,
                            float grad_scale, float* trust_ratio_out, void* stream);
/* One update of `count` tensors (an optimizer step in one call): as the single-tensor kernels, with weight_decay[i]
 * and use_trust_ratio[i] per tensor (GR excludes LayerNorm and bias from decay and adaptation). The pointer and size
 * arrays are read before returning; trust_ratios_out (may be NULL) receives `count` ratios. */
A4J_API int a4j_lamb_update_multi(int count, float* const* params, const float* const* grads, float* const* m,
                                  float* const* v, const int64_t* sizes, float lr, float beta1, float beta2,
                                  float eps, const float* weight_decay, const int* use_trust_ratio, float grad_scale,
                                  float* trust_ratios_out, void* stream);
A4J_API int a4j_adamw_update_multi(int count, float* const* params, const float* const* grads, float* const* m,
                                   float* const* v, const int64_t* sizes, float lr, float beta1, float beta2,
                                   float eps, const float* weight_decay, float grad_scale, void* stream);

#ifdef __cplusplus
}
#endif
#endif /* ALBERT4J_H */
