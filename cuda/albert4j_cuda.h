/*
 * CUDA-only additions to the C ABI of albert4j.h, exported by libalbert4j_cuda.so:
 *  - the runtime (device memory with a caching allocator, streams, copies, L2 persistence, pinned host memory),
 *    so Java needs no separate cudart binding;
 *  - bf16-activation variants of kernels that mixed precision feeds with bf16 GEMM outputs (suffix _bf16;
 *    bf16 tensors are uint16_t bit patterns, parameters/statistics/gradients stay float32);
 *  - multi-tensor optimizer updates (one launch for many parameter tensors).
 * Conventions are those of albert4j.h: int status, stream last, backward kernels accumulate.
 * Every pointer handed to a kernel is a device pointer (or pinned host memory, which is device-visible under UVA).
 * The caching allocator assumes one stream per device allocation lifetime: a4j_cuda_free does not wait, so memory
 * freed while a kernel still uses it may be handed to a later allocation queued on the SAME stream only.
 */
#ifndef ALBERT4J_CUDA_H
#define ALBERT4J_CUDA_H

#include "albert4j.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- runtime.cu ------------------------------------------------------------------------------- */
A4J_API int a4j_cuda_device_count(int* count);
A4J_API int a4j_cuda_set_device(int device);
/* name (NUL-terminated, truncated to capacity), compute capability major*10+minor, total memory in bytes */
A4J_API int a4j_cuda_device_info(int device, char* name, int capacity, int* compute_capability, int64_t* total_bytes);
A4J_API int a4j_cuda_malloc(void** ptr, int64_t bytes);           /* from the cache when a block fits */
A4J_API int a4j_cuda_free(void* ptr);                             /* back to the cache; NULL is ignored */
A4J_API int a4j_cuda_empty_cache(void);                           /* synchronizes, then returns cached blocks */
A4J_API int a4j_cuda_memory_stats(int64_t* in_use_bytes, int64_t* cached_bytes, int64_t* device_mallocs);
A4J_API int a4j_cuda_memcpy_h2d(void* dst, const void* src, int64_t bytes, void* stream);
A4J_API int a4j_cuda_memcpy_d2h(void* dst, const void* src, int64_t bytes, void* stream);
A4J_API int a4j_cuda_memcpy_d2d(void* dst, const void* src, int64_t bytes, void* stream);
A4J_API int a4j_cuda_memset(void* dst, int value, int64_t bytes, void* stream);
A4J_API int a4j_cuda_stream_create(void** stream);
A4J_API int a4j_cuda_stream_destroy(void* stream);
A4J_API int a4j_cuda_stream_synchronize(void* stream);
/* Keeps [base, base+bytes) resident in L2 for kernels on `stream` (the shared ALBERT block's weights);
 * hit_ratio in (0, 1]. bytes = 0 clears the window. A device without persisting L2 returns A4J_OK and does nothing. */
A4J_API int a4j_cuda_l2_persist(void* stream, const void* base, int64_t bytes, float hit_ratio);
A4J_API int a4j_cuda_host_alloc(void** ptr, int64_t bytes);       /* pinned, device-mapped */
A4J_API int a4j_cuda_host_free(void* ptr);

/* ---- bf16 activation variants ----------------------------------------------------------------- */
A4J_API int a4j_bias_gelu_forward_bf16(const uint16_t* x, const float* bias, uint16_t* out, int64_t rows,
                                       int64_t cols, int activation, void* stream);
/* dx (float) += dout*act'(x+bias); dbias += colsum */
A4J_API int a4j_bias_gelu_backward_bf16(const uint16_t* dout, const uint16_t* x, const float* bias, float* dx,
                                        float* dbias, int64_t rows, int64_t cols, int activation, int32_t accumulate,
                                        void* stream);
/* input = x (bf16, a GEMM output) + residual (float); out float (the residual stream) and, when out_bf16 is
 * not NULL, a bf16 copy for the next GEMM. */
A4J_API int a4j_layer_norm_forward_bf16(const uint16_t* x, const float* residual, const float* gamma,
                                        const float* beta, float* out, uint16_t* out_bf16, float* sum, float* mean,
                                        float* rstd, int64_t rows, int64_t cols, float eps, void* stream);
/* q, k, v, out, dout bf16; lse and gradients float. Head dims 64 and 128 use tensor cores (sm_80+) in the
 * forward pass; other head dims and the backward pass compute in float from bf16 inputs. */
A4J_API int a4j_attention_forward_bf16(const uint16_t* q, const uint16_t* k, const uint16_t* v, const float* mask_add,
                                       uint16_t* out, float* lse, int64_t batch, int64_t seq, int64_t heads,
                                       int64_t head_dim, int64_t qkv_stride, float scale, float dropout_p,
                                       uint64_t seed, void* stream);
A4J_API int a4j_attention_backward_bf16(const uint16_t* q, const uint16_t* k, const uint16_t* v,
                                        const float* mask_add, const uint16_t* out, const float* lse,
                                        const uint16_t* dout, float* dq, float* dk, float* dv, int64_t batch,
                                        int64_t seq, int64_t heads, int64_t head_dim, int64_t qkv_stride, float scale,
                                        float dropout_p, uint64_t seed, int32_t accumulate, void* stream);
A4J_API int a4j_softmax_xent_forward_bf16(const uint16_t* logits, const int32_t* labels, float* loss, float* lse,
                                          int64_t n, int64_t classes, int32_t ignore_index, void* stream);
A4J_API int a4j_softmax_xent_backward_bf16(const float* dloss, const uint16_t* logits, const int32_t* labels,
                                           const float* lse, float* dlogits, int64_t n, int64_t classes,
                                           int32_t ignore_index, int32_t accumulate, void* stream);
A4J_API int a4j_dropout_forward_bf16(const uint16_t* x, uint16_t* out, int64_t n, float p, uint64_t seed,
                                     uint64_t offset, void* stream);

/* The multi-tensor optimizers (a4j_lamb_update_multi, a4j_adamw_update_multi) and a4j_sum_squares_multi are
 * declared in albert4j.h: both libraries have them. Here trust_ratios_out is device or pinned host memory. */

#ifdef __cplusplus
}
#endif
#endif /* ALBERT4J_CUDA_H */
