package io.albert4j.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.albert4j.albert.AlbertConfig;
import io.albert4j.albert.AlbertForPreTraining;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GradientAllReduceTest {
    /** Two ranks holding the same values: a sum doubles every element, which shows each one was reduced once. */
    private static final class TwoEqualRanks implements Communicator {
        int calls;

        @Override public int rank() { return 0; }
        @Override public int size() { return 2; }
        @Override public void allReduceSum(Tensor values) {
            calls++;
            for (long i = 0; i < values.numel(); i++) {
                values.setFloat(i, 2 * values.getFloat(i));
            }
        }
        @Override public void allReduceSum(double[] values) { throw new UnsupportedOperationException(); }
        @Override public long[] allGather(long[] values) { throw new UnsupportedOperationException(); }
        @Override public void barrier() { }
        @Override public String description() { return "two equal ranks"; }
        @Override public void close() { }
    }

    @Test
    void smallGradientsArePackedIntoBucketsAndLargeOnesReducedInPlace() {
        List<Tensor> gradients = new ArrayList<>();
        List<float[]> expected = new ArrayList<>();
        int[] sizes = {3, 5000, 7, 1, 20_000, 2, 2};
        for (int t = 0; t < sizes.length; t++) {
            float[] values = new float[sizes[t]];
            for (int i = 0; i < values.length; i++) {
                values[i] = t * 1000 + i * 0.5f;
            }
            gradients.add(Tensor.ofFloats(values, values.length));
            float[] doubled = values.clone();
            for (int i = 0; i < doubled.length; i++) {
                doubled[i] *= 2;
            }
            expected.add(doubled);
        }
        TwoEqualRanks ranks = new TwoEqualRanks();
        // 32 KiB buckets: the 20,000-float tensor (80 KB) alone, the rest in buckets of <= 32 KiB.
        try (GradientAllReduce reduce = new GradientAllReduce(ranks, gradients, 32 << 10)) {
            assertEquals(3, reduce.bucketCount(), "[3, 5000, 7, 1] packed, [20000] alone, [2, 2] packed");
            reduce.run();
            assertEquals(3, ranks.calls);
        }
        for (int t = 0; t < sizes.length; t++) {
            assertArrayEquals(expected.get(t), gradients.get(t).toFloatArray(), "tensor " + t);
            gradients.get(t).close();
        }
    }

    @Test
    void albertBaseTakesAFewLargeCalls() {
        // Shapes only: no memory for ALBERT-base's 12M parameters is needed to plan its buckets.
        List<int[]> shapes = new ArrayList<>(AlbertForPreTraining.shapesOnly(AlbertConfig.preset("base"))
                .parameterShapes().values());
        long[] bytes = shapes.stream().mapToLong(shape -> Tensor.numelOf(shape) * DType.F32.byteSize()).toArray();
        assertEquals(11_813_810, java.util.Arrays.stream(bytes).sum() / 4, "ALBERT-base's parameters (floats)");
        List<List<Integer>> buckets = GradientAllReduce.buckets(bytes, GradientAllReduce.DEFAULT_BUCKET_BYTES);
        assertEquals(shapes.size(), buckets.stream().mapToInt(List::size).sum(), "every tensor once");
        assertEquals(BASE_BUCKETS, buckets.size(), buckets.toString());
    }

    /** The word embeddings and the two FFN matrices alone, the 29 other tensors (2.4M floats) in one bucket. */
    private static final int BASE_BUCKETS = 4;
}
