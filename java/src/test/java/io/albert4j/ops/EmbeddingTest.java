package io.albert4j.ops;

import static io.albert4j.testing.FiniteDifferences.assertClose;
import static io.albert4j.testing.FiniteDifferences.gradient;
import static io.albert4j.testing.FiniteDifferences.toDouble;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.tensor.Tensor;
import io.albert4j.testing.OpTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EmbeddingTest {
    private final OpTestSupport support = new OpTestSupport(31);

    @AfterEach
    void close() {
        support.close();
    }

    static double[] reference(int[] ids, double[] table, int dim) {
        double[] out = new double[ids.length * dim];
        for (int i = 0; i < ids.length; i++) {
            System.arraycopy(table, ids[i] * dim, out, i * dim, dim);
        }
        return out;
    }

    /** HF semantics: dtable[id] += dout[i] except for the padding row. */
    static double[] scatterReference(int[] ids, float[] dout, int vocab, int dim, int paddingIdx) {
        double[] grad = new double[vocab * dim];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == paddingIdx) {
                continue;
            }
            for (int c = 0; c < dim; c++) {
                grad[ids[i] * dim + c] += dout[i * dim + c];
            }
        }
        return grad;
    }

    @Test
    void forwardGathersRowsForIdsOfAnyShape() {
        int vocab = 23;
        int dim = 17;
        float[] table = support.randomFloats(vocab * dim, 1);
        for (int[] idShape : new int[][] {{5}, {2, 3}, {2, 2, 3}}) {
            int n = (int) Tensor.numelOf(idShape);
            int[] ids = support.randomInts(n, vocab);
            try (Step step = support.step()) {
                Tensor out = Ops.embedding(support.ints(ids, idShape), support.tensor(table, false, vocab, dim), -1);
                int[] expectedShape = java.util.Arrays.copyOf(idShape, idShape.length + 1);
                expectedShape[idShape.length] = dim;
                assertArrayEquals(expectedShape, out.shape());
                assertClose("embedding " + n, out.toFloatArray(), reference(ids, toDouble(table), dim), 0, 0);
            }
        }
    }

    @Test
    void backwardMatchesFiniteDifferencesWithRepeatedIds() {
        int vocab = 9;
        int dim = 5;
        int[] ids = {3, 1, 3, 3, 8, 0, 1};
        float[] table = support.randomFloats(vocab * dim, 1);
        float[] seed = support.randomFloats(ids.length * dim, 1);
        try (Step step = support.step()) {
            Tensor tt = support.tensor(table, true, vocab, dim);
            Tensor out = Ops.embedding(support.ints(ids, ids.length), tt, -1);
            step.tape().backward(out, support.tensor(seed, false, ids.length, dim));
            double[] expected = gradient(t -> reference(ids, t, dim), toDouble(table), toDouble(seed), 1e-6);
            assertClose("dtable", step.tape().gradOf(tt).toFloatArray(), expected, 1e-5, 1e-5);
        }
    }

    @Test
    void backwardSkipsPaddingRowAndHasNoRacesOnManyRepeats() {
        int vocab = 100;
        int dim = 128;
        int n = 4096; // n·dim is large enough for the parallel scatter; ~41 repeats per id
        int paddingIdx = 0;
        int[] ids = support.randomInts(n, vocab);
        for (int i = 0; i < n; i += 7) {
            ids[i] = paddingIdx;
        }
        float[] table = support.randomFloats(vocab * dim, 1);
        float[] seed = support.randomFloats(n * dim, 1);
        try (Step step = support.step()) {
            Tensor tt = support.tensor(table, true, vocab, dim);
            Tensor out = Ops.embedding(support.ints(ids, 64, 64), tt, paddingIdx);
            assertClose("forward", out.toFloatArray(), reference(ids, toDouble(table), dim), 0, 0);
            step.tape().backward(out, support.tensor(seed, false, 64, 64, dim));
            float[] grad = step.tape().gradOf(tt).toFloatArray();
            assertClose("dtable", grad, scatterReference(ids, seed, vocab, dim, paddingIdx), 1e-5, 1e-4);
            for (int c = 0; c < dim; c++) {
                assertTrue(grad[paddingIdx * dim + c] == 0f, "padding row must get no gradient");
            }
        }
    }

    @Test
    void gatherRowsBackPropagatesIntoAnActivation() {
        int rows = 6;
        int dim = 11;
        float[] x = support.randomFloats(rows * dim, 1);
        int[] indices = {0, 5, 0};
        float[] seed = support.randomFloats(indices.length * dim, 1);
        try (Step step = support.step()) {
            Tensor xt = support.tensor(x, true, rows, dim);
            Tensor out = Ops.gatherRows(xt, support.ints(indices, indices.length));
            assertArrayEquals(new int[] {3, dim}, out.shape());
            step.tape().backward(out, support.tensor(seed, false, 3, dim));
            assertClose("dx", step.tape().gradOf(xt).toFloatArray(), scatterReference(indices, seed, rows, dim, -1), 1e-6,
                    1e-6);
        }
    }

    @Test
    void outOfRangeIdsThrowBeforeTheDowncall() {
        try (Step step = support.step()) {
            Tensor table = support.tensor(new float[12], false, 4, 3);
            var high = assertThrows(IndexOutOfBoundsException.class,
                    () -> Ops.embedding(support.ints(new int[] {0, 4}, 2), table, -1));
            assertTrue(high.getMessage().contains("embedding") && high.getMessage().contains("4")
                    && high.getMessage().contains("[0, 4)"), high.getMessage());
            var negative = assertThrows(IndexOutOfBoundsException.class,
                    () -> Ops.embedding(support.ints(new int[] {-1}, 1), table, -1));
            assertTrue(negative.getMessage().contains("-1"), negative.getMessage());
            var dtype = assertThrows(IllegalArgumentException.class,
                    () -> Ops.embedding(support.tensor(new float[2], false, 2), table, -1));
            assertTrue(dtype.getMessage().contains("'ids'") && dtype.getMessage().contains("I32"), dtype.getMessage());
            var rank = assertThrows(IllegalArgumentException.class,
                    () -> Ops.embedding(support.ints(new int[] {0}, 1), support.tensor(new float[4], false, 4), -1));
            assertTrue(rank.getMessage().contains("'table'"), rank.getMessage());
            var padding = assertThrows(IllegalArgumentException.class,
                    () -> Ops.embedding(support.ints(new int[] {0}, 1), table, 9));
            assertTrue(padding.getMessage().contains("paddingIdx"), padding.getMessage());
        }
    }
}
