package io.albert4j.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.albert.AlbertConfig;
import io.albert4j.albert.AlbertForPreTraining;
import io.albert4j.albert.AlbertInputs;
import io.albert4j.backend.Backends;
import io.albert4j.ops.Step;
import io.albert4j.tensor.StepArena;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GradientAllReduceTest {
    /** Two ranks holding the same values: a sum doubles every element, which shows each one was reduced once. */
    private static final class TwoEqualRanks implements Communicator {
        int calls;
        final java.util.Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();

        @Override public int rank() { return 0; }
        @Override public int size() { return 2; }
        @Override public synchronized void allReduceSum(Tensor values) {
            calls++;
            threads.add(Thread.currentThread().getName());
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
            // Tensors of half a bucket or more alone, the runs between them packed: [3], [5000], [7, 1], [20000],
            // [2, 2].
            assertEquals(5, reduce.bucketCount());
            reduce.run();
            assertEquals(5, ranks.calls);
        }
        for (int t = 0; t < sizes.length; t++) {
            assertArrayEquals(expected.get(t), gradients.get(t).toFloatArray(), "tensor " + t);
            gradients.get(t).close();
        }
    }

    @Test
    void albertBaseTakesAFewLargeCalls() {
        // Shapes only: no memory for ALBERT-base's 12M parameters is needed to plan its buckets.
        List<String> names = new ArrayList<>(AlbertForPreTraining.shapesOnly(AlbertConfig.preset("base"))
                .parameterShapes().keySet()).reversed();
        List<int[]> shapes = new ArrayList<>(AlbertForPreTraining.shapesOnly(AlbertConfig.preset("base"))
                .parameterShapes().values()).reversed();  // the Pretrainer's order: about the backward's
        long[] bytes = shapes.stream().mapToLong(shape -> Tensor.numelOf(shape) * DType.F32.byteSize()).toArray();
        assertEquals(11_813_810, java.util.Arrays.stream(bytes).sum() / 4, "ALBERT-base's parameters (floats)");
        List<List<Integer>> buckets = GradientAllReduce.buckets(bytes, GradientAllReduce.FIRST_BUCKET_BYTES,
                GradientAllReduce.DEFAULT_BUCKET_BYTES);
        assertEquals(shapes.size(), buckets.stream().mapToInt(List::size).sum(), "every tensor once");
        List<List<String>> named = buckets.stream().map(b -> b.stream().map(names::get).toList()).toList();
        assertEquals(BASE_BUCKETS, buckets.size(), named.toString());
        assertTrue(named.getFirst().stream().allMatch(n -> n.startsWith("sop_classifier")
                || n.startsWith("predictions") || n.startsWith("albert.pooler")),
                "the heads, complete first, go first: " + named.getFirst());
        assertEquals(List.of("albert.embeddings.word_embeddings.weight"), named.getLast(), "the last to be complete");
    }

    /**
     * The SOP and MLM heads (first bucket), the pooler and the FFN matrices alone, the word embeddings alone, and
     * the rest in runs between them.
     */
    private static final int BASE_BUCKETS = 8;

    /**
     * Buckets reduced during the backward pass, as the tape completes their gradients, sum to bitwise what the
     * reduction after the backward gives: a bucket sent before its last contribution would miss the doubling for
     * that contribution. Also with activation recomputation, whose replayed layers accumulate into the shared
     * block's gradients from inside one tape node.
     */
    @Test
    void overlappedBucketsAreBitwiseTheSumsAfterTheBackward() {
        for (boolean recompute : new boolean[] {false, true}) {
            Reduced after = trainStepReducedBy(false, recompute);
            Reduced during = trainStepReducedBy(true, recompute);
            assertEquals(after.grads.keySet(), during.grads.keySet());
            for (String name : after.grads.keySet()) {
                assertArrayEquals(after.grads.get(name), during.grads.get(name), name + ", recompute " + recompute);
            }
            assertEquals(Set.of("albert4j-gradient-allreduce"), during.threads, "reduced on the communication thread");
            assertEquals(during.buckets, during.launchedEarly, "every bucket goes out from the tape");
            assertTrue(during.launchedWithHalfLeft > 0, "buckets went out while more than half of the parameters' "
                    + "gradients were still to come");
            assertEquals(0, after.launchedEarly);
            assertEquals(during.buckets, during.calls);
        }
    }

    /** The parameters in the order the tape completes them: the heads' first, the word embeddings' last. */
    @Test
    void theTapeReportsEachParameterOnceWhenItsGradientIsComplete() {
        try (AlbertForPreTraining model = AlbertForPreTraining.create(TINY, 3);
             StepArena arena = new StepArena(Backends.cpu(), 8 << 20)) {
            model.train();
            model.enableGradients();
            Map<Tensor, String> names = new IdentityHashMap<>();
            model.namedParameters().forEach((name, t) -> names.put(t, name));
            List<String> order = new ArrayList<>();
            try (Step step = Step.training(Backends.cpu(), arena)) {
                var out = model.forwardAtMaskedPositions(inputs(), 7L);
                step.tape().onGradientFinal(t -> order.add(names.get(t)));
                step.tape().backward(out.loss());
            }
            assertEquals(model.namedParameters().size(), order.size(), order.toString());
            assertEquals(Set.copyOf(model.namedParameters().keySet()), Set.copyOf(order), "each once");
            assertTrue(order.getFirst().startsWith("sop_classifier"), order.toString());
            // The embeddings (the word embeddings tied to the MLM decoder too) come last, after the shared block.
            int lastEncoder = 0;
            for (int i = 0; i < order.size(); i++) {
                if (order.get(i).startsWith("albert.encoder.")) {
                    lastEncoder = i;
                }
            }
            assertTrue(order.indexOf("albert.embeddings.word_embeddings.weight") > lastEncoder, order.toString());
            assertTrue(order.subList(lastEncoder + 1, order.size()).stream()
                    .allMatch(n -> n.startsWith("albert.embeddings.")), order.toString());
        }
    }

    private static final AlbertConfig TINY = AlbertConfig.builder().vocabSize(60).embeddingSize(8).hiddenSize(16)
            .numHiddenLayers(3).numAttentionHeads(2).intermediateSize(24).maxPositionEmbeddings(16).build();

    private record Reduced(Map<String, float[]> grads, Set<String> threads, double launchedEarly, int buckets,
                           int calls, int launchedWithHalfLeft) {
    }

    private static AlbertInputs inputs() {
        SplittableRandom random = new SplittableRandom(9);
        int b = 3;
        int s = 10;
        int[] ids = random.ints(b * s, 5, 60).toArray();
        int[] labels = new int[b * s];
        for (int i = 0; i < b * s; i++) {
            labels[i] = i % 3 == 1 ? ids[(i + 5) % (b * s)] : AlbertInputs.IGNORE_INDEX;
        }
        int[] positions = IntStream.range(0, labels.length).filter(i -> labels[i] != AlbertInputs.IGNORE_INDEX)
                .toArray();
        return AlbertInputs.copyOf(b, s, ids, null, new int[b * s], labels, new int[] {0, 1, 1})
                .withMaskedPositions(positions, IntStream.of(positions).map(i -> labels[i]).toArray());
    }

    /** One training step's gradients, summed over two equal "ranks" with or without overlap. */
    private static Reduced trainStepReducedBy(boolean overlap, boolean recompute) {
        try (AlbertForPreTraining model = AlbertForPreTraining.create(TINY, 3);
             StepArena arena = new StepArena(Backends.cpu(), 8 << 20)) {
            model.train();
            model.enableGradients();
            model.setActivationRecomputation(recompute);
            List<Tensor> grads = new ArrayList<>();
            model.namedParameters().values().forEach(t -> grads.add(t.grad()));
            TwoEqualRanks ranks = new TwoEqualRanks();
            int[] launchedWithHalfLeft = {0};
            // Small buckets (1 KiB, the first 256 B): many calls, launched at many points of the backward.
            try (GradientAllReduce reduce = new GradientAllReduce(ranks, grads.reversed(), 1 << 10, overlap)) {
                try (Step step = Step.training(Backends.cpu(), arena)) {
                    var out = model.forwardAtMaskedPositions(inputs(), 7L);
                    reduce.start();
                    int[] reported = {0};
                    step.tape().onGradientFinal(t -> {
                        reduce.gradientFinal(t);
                        if (++reported[0] == grads.size() / 2) {
                            launchedWithHalfLeft[0] = reduce.launched();
                        }
                    });
                    step.tape().backward(out.loss());
                }
                reduce.finish();
                Map<String, float[]> summed = new LinkedHashMap<>();
                model.gradients().forEach((name, g) -> summed.put(name, g.toFloatArray()));
                return new Reduced(summed, ranks.threads, reduce.meanBucketsLaunchedEarly(), reduce.bucketCount(),
                        ranks.calls, launchedWithHalfLeft[0]);
            } finally {
                model.setActivationRecomputation(false);
            }
        }
    }
}
