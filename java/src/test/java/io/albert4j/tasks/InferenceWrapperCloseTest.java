package io.albert4j.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.albert.AlbertConfig;
import io.albert4j.albert.AlbertForQuestionAnswering;
import io.albert4j.albert.AlbertForSequenceClassification;
import io.albert4j.testing.TestResources;
import io.albert4j.tokenizer.AlbertTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The public inference objects, closed while eight threads call them: every call returns all its answers (equal to
 * the sequential ones) or fails with "X is closed"; afterwards the wrapper and the model it owns are closed.
 */
class InferenceWrapperCloseTest {
    private static final int THREADS = 8;
    private static final AlbertConfig CONFIG = AlbertConfig.builder().vocabSize(8000).embeddingSize(16)
            .hiddenSize(32).numHiddenLayers(2).numAttentionHeads(2).intermediateSize(64).maxPositionEmbeddings(64)
            .build();

    private static AlbertTokenizer tokenizer() throws Exception {
        return AlbertTokenizer.load(TestResources.file("/tokenizer/sotu8k.model"));
    }

    /** Runs {@code call} on eight threads until it fails, closes {@code target} once all answered; the endings. */
    private static <R> Map<String, Integer> closeUnderLoad(AutoCloseable target, java.util.concurrent.Callable<R> call,
                                                           R expected) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        Map<String, Integer> endings = new ConcurrentHashMap<>();
        try {
            CountDownLatch answered = new CountDownLatch(THREADS);
            List<Future<?>> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                threads.add(pool.submit(() -> {
                    boolean first = true;
                    while (true) {
                        try {
                            R got = call.call();
                            if (!expected.equals(got)) {
                                endings.merge("a different answer", 1, Integer::sum);
                            }
                        } catch (Throwable e) {
                            endings.merge(e.getClass().getSimpleName() + ": " + e.getMessage(), 1, Integer::sum);
                            if (first) {
                                answered.countDown();
                            }
                            return null;
                        }
                        if (first) {
                            answered.countDown();
                            first = false;
                        }
                    }
                }));
            }
            assertTrue(answered.await(60, TimeUnit.SECONDS));
            target.close();
            for (Future<?> f : threads) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        return endings;
    }

    @Test
    void textClassifierClosedUnderLoad() throws Exception {
        ClassificationSpec spec = new ClassificationSpec("text", ClassificationSpec.SINGLE_LABEL, List.of("no", "yes"),
                32, null, List.of("accuracy"));
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 70; i++) {  // three batches: a close lands between them too
            texts.add("the congress of the nation will meet " + i + " times");
        }
        AlbertTokenizer tokenizer = tokenizer();
        for (int trial = 0; trial < 5; trial++) {
            AlbertForSequenceClassification model = AlbertForSequenceClassification.create(
                    CONFIG.toBuilder().numLabels(2).build(), 4);
            TextClassifier classifier = new TextClassifier(model, tokenizer, spec, true);
            List<Map<String, Double>> expected = classifier.predict(texts).stream()
                    .map(TextClassifier.Prediction::scores).toList();
            Map<String, Integer> endings = closeUnderLoad(classifier,
                    () -> classifier.predict(texts).stream().map(TextClassifier.Prediction::scores).toList(), expected);
            assertEquals(Map.of("IllegalStateException: TextClassifier is closed", THREADS), endings,
                    "trial " + trial);
            assertEquals("TextClassifier is closed",
                    assertThrows(IllegalStateException.class, () -> classifier.predict(List.of("x"))).getMessage());
            assertEquals("AlbertForSequenceClassification is closed", assertThrows(IllegalStateException.class,
                    () -> model.predict(new int[][] {{2, 3}}, null, null)).getMessage(), "the owned model is freed");
            classifier.close();
        }
    }

    @Test
    void aClassifierThatDoesNotOwnItsModelLeavesItOpen() throws Exception {
        ClassificationSpec spec = new ClassificationSpec("text", ClassificationSpec.SINGLE_LABEL, List.of("no", "yes"),
                32, null, List.of("accuracy"));
        try (AlbertForSequenceClassification model = AlbertForSequenceClassification.create(
                CONFIG.toBuilder().numLabels(2).build(), 4)) {
            TextClassifier classifier = new TextClassifier(model, tokenizer(), spec, false);
            classifier.close();
            assertThrows(IllegalStateException.class, () -> classifier.predict(List.of("x")));
            assertEquals(2, model.predict(new int[][] {{2, 3}}, null, null).shape()[1]);
        }
    }

    @Test
    void questionAnswererClosedUnderLoad() throws Exception {
        SquadSpec spec = new SquadSpec(false, 48, 16, 12, 5, 10, 0, false);
        StringBuilder context = new StringBuilder();
        for (int i = 0; i < 40; i++) {  // several windows
            context.append("The Congress shall meet at least once in every year ").append(i).append(". ");
        }
        AlbertForQuestionAnswering model = AlbertForQuestionAnswering.create(CONFIG, 6);
        QuestionAnswerer qa = new QuestionAnswerer(model, tokenizer(), spec, true);
        String text = context.toString();
        SpanDecoder.Answer expected = qa.answer("Who shall meet?", text);
        Map<String, Integer> endings = closeUnderLoad(qa, () -> qa.answer("Who shall meet?", text), expected);
        assertEquals(Map.of("IllegalStateException: QuestionAnswerer is closed", THREADS), endings);
        assertThrows(IllegalStateException.class, () -> qa.answer("Who?", "Nobody."));
        assertThrows(IllegalStateException.class, () -> model.predict(new int[][] {{2, 3}}, null, null));
    }
}
