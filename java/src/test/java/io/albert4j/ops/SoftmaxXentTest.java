package io.albert4j.ops;

import static io.albert4j.testing.FiniteDifferences.assertClose;
import static io.albert4j.testing.FiniteDifferences.gradient;
import static io.albert4j.testing.FiniteDifferences.toDouble;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.tensor.Tensor;
import io.albert4j.testing.OpTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SoftmaxXentTest {
    private static final int IGNORE = -100;
    private final OpTestSupport support = new OpTestSupport(51);

    @AfterEach
    void close() {
        support.close();
    }

    /** Mean over non-ignored rows of lse - logit[label], in double; [0] when all are ignored. */
    static double[] reference(double[] logits, int[] labels, int classes, int ignore) {
        double total = 0;
        int count = 0;
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] == ignore) {
                continue;
            }
            total += logSumExp(logits, i * classes, classes) - logits[i * classes + labels[i]];
            count++;
        }
        return new double[] {count == 0 ? 0 : total / count};
    }

    /** log Σ exp over {@code logits[offset, offset + classes)}, max-shifted, in double. */
    static double logSumExp(double[] logits, int offset, int classes) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            max = Math.max(max, logits[offset + c]);
        }
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            sum += Math.exp(logits[offset + c] - max);
        }
        return max + Math.log(sum);
    }

    @Test
    void forwardAndBackwardMatchReferenceWithIgnoredRows() {
        int n = 7;
        int classes = 13;
        float[] logits = support.randomFloats(n * classes, 4);
        int[] labels = support.randomInts(n, classes);
        labels[2] = IGNORE;
        labels[5] = IGNORE;
        try (Step step = support.step()) {
            Tensor lt = support.tensor(logits, true, n, classes);
            Tensor loss = Ops.softmaxCrossEntropy(lt, support.ints(labels, n), IGNORE);
            assertArrayEquals(new int[] {1}, loss.shape());
            assertClose("loss", loss.toFloatArray(), reference(toDouble(logits), labels, classes, IGNORE), 1e-5, 1e-6);
            step.backward(loss);
            double[] expected = gradient(v -> reference(v, labels, classes, IGNORE), toDouble(logits), new double[] {1},
                    1e-6);
            float[] grad = step.tape().gradOf(lt).toFloatArray();
            assertClose("dlogits", grad, expected, 1e-4, 1e-6);
            for (int c = 0; c < classes; c++) {
                assertEquals(0f, grad[2 * classes + c], "ignored rows get no gradient");
            }
        }
    }

    @Test
    void vocabularySizedRowsAreStableForLargeLogits() {
        int n = 3;
        int classes = 30000;
        float[] logits = support.randomFloats(n * classes, 8);
        for (int c = 0; c < classes; c++) {
            logits[c] += 1000; // exp(1000) overflows without the max subtraction
        }
        int[] labels = {17, 29999, 4096};
        float dloss = 0.75f;
        try (Step step = support.step()) {
            Tensor lt = support.tensor(logits, true, n, classes);
            Tensor loss = Ops.softmaxCrossEntropy(lt, support.ints(labels, n), IGNORE);
            double[] dl = toDouble(logits);
            assertClose("loss", loss.toFloatArray(), reference(dl, labels, classes, IGNORE), 1e-5, 1e-5);
            step.tape().backward(loss, support.tensor(new float[] {dloss}, false, 1));
            double[] expected = new double[n * classes];
            for (int i = 0; i < n; i++) {
                double max = Double.NEGATIVE_INFINITY;
                double sum = 0;
                for (int c = 0; c < classes; c++) {
                    max = Math.max(max, dl[i * classes + c]);
                }
                for (int c = 0; c < classes; c++) {
                    sum += Math.exp(dl[i * classes + c] - max);
                }
                for (int c = 0; c < classes; c++) {
                    expected[i * classes + c] = dloss / n * (Math.exp(dl[i * classes + c] - max) / sum
                            - (c == labels[i] ? 1 : 0));
                }
            }
            assertClose("dlogits", step.tape().gradOf(lt).toFloatArray(), expected, 1e-4, 1e-9);
        }
    }

    @Test
    void rankThreeLogitsWithMatchingLabels() {
        float[] logits = support.randomFloats(2 * 3 * 5, 2);
        int[] labels = {0, IGNORE, 4, 1, 2, IGNORE};
        try (Step step = support.step()) {
            Tensor loss = Ops.softmaxCrossEntropy(support.tensor(logits, false, 2, 3, 5), support.ints(labels, 2, 3),
                    IGNORE);
            assertClose("loss", loss.toFloatArray(), reference(toDouble(logits), labels, 5, IGNORE), 1e-5, 1e-6);
        }
    }

    @Test
    void rowLogSumExpMatchesReferenceAndRecordsNothing() {
        int n = 5;
        int classes = 8000;
        float[] logits = support.randomFloats(n * classes, 6);
        logits[3 * classes + 11] = 500;  // one dominant logit: lse == that logit
        try (Step step = support.step()) {
            Tensor lt = support.tensor(logits, true, n, classes);
            int recorded = step.tape().size();
            Tensor lse = Ops.rowLogSumExp(lt);
            assertArrayEquals(new int[] {n}, lse.shape());
            assertEquals(recorded, step.tape().size(), "no gradient: nothing recorded on the tape");
            double[] expected = new double[n];
            for (int i = 0; i < n; i++) {
                expected[i] = logSumExp(toDouble(logits), i * classes, classes);
            }
            assertClose("lse", lse.toFloatArray(), expected, 1e-5, 1e-6);
            assertEquals(500f, lse.getFloat(3), 1e-4f);
            assertArrayEquals(new int[] {0}, Ops.rowLogSumExp(support.tensor(new float[0], false, 0, 4)).shape());
        }
    }

    @Test
    void allIgnoredGivesZeroLossAndZeroGradient() {
        float[] logits = support.randomFloats(4 * 6, 3);
        try (Step step = support.step()) {
            Tensor lt = support.tensor(logits, true, 4, 6);
            Tensor loss = Ops.softmaxCrossEntropy(lt, support.ints(new int[] {IGNORE, IGNORE, IGNORE, IGNORE}, 4), IGNORE);
            assertEquals(0f, loss.getFloat(0));
            step.backward(loss);
            for (float g : step.tape().gradOf(lt).toFloatArray()) {
                assertEquals(0f, g);
            }
        }
    }

    @Test
    void rejectsOutOfRangeLabelsAndWrongShapes() {
        try (Step step = support.step()) {
            Tensor logits = support.tensor(new float[6], false, 2, 3);
            var high = assertThrows(IndexOutOfBoundsException.class,
                    () -> Ops.softmaxCrossEntropy(logits, support.ints(new int[] {0, 3}, 2), IGNORE));
            assertTrue(high.getMessage().contains("softmax_xent") && high.getMessage().contains("'labels'[1] = 3"),
                    high.getMessage());
            var shape = assertThrows(IllegalArgumentException.class,
                    () -> Ops.softmaxCrossEntropy(logits, support.ints(new int[] {0, 1, 2}, 3), IGNORE));
            assertTrue(shape.getMessage().contains("'labels'") && shape.getMessage().contains("[2]"), shape.getMessage());
            var dtype = assertThrows(IllegalArgumentException.class,
                    () -> Ops.softmaxCrossEntropy(logits, support.tensor(new float[2], false, 2), IGNORE));
            assertTrue(dtype.getMessage().contains("I32"), dtype.getMessage());
        }
    }
}
