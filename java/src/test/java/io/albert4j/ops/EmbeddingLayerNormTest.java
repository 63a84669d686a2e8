package io.albert4j.ops;

import static io.albert4j.testing.FiniteDifferences.assertClose;
import static io.albert4j.testing.FiniteDifferences.gradient;
import static io.albert4j.testing.FiniteDifferences.toDouble;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.tensor.Tensor;
import io.albert4j.testing.OpTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EmbeddingLayerNormTest {
    private static final float EPS = 1e-12f;
    private final OpTestSupport support = new OpTestSupport(41);

    @AfterEach
    void close() {
        support.close();
    }

    /** Inputs of one test case (double copies for the reference). */
    private record Case(int batch, int seq, int dim, int vocab, int positions, int types, int[] wordIds, int[] typeIds,
                        double[] word, double[] pos, double[] type, double[] gamma, double[] beta) {
        double[] forward(double[] w, double[] p, double[] t, double[] g, double[] b) {
            int tokens = batch * seq;
            double[] sum = new double[tokens * dim];
            for (int i = 0; i < tokens; i++) {
                for (int c = 0; c < dim; c++) {
                    sum[i * dim + c] = w[wordIds[i] * dim + c] + p[(i % seq) * dim + c] + t[typeIds[i] * dim + c];
                }
            }
            return LayerNormTest.reference(sum, null, g, b, dim, EPS);
        }
    }

    private Case randomCase(int batch, int seq, int dim, int vocab, int positions) {
        return new Case(batch, seq, dim, vocab, positions, 2, support.randomInts(batch * seq, vocab),
                support.randomInts(batch * seq, 2), toDouble(support.randomFloats(vocab * dim, 1)),
                toDouble(support.randomFloats(positions * dim, 1)), toDouble(support.randomFloats(2 * dim, 1)),
                toDouble(support.randomFloats(dim, 1.5)), toDouble(support.randomFloats(dim, 1)));
    }

    private Tensor f32(double[] values, boolean grad, int... shape) {
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) values[i];
        }
        return support.tensor(f, grad, shape);
    }

    @Test
    void forwardMatchesReference() {
        for (int[] sizes : new int[][] {{1, 1, 1}, {2, 5, 19}, {3, 64, 128}}) {
            Case c = randomCase(sizes[0], sizes[1], sizes[2], 37, sizes[1] + 3);
            try (Step step = support.step()) {
                Tensor out = Ops.embeddingLayerNorm(support.ints(c.wordIds, c.batch, c.seq),
                        support.ints(c.typeIds, c.batch, c.seq), f32(c.word, false, c.vocab, c.dim),
                        f32(c.pos, false, c.positions, c.dim), f32(c.type, false, 2, c.dim), f32(c.gamma, false, c.dim),
                        f32(c.beta, false, c.dim), EPS, -1);
                assertClose("embedding_layer_norm " + java.util.Arrays.toString(sizes), out.toFloatArray(),
                        c.forward(c.word, c.pos, c.type, c.gamma, c.beta), 5e-5, 5e-5);
            }
        }
    }

    @Test
    void nullTypeIdsMeanTokenTypeZero() {
        Case c = randomCase(2, 4, 7, 10, 4);
        java.util.Arrays.fill(c.typeIds, 0);
        try (Step step = support.step()) {
            Tensor out = Ops.embeddingLayerNorm(support.ints(c.wordIds, 2, 4), null, f32(c.word, false, 10, 7),
                    f32(c.pos, false, 4, 7), f32(c.type, false, 2, 7), f32(c.gamma, false, 7), f32(c.beta, false, 7),
                    EPS, -1);
            assertClose("no type ids", out.toFloatArray(), c.forward(c.word, c.pos, c.type, c.gamma, c.beta), 5e-5, 5e-5);
        }
    }

    @Test
    void backwardMatchesFiniteDifferencesForEveryTableAndGammaBeta() {
        Case c = randomCase(2, 3, 5, 4, 5);
        c.wordIds[4] = c.wordIds[0]; // a repeated id
        double[] seed = toDouble(support.randomFloats(2 * 3 * 5, 1));
        try (Step step = support.step()) {
            Tensor word = f32(c.word, true, 4, 5);
            Tensor pos = f32(c.pos, true, 5, 5);
            Tensor type = f32(c.type, true, 2, 5);
            Tensor gamma = f32(c.gamma, true, 5);
            Tensor beta = f32(c.beta, true, 5);
            Tensor out = Ops.embeddingLayerNorm(support.ints(c.wordIds, 2, 3), support.ints(c.typeIds, 2, 3), word, pos,
                    type, gamma, beta, EPS, -1);
            step.tape().backward(out, f32(seed, false, 2, 3, 5));
            assertClose("dword", step.tape().gradOf(word).toFloatArray(),
                    gradient(v -> c.forward(v, c.pos, c.type, c.gamma, c.beta), c.word, seed, 1e-6), 1e-3, 1e-4);
            assertClose("dpos", step.tape().gradOf(pos).toFloatArray(),
                    gradient(v -> c.forward(c.word, v, c.type, c.gamma, c.beta), c.pos, seed, 1e-6), 1e-3, 1e-4);
            assertClose("dtype", step.tape().gradOf(type).toFloatArray(),
                    gradient(v -> c.forward(c.word, c.pos, v, c.gamma, c.beta), c.type, seed, 1e-6), 1e-3, 1e-4);
            assertClose("dgamma", step.tape().gradOf(gamma).toFloatArray(),
                    gradient(v -> c.forward(c.word, c.pos, c.type, v, c.beta), c.gamma, seed, 1e-6), 1e-4, 1e-4);
            assertClose("dbeta", step.tape().gradOf(beta).toFloatArray(),
                    gradient(v -> c.forward(c.word, c.pos, c.type, c.gamma, v), c.beta, seed, 1e-6), 1e-4, 1e-4);
        }
    }

    @Test
    void paddingIdxSkipsOnlyTheWordTable() {
        int padding = 1;
        Case c = randomCase(4, 32, 64, 6, 32); // 8192 elements: the parallel paths
        c.wordIds[0] = padding;
        c.wordIds[33] = padding;
        double[] seed = toDouble(support.randomFloats(4 * 32 * 64, 1));
        try (Step step = support.step()) {
            Tensor word = f32(c.word, true, 6, 64);
            Tensor pos = f32(c.pos, true, 32, 64);
            Tensor type = f32(c.type, true, 2, 64);
            Tensor out = Ops.embeddingLayerNorm(support.ints(c.wordIds, 4, 32), support.ints(c.typeIds, 4, 32), word,
                    pos, type, f32(c.gamma, false, 64), f32(c.beta, false, 64), EPS, padding);
            step.tape().backward(out, f32(seed, false, 4, 32, 64));
            // The gradient reaching the sum is the LayerNorm backward (checked by finite differences above);
            // rebuild it analytically in double and scatter by hand.
            double[] dsum = layerNormInputGradient(sumOf(c), c.gamma, seed, 64);
            double[] dword = new double[6 * 64];
            double[] dpos = new double[32 * 64];
            double[] dtype = new double[2 * 64];
            for (int i = 0; i < 4 * 32; i++) {
                for (int k = 0; k < 64; k++) {
                    if (c.wordIds[i] != padding) {
                        dword[c.wordIds[i] * 64 + k] += dsum[i * 64 + k];
                    }
                    dpos[(i % 32) * 64 + k] += dsum[i * 64 + k];
                    dtype[c.typeIds[i] * 64 + k] += dsum[i * 64 + k];
                }
            }
            float[] gotWord = step.tape().gradOf(word).toFloatArray();
            assertClose("dword", gotWord, dword, 1e-3, 1e-3);
            assertClose("dpos", step.tape().gradOf(pos).toFloatArray(), dpos, 1e-3, 1e-3);
            assertClose("dtype", step.tape().gradOf(type).toFloatArray(), dtype, 1e-3, 1e-3);
            for (int k = 0; k < 64; k++) {
                assertTrue(gotWord[padding * 64 + k] == 0f, "padding row of the word table must stay zero");
            }
        }
    }

    /** d/dinput of Σ seed·LayerNorm(input): rstd·(g - mean(g) - xhat·mean(g·xhat)) with g = seed·gamma. */
    private static double[] layerNormInputGradient(double[] input, double[] gamma, double[] seed, int dim) {
        double[] grad = new double[input.length];
        for (int r = 0; r < input.length / dim; r++) {
            double mean = 0;
            for (int k = 0; k < dim; k++) {
                mean += input[r * dim + k] / dim;
            }
            double var = 0;
            for (int k = 0; k < dim; k++) {
                var += (input[r * dim + k] - mean) * (input[r * dim + k] - mean) / dim;
            }
            double rstd = 1 / Math.sqrt(var + EPS);
            double meanG = 0;
            double meanGx = 0;
            for (int k = 0; k < dim; k++) {
                double g = seed[r * dim + k] * gamma[k];
                meanG += g / dim;
                meanGx += g * (input[r * dim + k] - mean) * rstd / dim;
            }
            for (int k = 0; k < dim; k++) {
                double xhat = (input[r * dim + k] - mean) * rstd;
                grad[r * dim + k] = rstd * (seed[r * dim + k] * gamma[k] - meanG - xhat * meanGx);
            }
        }
        return grad;
    }

    private static double[] sumOf(Case c) {
        int tokens = c.batch * c.seq;
        double[] sum = new double[tokens * c.dim];
        for (int i = 0; i < tokens; i++) {
            for (int k = 0; k < c.dim; k++) {
                sum[i * c.dim + k] = c.word[c.wordIds[i] * c.dim + k] + c.pos[(i % c.seq) * c.dim + k]
                        + c.type[c.typeIds[i] * c.dim + k];
            }
        }
        return sum;
    }

    @Test
    void rejectsTooLongSequencesAndOutOfRangeIds() {
        try (Step step = support.step()) {
            Tensor word = support.tensor(new float[12], false, 4, 3);
            Tensor pos = support.tensor(new float[6], false, 2, 3);
            Tensor type = support.tensor(new float[6], false, 2, 3);
            Tensor g = support.tensor(new float[3], false, 3);
            var tooLong = assertThrows(IllegalArgumentException.class, () -> Ops.embeddingLayerNorm(
                    support.ints(new int[] {0, 1, 2}, 1, 3), null, word, pos, type, g, g, EPS, -1));
            assertTrue(tooLong.getMessage().contains("sequence length 3 exceeds max_position_embeddings 2"),
                    tooLong.getMessage());
            var badWord = assertThrows(IndexOutOfBoundsException.class, () -> Ops.embeddingLayerNorm(
                    support.ints(new int[] {0, 7}, 1, 2), null, word, pos, type, g, g, EPS, -1));
            assertTrue(badWord.getMessage().contains("embedding_layer_norm") && badWord.getMessage().contains("'wordIds'"),
                    badWord.getMessage());
            var badType = assertThrows(IndexOutOfBoundsException.class, () -> Ops.embeddingLayerNorm(
                    support.ints(new int[] {0, 1}, 1, 2), support.ints(new int[] {0, 2}, 1, 2), word, pos, type, g, g,
                    EPS, -1));
            assertTrue(badType.getMessage().contains("'typeIds'"), badType.getMessage());
            Tensor narrowPos = support.tensor(new float[4], false, 2, 2);
            var dim = assertThrows(IllegalArgumentException.class, () -> Ops.embeddingLayerNorm(
                    support.ints(new int[] {0, 1}, 1, 2), null, word, narrowPos, type, g, g, EPS, -1));
            assertTrue(dim.getMessage().contains("'positionTable'"), dim.getMessage());
        }
    }
}
