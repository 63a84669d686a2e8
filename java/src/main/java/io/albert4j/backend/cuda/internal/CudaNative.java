package io.albert4j.backend.cuda.internal;

import io.albert4j.backend.Downcalls;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static io.albert4j.backend.cuda.internal.CudaLibrary.check;
import static io.albert4j.backend.cuda.internal.CudaLibrary.downcall;
import static io.albert4j.backend.cuda.internal.CudaLibrary.status;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Downcall bindings of libalbert4j_cuda.so: one handle per int-returning function of albert4j.h (except a4j_gemm,
 * which is cuBLAS) and of cuda/albert4j_cuda.h, same argument order, stream last. Pointers are device addresses
 * (or pinned host memory); nothing here dereferences them. Each method throws
 * {@link io.albert4j.backend.NativeKernelException} when the status is not A4J_OK.
 *
 * <p>Written from the two headers by a script (one method per prototype); keep it in step with them.
 */
public final class CudaNative {
    private static final MethodHandle AXPY = downcall("a4j_axpy", status(JAVA_FLOAT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle SCALE = downcall("a4j_scale", status(JAVA_FLOAT, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle FILL = downcall("a4j_fill", status(JAVA_FLOAT, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle BIAS_ADD_FORWARD = downcall("a4j_bias_add_forward", status(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS));
    private static final MethodHandle BIAS_ADD_BACKWARD = downcall("a4j_bias_add_backward", status(ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS));
    private static final MethodHandle TANH_FORWARD = downcall("a4j_tanh_forward", status(ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle TANH_BACKWARD = downcall("a4j_tanh_backward", status(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle CAST_F32_TO_BF16 = downcall("a4j_cast_f32_to_bf16", status(ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle CAST_BF16_TO_F32 = downcall("a4j_cast_bf16_to_f32", status(ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle BIAS_GELU_FORWARD = downcall("a4j_bias_gelu_forward", status(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS));
    private static final MethodHandle BIAS_GELU_BACKWARD = downcall("a4j_bias_gelu_backward", status(ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS));
    private static final MethodHandle LAYER_NORM_FORWARD = downcall("a4j_layer_norm_forward", status(ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_FLOAT, ADDRESS));
    private static final MethodHandle LAYER_NORM_BACKWARD = downcall("a4j_layer_norm_backward", status(ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS));
    private static final MethodHandle EMBEDDING_FORWARD = downcall("a4j_embedding_forward", status(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS));
    private static final MethodHandle EMBEDDING_BACKWARD = downcall("a4j_embedding_backward", status(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS));
    private static final MethodHandle EMBEDDING_LAYER_NORM_FORWARD = downcall("a4j_embedding_layer_norm_forward", status(ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_FLOAT, ADDRESS));
    private static final MethodHandle EMBEDDING_LAYER_NORM_BACKWARD = downcall("a4j_embedding_layer_norm_backward", status(ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS));
    private static final MethodHandle ATTENTION_FORWARD = downcall("a4j_attention_forward", status(ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_FLOAT, JAVA_FLOAT, JAVA_LONG, ADDRESS));
    private static final MethodHandle ATTENTION_BACKWARD = downcall("a4j_attention_backward", status(ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_FLOAT, JAVA_FLOAT, JAVA_LONG, ADDRESS));
    private static final MethodHandle SOFTMAX_XENT_FORWARD = downcall("a4j_softmax_xent_forward", status(ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS));
    private static final MethodHandle SOFTMAX_XENT_BACKWARD = downcall("a4j_softmax_xent_backward", status(ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS));
    private static final MethodHandle DROPOUT_FORWARD = downcall("a4j_dropout_forward", status(ADDRESS, ADDRESS, JAVA_LONG, JAVA_FLOAT, JAVA_LONG, JAVA_LONG, ADDRESS));
    private static final MethodHandle DROPOUT_BACKWARD = downcall("a4j_dropout_backward", status(ADDRESS, ADDRESS, JAVA_LONG, JAVA_FLOAT, JAVA_LONG, JAVA_LONG, ADDRESS));
    private static final MethodHandle SUM_FORWARD = downcall("a4j_sum_forward", status(ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle SUM_BACKWARD = downcall("a4j_sum_backward", status(ADDRESS, ADDRESS, JAVA_LONG, JAVA_FLOAT, ADDRESS));
    private static final MethodHandle SUM_SQUARES = downcall("a4j_sum_squares", status(ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle ADAMW_UPDATE = downcall("a4j_adamw_update", status(ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_FLOAT, JAVA_FLOAT, JAVA_FLOAT, JAVA_FLOAT, JAVA_FLOAT, JAVA_FLOAT, ADDRESS));
    private static final MethodHandle LAMB_UPDATE = downcall("a4j_lamb_update", status(ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_FLOAT, JAVA_FLOAT, JAVA_FLOAT, JAVA_FLOAT, JAVA_FLOAT, JAVA_INT, JAVA_FLOAT, ADDRESS, ADDRESS));
    private static final MethodHandle CUDA_DEVICE_COUNT = downcall("a4j_cuda_device_count", status(ADDRESS));
    private static final MethodHandle CUDA_SET_DEVICE = downcall("a4j_cuda_set_device", status(JAVA_INT));
    private static final MethodHandle CUDA_DEVICE_INFO = downcall("a4j_cuda_device_info", status(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle CUDA_MALLOC = downcall("a4j_cuda_malloc", status(ADDRESS, JAVA_LONG));
    private static final MethodHandle CUDA_FREE = downcall("a4j_cuda_free", status(ADDRESS));
    private static final MethodHandle CUDA_EMPTY_CACHE = downcall("a4j_cuda_empty_cache", status());
    private static final MethodHandle CUDA_MEMORY_STATS = downcall("a4j_cuda_memory_stats", status(ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle CUDA_MEMCPY_H2D = downcall("a4j_cuda_memcpy_h2d", status(ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle CUDA_MEMCPY_D2H = downcall("a4j_cuda_memcpy_d2h", status(ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle CUDA_MEMCPY_D2D = downcall("a4j_cuda_memcpy_d2d", status(ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle CUDA_MEMSET = downcall("a4j_cuda_memset", status(ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS));
    private static final MethodHandle CUDA_STREAM_CREATE = downcall("a4j_cuda_stream_create", status(ADDRESS));
    private static final MethodHandle CUDA_STREAM_DESTROY = downcall("a4j_cuda_stream_destroy", status(ADDRESS));
    private static final MethodHandle CUDA_STREAM_SYNCHRONIZE = downcall("a4j_cuda_stream_synchronize", status(ADDRESS));
    private static final MethodHandle CUDA_L2_PERSIST = downcall("a4j_cuda_l2_persist", status(ADDRESS, ADDRESS, JAVA_LONG, JAVA_FLOAT));
    private static final MethodHandle CUDA_HOST_ALLOC = downcall("a4j_cuda_host_alloc", status(ADDRESS, JAVA_LONG));
    private static final MethodHandle CUDA_HOST_FREE = downcall("a4j_cuda_host_free", status(ADDRESS));
    private static final MethodHandle BIAS_GELU_FORWARD_BF16 = downcall("a4j_bias_gelu_forward_bf16", status(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS));
    private static final MethodHandle BIAS_GELU_BACKWARD_BF16 = downcall("a4j_bias_gelu_backward_bf16", status(ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS));
    private static final MethodHandle LAYER_NORM_FORWARD_BF16 = downcall("a4j_layer_norm_forward_bf16", status(ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_FLOAT, ADDRESS));
    private static final MethodHandle ATTENTION_FORWARD_BF16 = downcall("a4j_attention_forward_bf16", status(ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_FLOAT, JAVA_FLOAT, JAVA_LONG, ADDRESS));
    private static final MethodHandle ATTENTION_BACKWARD_BF16 = downcall("a4j_attention_backward_bf16", status(ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_FLOAT, JAVA_FLOAT, JAVA_LONG, ADDRESS));
    private static final MethodHandle SOFTMAX_XENT_FORWARD_BF16 = downcall("a4j_softmax_xent_forward_bf16", status(ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS));
    private static final MethodHandle SOFTMAX_XENT_BACKWARD_BF16 = downcall("a4j_softmax_xent_backward_bf16", status(ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS));
    private static final MethodHandle DROPOUT_FORWARD_BF16 = downcall("a4j_dropout_forward_bf16", status(ADDRESS, ADDRESS, JAVA_LONG, JAVA_FLOAT, JAVA_LONG, JAVA_LONG, ADDRESS));
    private static final MethodHandle LAMB_UPDATE_MULTI = downcall("a4j_lamb_update_multi", status(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_FLOAT, JAVA_FLOAT, JAVA_FLOAT, JAVA_FLOAT, ADDRESS, ADDRESS, JAVA_FLOAT, ADDRESS, ADDRESS));
    private static final MethodHandle ADAMW_UPDATE_MULTI = downcall("a4j_adamw_update_multi", status(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_FLOAT, JAVA_FLOAT, JAVA_FLOAT, JAVA_FLOAT, ADDRESS, JAVA_FLOAT, ADDRESS));

    private CudaNative() {
    }

    public static void axpy(float alpha, MemorySegment x, MemorySegment y, long n, MemorySegment stream) {
        try {
            check("a4j_axpy", (int) AXPY.invokeExact(alpha, x, y, n, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void scale(float alpha, MemorySegment x, long n, MemorySegment stream) {
        try {
            check("a4j_scale", (int) SCALE.invokeExact(alpha, x, n, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void fill(float value, MemorySegment x, long n, MemorySegment stream) {
        try {
            check("a4j_fill", (int) FILL.invokeExact(value, x, n, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void biasAddForward(MemorySegment x, MemorySegment bias, MemorySegment out, long rows, long cols, MemorySegment stream) {
        try {
            check("a4j_bias_add_forward", (int) BIAS_ADD_FORWARD.invokeExact(x, bias, out, rows, cols, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void biasAddBackward(MemorySegment dout, MemorySegment dbias, long rows, long cols, MemorySegment stream) {
        try {
            check("a4j_bias_add_backward", (int) BIAS_ADD_BACKWARD.invokeExact(dout, dbias, rows, cols, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void tanhForward(MemorySegment x, MemorySegment out, long n, MemorySegment stream) {
        try {
            check("a4j_tanh_forward", (int) TANH_FORWARD.invokeExact(x, out, n, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void tanhBackward(MemorySegment dout, MemorySegment out, MemorySegment dx, long n, MemorySegment stream) {
        try {
            check("a4j_tanh_backward", (int) TANH_BACKWARD.invokeExact(dout, out, dx, n, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void castF32ToBf16(MemorySegment x, MemorySegment out, long n, MemorySegment stream) {
        try {
            check("a4j_cast_f32_to_bf16", (int) CAST_F32_TO_BF16.invokeExact(x, out, n, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void castBf16ToF32(MemorySegment x, MemorySegment out, long n, MemorySegment stream) {
        try {
            check("a4j_cast_bf16_to_f32", (int) CAST_BF16_TO_F32.invokeExact(x, out, n, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void biasGeluForward(MemorySegment x, MemorySegment bias, MemorySegment out, long rows, long cols, int activation, MemorySegment stream) {
        try {
            check("a4j_bias_gelu_forward", (int) BIAS_GELU_FORWARD.invokeExact(x, bias, out, rows, cols, activation, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void biasGeluBackward(MemorySegment dout, MemorySegment x, MemorySegment bias, MemorySegment dx, MemorySegment dbias, long rows, long cols, int activation, MemorySegment stream) {
        try {
            check("a4j_bias_gelu_backward", (int) BIAS_GELU_BACKWARD.invokeExact(dout, x, bias, dx, dbias, rows, cols, activation, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void layerNormForward(MemorySegment x, MemorySegment residual, MemorySegment gamma, MemorySegment beta, MemorySegment out, MemorySegment sum, MemorySegment mean, MemorySegment rstd, long rows, long cols, float eps, MemorySegment stream) {
        try {
            check("a4j_layer_norm_forward", (int) LAYER_NORM_FORWARD.invokeExact(x, residual, gamma, beta, out, sum, mean, rstd, rows, cols, eps, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void layerNormBackward(MemorySegment dout, MemorySegment input, MemorySegment mean, MemorySegment rstd, MemorySegment gamma, MemorySegment dinput, MemorySegment dgamma, MemorySegment dbeta, long rows, long cols, MemorySegment stream) {
        try {
            check("a4j_layer_norm_backward", (int) LAYER_NORM_BACKWARD.invokeExact(dout, input, mean, rstd, gamma, dinput, dgamma, dbeta, rows, cols, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void embeddingForward(MemorySegment ids, MemorySegment table, MemorySegment out, long n, long vocab, long dim, MemorySegment stream) {
        try {
            check("a4j_embedding_forward", (int) EMBEDDING_FORWARD.invokeExact(ids, table, out, n, vocab, dim, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void embeddingBackward(MemorySegment ids, MemorySegment dout, MemorySegment dtable, long n, long vocab, long dim, int paddingIdx, MemorySegment stream) {
        try {
            check("a4j_embedding_backward", (int) EMBEDDING_BACKWARD.invokeExact(ids, dout, dtable, n, vocab, dim, paddingIdx, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void embeddingLayerNormForward(MemorySegment wordIds, MemorySegment typeIds, MemorySegment wordTable, MemorySegment posTable, MemorySegment typeTable, MemorySegment gamma, MemorySegment beta, MemorySegment out, MemorySegment sum, MemorySegment mean, MemorySegment rstd, long batch, long seq, long dim, float eps, MemorySegment stream) {
        try {
            check("a4j_embedding_layer_norm_forward", (int) EMBEDDING_LAYER_NORM_FORWARD.invokeExact(wordIds, typeIds, wordTable, posTable, typeTable, gamma, beta, out, sum, mean, rstd, batch, seq, dim, eps, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void embeddingLayerNormBackward(MemorySegment dout, MemorySegment wordIds, MemorySegment typeIds, MemorySegment sum, MemorySegment mean, MemorySegment rstd, MemorySegment gamma, MemorySegment dwordTable, MemorySegment dposTable, MemorySegment dtypeTable, MemorySegment dgamma, MemorySegment dbeta, long batch, long seq, long dim, int paddingIdx, MemorySegment stream) {
        try {
            check("a4j_embedding_layer_norm_backward", (int) EMBEDDING_LAYER_NORM_BACKWARD.invokeExact(dout, wordIds, typeIds, sum, mean, rstd, gamma, dwordTable, dposTable, dtypeTable, dgamma, dbeta, batch, seq, dim, paddingIdx, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void attentionForward(MemorySegment q, MemorySegment k, MemorySegment v, MemorySegment maskAdd, MemorySegment out, MemorySegment lse, long batch, long seq, long heads, long headDim, long qkvStride, float scale, float dropoutP, long seed, MemorySegment stream) {
        try {
            check("a4j_attention_forward", (int) ATTENTION_FORWARD.invokeExact(q, k, v, maskAdd, out, lse, batch, seq, heads, headDim, qkvStride, scale, dropoutP, seed, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void attentionBackward(MemorySegment q, MemorySegment k, MemorySegment v, MemorySegment maskAdd, MemorySegment out, MemorySegment lse, MemorySegment dout, MemorySegment dq, MemorySegment dk, MemorySegment dv, long batch, long seq, long heads, long headDim, long qkvStride, float scale, float dropoutP, long seed, MemorySegment stream) {
        try {
            check("a4j_attention_backward", (int) ATTENTION_BACKWARD.invokeExact(q, k, v, maskAdd, out, lse, dout, dq, dk, dv, batch, seq, heads, headDim, qkvStride, scale, dropoutP, seed, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void softmaxXentForward(MemorySegment logits, MemorySegment labels, MemorySegment loss, MemorySegment lse, long n, long classes, int ignoreIndex, MemorySegment stream) {
        try {
            check("a4j_softmax_xent_forward", (int) SOFTMAX_XENT_FORWARD.invokeExact(logits, labels, loss, lse, n, classes, ignoreIndex, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void softmaxXentBackward(MemorySegment dloss, MemorySegment logits, MemorySegment labels, MemorySegment lse, MemorySegment dlogits, long n, long classes, int ignoreIndex, MemorySegment stream) {
        try {
            check("a4j_softmax_xent_backward", (int) SOFTMAX_XENT_BACKWARD.invokeExact(dloss, logits, labels, lse, dlogits, n, classes, ignoreIndex, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void dropoutForward(MemorySegment x, MemorySegment out, long n, float p, long seed, long offset, MemorySegment stream) {
        try {
            check("a4j_dropout_forward", (int) DROPOUT_FORWARD.invokeExact(x, out, n, p, seed, offset, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void dropoutBackward(MemorySegment dout, MemorySegment dx, long n, float p, long seed, long offset, MemorySegment stream) {
        try {
            check("a4j_dropout_backward", (int) DROPOUT_BACKWARD.invokeExact(dout, dx, n, p, seed, offset, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void sumForward(MemorySegment x, MemorySegment out, long n, MemorySegment stream) {
        try {
            check("a4j_sum_forward", (int) SUM_FORWARD.invokeExact(x, out, n, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void sumBackward(MemorySegment dout, MemorySegment dx, long n, float scale, MemorySegment stream) {
        try {
            check("a4j_sum_backward", (int) SUM_BACKWARD.invokeExact(dout, dx, n, scale, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void sumSquares(MemorySegment x, MemorySegment out, long n, MemorySegment stream) {
        try {
            check("a4j_sum_squares", (int) SUM_SQUARES.invokeExact(x, out, n, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void adamwUpdate(MemorySegment param, MemorySegment grad, MemorySegment m, MemorySegment v, long n, float lr, float beta1, float beta2, float eps, float weightDecay, float gradScale, MemorySegment stream) {
        try {
            check("a4j_adamw_update", (int) ADAMW_UPDATE.invokeExact(param, grad, m, v, n, lr, beta1, beta2, eps, weightDecay, gradScale, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void lambUpdate(MemorySegment param, MemorySegment grad, MemorySegment m, MemorySegment v, long n, float lr, float beta1, float beta2, float eps, float weightDecay, int useTrustRatio, float gradScale, MemorySegment trustRatioOut, MemorySegment stream) {
        try {
            check("a4j_lamb_update", (int) LAMB_UPDATE.invokeExact(param, grad, m, v, n, lr, beta1, beta2, eps, weightDecay, useTrustRatio, gradScale, trustRatioOut, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void cudaDeviceCount(MemorySegment count) {
        try {
            check("a4j_cuda_device_count", (int) CUDA_DEVICE_COUNT.invokeExact(count));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void cudaSetDevice(int device) {
        try {
            check("a4j_cuda_set_device", (int) CUDA_SET_DEVICE.invokeExact(device));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void cudaDeviceInfo(int device, MemorySegment name, int capacity, MemorySegment computeCapability, MemorySegment totalBytes) {
        try {
            check("a4j_cuda_device_info", (int) CUDA_DEVICE_INFO.invokeExact(device, name, capacity, computeCapability, totalBytes));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void cudaMalloc(MemorySegment ptr, long bytes) {
        try {
            check("a4j_cuda_malloc", (int) CUDA_MALLOC.invokeExact(ptr, bytes));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void cudaFree(MemorySegment ptr) {
        try {
            check("a4j_cuda_free", (int) CUDA_FREE.invokeExact(ptr));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void cudaEmptyCache() {
        try {
            check("a4j_cuda_empty_cache", (int) CUDA_EMPTY_CACHE.invokeExact());
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void cudaMemoryStats(MemorySegment inUseBytes, MemorySegment cachedBytes, MemorySegment deviceMallocs) {
        try {
            check("a4j_cuda_memory_stats", (int) CUDA_MEMORY_STATS.invokeExact(inUseBytes, cachedBytes, deviceMallocs));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void cudaMemcpyH2d(MemorySegment dst, MemorySegment src, long bytes, MemorySegment stream) {
        try {
            check("a4j_cuda_memcpy_h2d", (int) CUDA_MEMCPY_H2D.invokeExact(dst, src, bytes, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void cudaMemcpyD2h(MemorySegment dst, MemorySegment src, long bytes, MemorySegment stream) {
        try {
            check("a4j_cuda_memcpy_d2h", (int) CUDA_MEMCPY_D2H.invokeExact(dst, src, bytes, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void cudaMemcpyD2d(MemorySegment dst, MemorySegment src, long bytes, MemorySegment stream) {
        try {
            check("a4j_cuda_memcpy_d2d", (int) CUDA_MEMCPY_D2D.invokeExact(dst, src, bytes, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void cudaMemset(MemorySegment dst, int value, long bytes, MemorySegment stream) {
        try {
            check("a4j_cuda_memset", (int) CUDA_MEMSET.invokeExact(dst, value, bytes, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void cudaStreamCreate(MemorySegment stream) {
        try {
            check("a4j_cuda_stream_create", (int) CUDA_STREAM_CREATE.invokeExact(stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void cudaStreamDestroy(MemorySegment stream) {
        try {
            check("a4j_cuda_stream_destroy", (int) CUDA_STREAM_DESTROY.invokeExact(stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void cudaStreamSynchronize(MemorySegment stream) {
        try {
            check("a4j_cuda_stream_synchronize", (int) CUDA_STREAM_SYNCHRONIZE.invokeExact(stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void cudaL2Persist(MemorySegment stream, MemorySegment base, long bytes, float hitRatio) {
        try {
            check("a4j_cuda_l2_persist", (int) CUDA_L2_PERSIST.invokeExact(stream, base, bytes, hitRatio));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void cudaHostAlloc(MemorySegment ptr, long bytes) {
        try {
            check("a4j_cuda_host_alloc", (int) CUDA_HOST_ALLOC.invokeExact(ptr, bytes));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void cudaHostFree(MemorySegment ptr) {
        try {
            check("a4j_cuda_host_free", (int) CUDA_HOST_FREE.invokeExact(ptr));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void biasGeluForwardBf16(MemorySegment x, MemorySegment bias, MemorySegment out, long rows, long cols, int activation, MemorySegment stream) {
        try {
            check("a4j_bias_gelu_forward_bf16", (int) BIAS_GELU_FORWARD_BF16.invokeExact(x, bias, out, rows, cols, activation, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void biasGeluBackwardBf16(MemorySegment dout, MemorySegment x, MemorySegment bias, MemorySegment dx, MemorySegment dbias, long rows, long cols, int activation, MemorySegment stream) {
        try {
            check("a4j_bias_gelu_backward_bf16", (int) BIAS_GELU_BACKWARD_BF16.invokeExact(dout, x, bias, dx, dbias, rows, cols, activation, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void layerNormForwardBf16(MemorySegment x, MemorySegment residual, MemorySegment gamma, MemorySegment beta, MemorySegment out, MemorySegment outBf16, MemorySegment sum, MemorySegment mean, MemorySegment rstd, long rows, long cols, float eps, MemorySegment stream) {
        try {
            check("a4j_layer_norm_forward_bf16", (int) LAYER_NORM_FORWARD_BF16.invokeExact(x, residual, gamma, beta, out, outBf16, sum, mean, rstd, rows, cols, eps, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void attentionForwardBf16(MemorySegment q, MemorySegment k, MemorySegment v, MemorySegment maskAdd, MemorySegment out, MemorySegment lse, long batch, long seq, long heads, long headDim, long qkvStride, float scale, float dropoutP, long seed, MemorySegment stream) {
        try {
            check("a4j_attention_forward_bf16", (int) ATTENTION_FORWARD_BF16.invokeExact(q, k, v, maskAdd, out, lse, batch, seq, heads, headDim, qkvStride, scale, dropoutP, seed, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void attentionBackwardBf16(MemorySegment q, MemorySegment k, MemorySegment v, MemorySegment maskAdd, MemorySegment out, MemorySegment lse, MemorySegment dout, MemorySegment dq, MemorySegment dk, MemorySegment dv, long batch, long seq, long heads, long headDim, long qkvStride, float scale, float dropoutP, long seed, MemorySegment stream) {
        try {
            check("a4j_attention_backward_bf16", (int) ATTENTION_BACKWARD_BF16.invokeExact(q, k, v, maskAdd, out, lse, dout, dq, dk, dv, batch, seq, heads, headDim, qkvStride, scale, dropoutP, seed, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void softmaxXentForwardBf16(MemorySegment logits, MemorySegment labels, MemorySegment loss, MemorySegment lse, long n, long classes, int ignoreIndex, MemorySegment stream) {
        try {
            check("a4j_softmax_xent_forward_bf16", (int) SOFTMAX_XENT_FORWARD_BF16.invokeExact(logits, labels, loss, lse, n, classes, ignoreIndex, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void softmaxXentBackwardBf16(MemorySegment dloss, MemorySegment logits, MemorySegment labels, MemorySegment lse, MemorySegment dlogits, long n, long classes, int ignoreIndex, MemorySegment stream) {
        try {
            check("a4j_softmax_xent_backward_bf16", (int) SOFTMAX_XENT_BACKWARD_BF16.invokeExact(dloss, logits, labels, lse, dlogits, n, classes, ignoreIndex, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void dropoutForwardBf16(MemorySegment x, MemorySegment out, long n, float p, long seed, long offset, MemorySegment stream) {
        try {
            check("a4j_dropout_forward_bf16", (int) DROPOUT_FORWARD_BF16.invokeExact(x, out, n, p, seed, offset, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void lambUpdateMulti(int count, MemorySegment params, MemorySegment grads, MemorySegment m, MemorySegment v, MemorySegment sizes, float lr, float beta1, float beta2, float eps, MemorySegment weightDecay, MemorySegment useTrustRatio, float gradScale, MemorySegment trustRatiosOut, MemorySegment stream) {
        try {
            check("a4j_lamb_update_multi", (int) LAMB_UPDATE_MULTI.invokeExact(count, params, grads, m, v, sizes, lr, beta1, beta2, eps, weightDecay, useTrustRatio, gradScale, trustRatiosOut, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    public static void adamwUpdateMulti(int count, MemorySegment params, MemorySegment grads, MemorySegment m, MemorySegment v, MemorySegment sizes, float lr, float beta1, float beta2, float eps, MemorySegment weightDecay, float gradScale, MemorySegment stream) {
        try {
            check("a4j_adamw_update_multi", (int) ADAMW_UPDATE_MULTI.invokeExact(count, params, grads, m, v, sizes, lr, beta1, beta2, eps, weightDecay, gradScale, stream));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }
}
