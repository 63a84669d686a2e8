package io.albert4j.backend.internal;

import io.albert4j.backend.Activation;
import io.albert4j.backend.Backend;
import io.albert4j.backend.Backends;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every native binding of the CPU backend, called with deliberately wrong sizes (segments too short for the extent
 * the sizes imply, negative sizes and strides, sizes whose product overflows, ids past their table): each call is an
 * {@link IllegalArgumentException} naming the kernel, never a native out-of-bounds access. The walk is checked to
 * cover every kernel entry of {@link NativeBackend}, so a new binding without a case fails here.
 */
class NativeBindingSizesTest {
    private final Backend cpu = Backends.cpu();
    private final List<Tensor> tensors = new ArrayList<>();
    private final Set<String> walked = new TreeSet<>();
    private final List<String> failures = new ArrayList<>();

    @AfterEach
    void free() {
        tensors.forEach(Tensor::close);
    }

    private Tensor f32(int... shape) {
        Tensor t = Tensor.allocateHost(DType.F32, shape);
        tensors.add(t);
        return t;
    }

    private Tensor ids(int... values) {
        Tensor t = Tensor.ofInts(values, values.length);
        tensors.add(t);
        return t;
    }

    private Tensor bf16(int... shape) {
        Tensor t = Tensor.allocateHost(DType.BF16, shape);
        tensors.add(t);
        return t;
    }

    /** {@code call} of binding {@code method} is refused with a message naming {@code kernel} and each part. */
    private void refused(String method, String kernel, Executable call, String... parts) {
        walked.add(method);
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call, method);
            assertTrue(e.getMessage() != null && e.getMessage().contains(kernel), method + ": " + e.getMessage());
            for (String part : parts) {
                assertTrue(e.getMessage().contains(part), method + ": '" + part + "' not in " + e.getMessage());
            }
        } catch (AssertionError e) {
            failures.add(e.getMessage());  // all of them at once, not the first alone
        }
    }

    /** {@code call} (sizes whose product overflows, or a negative size) is refused before any native call. */
    private void refusedSizes(String method, Executable call) {
        walked.add(method);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call, method);
        assertTrue(e.getMessage() != null && (e.getMessage().contains("overflow") || e.getMessage().contains("negative")),
                method + ": " + e.getMessage());
    }

    @Test
    void everyBindingRefusesWrongSizesWithAMessage() {
        long huge = 1L << 33;
        // ---- GEMMs: extents from m, n, k, the leading dimensions and the batch strides.
        Tensor a = f32(4, 4), b = f32(4, 4), c = f32(4, 4), small = f32(3);
        refused("gemm", "gemm", () -> cpu.gemm(false, false, 4, 4, 4, 1f, a, 4, 0, b, 4, 0, 0f, small, 4, 0, 1),
                "'c'", "the kernel reads 16");
        refused("gemm", "gemm", () -> cpu.gemm(false, false, 4, 4, -1, 1f, a, 4, 0, b, 4, 0, 0f, c, 4, 0, 1),
                "k = -1 is negative");
        refused("gemm", "gemm", () -> cpu.gemm(false, false, 2, 2, 2, 1f, a, 2, -4, b, 2, 0, 0f, c, 2, 4, 2),
                "strideA = -4 is negative");
        long wide = 1L << 62;  // n and the leading dimensions: (rows - 1) * ld wraps around
        refusedSizes("gemm", () -> cpu.gemm(false, false, 4, wide, 4, 1f, a, 4, 0, b, wide, 0, 0f, c, wide, 0, 1));
        refused("gemm", "gemm", () -> cpu.gemm(true, false, 4, 4, 4, 1f, a, 3, 0, b, 4, 0, 0f, c, 4, 0, 1),
                "leading dimension too small");
        Tensor packed = f32((int) (cpu.packedGemmBBytes(4, 4) + 3) / 4);
        refused("packGemmB", "packGemmB", () -> cpu.packGemmB(false, 4, 4, b, 4, small), "'packed'");
        refused("packGemmB", "packGemmB", () -> cpu.packGemmB(false, 5, 4, b, 4, packed), "'b'");
        refused("packGemmB", "packGemmB", () -> cpu.packGemmB(false, -4, 4, b, 4, packed), "k = -4 is negative");
        cpu.packGemmB(false, 4, 4, b, 4, packed);
        refused("gemmPackedB", "gemmPackedB", () -> cpu.gemmPackedB(false, 4, 4, 4, 1f, a, 4, packed, 0f, small, 4),
                "'c'");
        refused("gemmPackedB", "gemmPackedB", () -> cpu.gemmPackedB(false, 5, 4, 4, 1f, a, 4, packed, 0f, c, 4),
                "'a'");
        refusedSizes("gemmPackedB", () -> cpu.gemmPackedB(false, huge, 4, 4, 1f, a, huge, packed, 0f, c, huge));
        refused("gemmBiasActivation", "gemmBiasActivation", () -> cpu.gemmBiasActivation(false, false, 4, 4, 4, 1f,
                a, 4, b, 4, null, 0f, c, 4, small, Activation.GELU_TANH, null), "'bias'");
        refused("gemmBiasActivation", "gemmBiasActivation", () -> cpu.gemmBiasActivation(false, false, 4, 4, 4, 1f,
                a, 4, b, 4, null, 0f, c, 4, null, Activation.GELU_TANH, small), "'activationOut'");
        refused("gemmBiasActivation", "gemmBiasActivation", () -> cpu.gemmBiasActivation(false, false, 4, -4, 4,
                1f, a, 4, b, 4, null, 0f, c, 4, null, Activation.GELU_TANH, null), "n = -4 is negative");

        // ---- elementwise: the pair's element counts must agree.
        Tensor x = f32(2, 3), y = f32(2, 2), none = f32(0);
        refused("axpy", "axpy", () -> cpu.axpy(1f, x, y), "'y'");
        refused("scale", "scale", () -> cpu.scale(2f, ids(1, 2)), "'x' must be F32");
        refused("fill", "fill", () -> cpu.fill(2f, ids(1, 2)), "'x' must be F32");
        refused("biasAddForward", "bias_add", () -> cpu.biasAddForward(x, small, x, 2, 4), "'x'");
        refused("biasAddForward", "bias_add", () -> cpu.biasAddForward(x, small, x, 1, 4), "'bias'");
        refusedSizes("biasAddForward", () -> cpu.biasAddForward(x, small, x, huge, huge));
        refusedSizes("biasAddForward", () -> cpu.biasAddForward(x, small, x, -2, 3));
        refused("biasAddBackward", "bias_add_backward", () -> cpu.biasAddBackward(y, x, 2, 3), "'dout'");
        refused("tanhForward", "tanh", () -> cpu.tanhForward(x, y), "'out'");
        refused("tanhBackward", "tanh_backward", () -> cpu.tanhBackward(y, y, x), "'dout'");
        refused("castF32ToBf16", "cast_f32_to_bf16", () -> cpu.castF32ToBf16(x, bf16(2, 2)), "'out'");
        refused("castBf16ToF32", "cast_bf16_to_f32", () -> cpu.castBf16ToF32(bf16(2, 2), x), "'x'");
        refused("biasGeluForward", "bias_gelu", () -> cpu.biasGeluForward(x, null, y, 2, 3, Activation.GELU_TANH), "'out'");
        refusedSizes("biasGeluForward", () -> cpu.biasGeluForward(x, null, x, huge, huge, Activation.GELU_TANH));
        refused("biasGeluBackward", "bias_gelu_backward", () -> cpu.biasGeluBackward(x, x, null, x, small, 2, 4,
                Activation.GELU_TANH), "'x'");
        refused("biasGeluBackward", "bias_gelu_backward", () -> cpu.biasGeluBackward(x, x, null, x, y, 1, 6,
                Activation.GELU_TANH), "'dbias'");

        // ---- LayerNorm: rows x cols for the data, cols for gamma/beta, rows for the statistics.
        Tensor gamma = f32(3), mean = f32(2), rstd = f32(2), one = f32(1);
        refused("layerNormForward", "layer_norm", () -> cpu.layerNormForward(x, null, gamma, gamma, x, null, one,
                rstd, 2, 3, 1e-12f), "'mean'");
        refused("layerNormForward", "layer_norm", () -> cpu.layerNormForward(x, null, gamma, gamma, x, null, mean,
                rstd, 2, 4, 1e-12f), "'x'");
        refusedSizes("layerNormForward", () -> cpu.layerNormForward(x, null, gamma, gamma, x, null, mean, rstd, -1,
                3, 1e-12f));
        refused("layerNormBackward", "layer_norm_backward", () -> cpu.layerNormBackward(x, x, mean, rstd, small, x,
                null, null, 2, 4), "'dout'");
        refused("layerNormBackward", "layer_norm_backward", () -> cpu.layerNormBackward(x, x, one, rstd, gamma, x,
                null, null, 2, 3), "'mean'");

        // ---- embeddings: the table's rows are the id range.
        Tensor table = f32(5, 2), out = f32(3, 2), wordIds = ids(0, 4, 5), okIds = ids(0, 1, 2);
        refused("embeddingForward", "embedding", () -> cpu.embeddingForward(wordIds, table, out, 3, 5, 2),
                "'ids'[2] = 5 is out of range [0, 5)");
        refused("embeddingForward", "embedding", () -> cpu.embeddingForward(okIds, table, out, 3, 6, 2), "'table'");
        refused("embeddingForward", "embedding", () -> cpu.embeddingForward(okIds, table, out, 4, 5, 2), "'ids'");
        refused("embeddingBackward", "embedding_backward", () -> cpu.embeddingBackward(wordIds, out, table, 3, 5, 2,
                -1), "'ids'[2] = 5 is out of range [0, 5)");
        refused("embeddingBackward", "embedding_backward", () -> cpu.embeddingBackward(okIds, f32(2, 2), table, 3, 5,
                2, -1), "'dout'");
        Tensor types = ids(0, 0, 1), typeTable = f32(2, 2), pos = f32(3, 2), dim2 = f32(2), stats = f32(3);
        Tensor sum = f32(3, 2);
        refused("embeddingLayerNormForward", "embedding_layer_norm", () -> cpu.embeddingLayerNormForward(wordIds,
                        types, table, pos, typeTable, dim2, dim2, out, sum, stats, stats, 1, 3, 2, 1e-12f),
                "'word_ids'[2] = 5 is out of range [0, 5)");
        refused("embeddingLayerNormForward", "embedding_layer_norm", () -> cpu.embeddingLayerNormForward(okIds,
                        ids(0, 2, 0), table, pos, typeTable, dim2, dim2, out, sum, stats, stats, 1, 3, 2, 1e-12f),
                "'type_ids'[1] = 2 is out of range [0, 2)");
        refused("embeddingLayerNormForward", "embedding_layer_norm", () -> cpu.embeddingLayerNormForward(okIds,
                        types, table, f32(2, 2), typeTable, dim2, dim2, out, sum, stats, stats, 1, 3, 2, 1e-12f),
                "'pos_table'");
        refusedSizes("embeddingLayerNormForward", () -> cpu.embeddingLayerNormForward(okIds, types, table, pos,
                typeTable, dim2, dim2, out, sum, stats, stats, huge, huge, 2, 1e-12f));
        refused("embeddingLayerNormBackward", "embedding_layer_norm_backward", () -> cpu.embeddingLayerNormBackward(
                        out, okIds, types, sum, stats, stats, dim2, table, f32(2, 2), typeTable, dim2, dim2, 1, 3, 2, -1),
                "'dpos_table'");
        refused("embeddingLayerNormBackward", "embedding_layer_norm_backward", () -> cpu.embeddingLayerNormBackward(
                        out, wordIds, types, sum, stats, stats, dim2, table, pos, typeTable, dim2, dim2, 1, 3, 2, -1),
                "'word_ids'[2] = 5 is out of range [0, 5)");

        // ---- attention: [batch, seq, heads * headDim] rows qkvStride apart; lse [batch, heads, seq].
        Tensor qkv = f32(2, 4), att = f32(2, 4), lse = f32(2, 2), lseShort = f32(3);
        refused("attentionForward", "attention", () -> cpu.attentionForward(qkv, qkv, qkv, null, att, lseShort, 1, 2,
                2, 2, 4, 0.7f, 0f, 1), "'lse'");
        refused("attentionForward", "attention", () -> cpu.attentionForward(qkv, qkv, qkv, null, att, lse, 1, 2, 2, 2,
                8, 0.7f, 0f, 1), "'q'");
        refusedSizes("attentionForward", () -> cpu.attentionForward(qkv, qkv, qkv, null, att, lse, 1, 2, 2, 2, -4,
                0.7f, 0f, 1));
        refusedSizes("attentionForward", () -> cpu.attentionForward(qkv, qkv, qkv, null, att, lse, huge, huge, 2, 2,
                4, 0.7f, 0f, 1));
        refused("attentionBackward", "attention_backward", () -> cpu.attentionBackward(qkv, qkv, qkv, null, att, lse,
                att, qkv, qkv, f32(1, 4), 1, 2, 2, 2, 4, 0.7f, 0f, 1), "'dv'");
        refused("attentionBackward", "attention_backward", () -> cpu.attentionBackward(qkv, qkv, qkv, f32(1), att, lse,
                att, qkv, qkv, qkv, 1, 2, 2, 2, 4, 0.7f, 0f, 1), "'mask'");

        // ---- softmax cross-entropy: labels index the row's classes.
        Tensor logits = f32(3, 4), labels = ids(0, 4, -100), lse3 = f32(3);
        refused("softmaxXentForward", "softmax_xent", () -> cpu.softmaxXentForward(logits, labels, one, lse3, 3, 4,
                -100), "'labels'[1] = 4 is out of range [0, 4)");
        refused("softmaxXentForward", "softmax_xent", () -> cpu.softmaxXentForward(logits, ids(0, 1, 2), one, lse3, 3,
                5, -100), "'logits'");
        refused("softmaxXentBackward", "softmax_xent_backward", () -> cpu.softmaxXentBackward(one, logits, labels,
                lse3, logits, 3, 4, -100), "'labels'[1] = 4 is out of range [0, 4)");
        refused("softmaxXentBackward", "softmax_xent_backward", () -> cpu.softmaxXentBackward(one, logits,
                ids(0, 1, 2), lse3, f32(2, 4), 3, 4, -100), "'dlogits'");

        // ---- dropout, reductions, optimizers, copy: the pairs' element counts.
        refused("dropoutForward", "dropout", () -> cpu.dropoutForward(x, y, 0.1f, 1, 0), "'out'");
        refused("dropoutBackward", "dropout_backward", () -> cpu.dropoutBackward(y, x, 0.1f, 1, 0), "'dout'");
        refused("sumForward", "sum", () -> cpu.sumForward(x, none), "'out'");
        refused("sumBackward", "sum_backward", () -> cpu.sumBackward(none, x, 1f), "'dout'");
        refused("sumSquares", "sum_squares", () -> cpu.sumSquares(x, none), "'out'");
        Tensor param = f32(6), grad = f32(6), m = f32(6), shortV = f32(5);
        refused("adamwUpdate", "adamw_update", () -> cpu.adamwUpdate(param, grad, m, shortV, 1e-3f, 0.9f, 0.999f,
                1e-6f, 0f, 1f), "'v'");
        refused("lambUpdate", "lamb_update", () -> cpu.lambUpdate(param, grad, shortV, m, 1e-3f, 0.9f, 0.999f, 1e-6f,
                0f, true, 1f), "'m'");
        refused("sumSquaresMulti", "sum_squares_multi", () -> cpu.sumSquaresMulti(List.of(x, y), none), "'out'");
        refused("adamwUpdateMulti", "adamw_update_multi", () -> cpu.adamwUpdateMulti(List.of(param, param),
                List.of(grad, grad), List.of(m, m), List.of(m, shortV), 1e-3f, 0.9f, 0.999f, 1e-6f,
                new float[2], 1f), "'v[1]'");
        refused("lambUpdateMulti", "lamb_update_multi", () -> cpu.lambUpdateMulti(List.of(param), List.of(shortV),
                List.of(m), List.of(m), 1e-3f, 0.9f, 0.999f, 1e-6f, new float[1], new boolean[1], 1f), "'grad[0]'");
        refused("copy", "copy", () -> cpu.copy(x, y), "'dst'");

        assertEquals(List.of(), failures);
        assertEquals(kernelEntries(), walked, "every kernel entry of NativeBackend has a wrong-size case");
    }

    /** NativeBackend's public final methods that take a tensor or a list of them: the kernel entries, guarded there. */
    private static Set<String> kernelEntries() {
        Set<String> names = new TreeSet<>();
        for (Method method : NativeBackend.class.getDeclaredMethods()) {
            int mod = method.getModifiers();
            if (Modifier.isPublic(mod) && Modifier.isFinal(mod) && !Modifier.isStatic(mod)
                    && (Arrays.asList(method.getParameterTypes()).contains(Tensor.class)
                        || Arrays.asList(method.getParameterTypes()).contains(List.class))) {
                names.add(method.getName());
            }
        }
        names.add("copy");  // CpuBackend's own, guarded with the same helpers
        return names;
    }
}
