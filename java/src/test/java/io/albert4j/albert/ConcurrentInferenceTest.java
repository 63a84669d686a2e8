package io.albert4j.albert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * One model, eight threads: their outputs are the sequential ones bit for bit, and a close() in the middle of their
 * calls waits for the running ones, fails the rest with "is closed" and leaves the model closed, never half-open.
 */
class ConcurrentInferenceTest {
    private static final int THREADS = 8;
    private static final AlbertConfig CONFIG = AlbertModelTest.TINY.toBuilder().vocabSize(300).embeddingSize(16)
            .hiddenSize(32).intermediateSize(64).maxPositionEmbeddings(32).build();

    /** Batch {@code k} of a few different ones: lengths and ids differ, so a mixed-up arena shows. */
    private static int[][] ids(int k) {
        int rows = 1 + k % 3;
        int seq = 8 + 3 * k;
        int[][] ids = new int[rows][seq];
        for (int r = 0; r < rows; r++) {
            for (int s = 0; s < seq; s++) {
                ids[r][s] = (7 * k + 13 * r + 5 * s) % CONFIG.vocabSize();
            }
        }
        return ids;
    }

    private static float[] outputs(AlbertForPreTraining model, int k) {
        AlbertForPreTraining.Prediction p = model.predict(ids(k), null, null);
        float[] logits = p.predictionLogits().values();
        float[] sop = p.sopLogits().values();
        float[] all = java.util.Arrays.copyOf(logits, logits.length + sop.length);
        System.arraycopy(sop, 0, all, logits.length, sop.length);
        return all;
    }

    @Test
    void eightThreadsGiveTheSequentialOutputsBitwise() throws Exception {
        int batches = 6;
        try (AlbertForPreTraining model = AlbertForPreTraining.create(CONFIG, 11)) {
            List<float[]> sequential = new ArrayList<>();
            for (int k = 0; k < batches; k++) {
                sequential.add(outputs(model, k));
            }
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int thread = t;
                    done.add(pool.submit(() -> {
                        for (int round = 0; round < 4; round++) {
                            for (int i = 0; i < batches; i++) {
                                int k = (i + thread) % batches;  // every thread in its own order
                                assertArrayEquals(sequential.get(k), outputs(model, k),
                                        "thread " + thread + ", batch " + k);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void closeWhileEightThreadsPredictWaitsThenFailsTheRestClearly() throws Exception {
        int trials = 30;
        int closedWithCallsRunning = 0;
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            float[] expected;
            try (AlbertForPreTraining reference = AlbertForPreTraining.create(CONFIG, 3)) {
                expected = outputs(reference, 2);
            }
            for (int trial = 0; trial < trials; trial++) {
                AlbertForPreTraining model = AlbertForPreTraining.create(CONFIG, 3);
                CountDownLatch everyThreadAnswered = new CountDownLatch(THREADS);
                Map<String, Integer> endings = new ConcurrentHashMap<>();
                AtomicInteger wrong = new AtomicInteger();
                List<Future<?>> threads = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    threads.add(pool.submit(() -> {
                        boolean first = true;
                        while (true) {
                            float[] got;
                            try {
                                got = outputs(model, 2);
                            } catch (IllegalStateException e) {
                                endings.merge(e.getMessage(), 1, Integer::sum);
                                if (first) {
                                    everyThreadAnswered.countDown();
                                }
                                return null;
                            } catch (Throwable e) {
                                endings.merge(e.getClass().getSimpleName() + ": " + e.getMessage(), 1, Integer::sum);
                                if (first) {
                                    everyThreadAnswered.countDown();
                                }
                                return null;
                            }
                            if (!java.util.Arrays.equals(expected, got)) {
                                wrong.incrementAndGet();
                            }
                            if (first) {
                                everyThreadAnswered.countDown();
                                first = false;
                            }
                        }
                    }));
                }
                assertTrue(everyThreadAnswered.await(60, TimeUnit.SECONDS));
                if (model.inferenceCalls().running() > 0) {
                    closedWithCallsRunning++;
                }
                model.close();  // must not throw, whatever the threads are doing
                for (Future<?> f : threads) {
                    f.get(60, TimeUnit.SECONDS);
                }
                assertEquals(Map.of("AlbertForPreTraining is closed", THREADS), endings, "trial " + trial);
                assertEquals(0, wrong.get(), "trial " + trial + ": an answer differed from the sequential one");
                assertEquals(0, model.inferenceCalls().running());
                IllegalStateException after = assertThrows(IllegalStateException.class, () -> outputs(model, 2));
                assertEquals("AlbertForPreTraining is closed", after.getMessage());
                assertThrows(IllegalStateException.class, model::namedParameters);
                assertThrows(IllegalStateException.class, model::backend);
                model.close();  // a second close is a no-op
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(closedWithCallsRunning > 0, "no trial closed the model while calls ran: the test proved nothing");
    }

    @Test
    void closeDuringAForwardInTheCallersOwnStepLeavesNoHalfOpenModel() throws Exception {
        // Steps a caller opens itself (training loops) are not counted by the gate; the parameter memory's close
        // waits for the kernel that holds it, and the caller's next op fails on the closed model.
        for (int trial = 0; trial < 10; trial++) {
            AlbertForPreTraining model = AlbertForPreTraining.create(CONFIG, 5);
            CountDownLatch forwarded = new CountDownLatch(1);
            Ending ending = new Ending();
            Thread caller = new Thread(() -> {
                try (io.albert4j.tensor.StepArena arena = new io.albert4j.tensor.StepArena(
                        io.albert4j.backend.Backends.cpu(), 1 << 20)) {
                    while (true) {
                        try (io.albert4j.ops.Step step = io.albert4j.ops.Step.inference(
                                io.albert4j.backend.Backends.cpu(), arena)) {
                            model.forward(AlbertInputs.copyOf(ids(3), null, null), 0L).predictionLogits()
                                    .toFloatArray();
                        }
                        forwarded.countDown();
                    }
                } catch (Throwable e) {
                    ending.value = e;
                }
            });
            caller.start();
            assertTrue(forwarded.await(60, TimeUnit.SECONDS));
            model.close();
            caller.join(60_000);
            assertTrue(ending.value instanceof IllegalStateException, "trial " + trial + ": " + ending.value);
            assertEquals("AlbertForPreTraining is closed",
                    assertThrows(IllegalStateException.class, model::backend).getMessage());
            model.close();
        }
    }

    private static final class Ending {
        volatile Throwable value;
    }
}
