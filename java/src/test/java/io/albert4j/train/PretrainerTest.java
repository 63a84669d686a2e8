package io.albert4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.albert4j.albert.AlbertConfig;
import io.albert4j.albert.AlbertForPreTraining;
import io.albert4j.data.CorpusFormat;
import io.albert4j.data.DocumentSource;
import io.albert4j.io.AtomicFiles;
import io.albert4j.io.ForeignFilesException;
import io.albert4j.io.HfModelDirectory;
import io.albert4j.tensor.Tensor;
import io.albert4j.testing.KilledJvm;
import io.albert4j.tokenizer.AlbertTokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PretrainerTest {
    @TempDir
    static Path shared;
    static AlbertTokenizer tokenizer;
    static Path tokenizerFile;
    static Path trainFile;
    static Path evalFile;
    static DocumentSource trainCorpus;
    static HeldOutEvaluation heldOut;

    @BeforeAll
    static void corpus() throws Exception {
        load(SyntheticCorpus.write(shared.resolve("train"), 1, 300), SyntheticCorpus.write(shared.resolve("eval"), 2, 40));
    }

    private static void load(Path train, Path eval) throws IOException {
        trainFile = train;
        evalFile = eval;
        tokenizerFile = io.albert4j.testing.TestResources.file("/tokenizer/sotu8k.model");
        tokenizer = AlbertTokenizer.load(tokenizerFile);
        trainCorpus = DocumentSource.text(List.of(train), CorpusFormat.SENTENCE_PER_LINE, tokenizer);
        heldOut = HeldOutEvaluation.collect(DocumentSource.text(List.of(eval), CorpusFormat.SENTENCE_PER_LINE,
                tokenizer), options(1).dataConfig(), 12);
    }

    static AlbertConfig tinyConfig() {
        return AlbertConfig.builder().vocabSize(tokenizer.vocabSize()).embeddingSize(16).hiddenSize(32)
                .numHiddenLayers(2).numAttentionHeads(2).intermediateSize(64).maxPositionEmbeddings(64)
                .hiddenDropoutProb(0.1f).attentionProbsDropoutProb(0.1f).build();
    }

    static PretrainingOptions options(long steps) {
        return PretrainingOptions.defaults().toBuilder().maxSeqLength(32).maxPredictionsPerSeq(5)
                .trainBatchSize(8).microBatchSize(4).numTrainSteps(steps).numWarmupSteps(Math.min(3, steps))
                .learningRate(0.02).logEverySteps(5).evalEverySteps(0).saveCheckpointsSteps(6).keepCheckpointMax(2)
                .seed(7).build();
    }

    private static Pretrainer trainer(AlbertForPreTraining model, PretrainingOptions options, Path dir) {
        return new Pretrainer(model, options, trainCorpus, heldOut, dir, tokenizerFile).showProgress(false)
                .logTo(new PrintStream(new ByteArrayOutputStream()));
    }

    @Test
    void lossFallsAndTheRunLeavesMetricsCheckpointsAndAModel(@TempDir Path dir) throws IOException {
        PretrainingOptions options = options(60);
        Pretrainer.Result result;
        try (AlbertForPreTraining model = AlbertForPreTraining.create(tinyConfig(), 3)) {
            result = trainer(model, options, dir).run(false);
        }
        double[] losses = result.stepLosses();
        assertEquals(60, losses.length);
        double first = (losses[0] + losses[1] + losses[2]) / 3;
        double last = (losses[57] + losses[58] + losses[59]) / 3;
        // Starts near ln(8000) + ln(2) ≈ 9.7; the toy grammar has ~30 words, so 60 LAMB steps must cut it by 3 nats.
        assertTrue(first > 8.5, "initial loss " + first);
        assertTrue(last < first - 3.0, "loss fell only from " + first + " to " + last);
        System.out.printf("toy pretraining: loss %.3f -> %.3f, held-out MLM accuracy %.3f (copy-or-unigram %.3f), SOP %.3f%n",
                first, last, result.lastEval().mlmAccuracy(), heldOut.copyOrUnigramBaseline(),
                result.lastEval().sopAccuracy());
        // The held-out loss falls with the training loss (the same toy grammar): learning, not memorising.
        assertTrue(result.lastEval().loss() < first - 3.0, "held-out loss " + result.lastEval().loss());
        List<MetricsRecord> metrics = MetricsLog.read(dir);
        assertEquals(12, metrics.stream().filter(r -> !r.isEval()).count());
        assertEquals(1, metrics.stream().filter(MetricsRecord::isEval).count());
        assertEquals(List.of(54L, 60L), TrainingCheckpoints.completeCheckpoints(dir, false).stream()
                .map(TrainingCheckpoints.Checkpoint::step).toList());
        try (AlbertForPreTraining saved = AlbertForPreTraining.load(result.modelDir())) {
            assertEquals(tinyConfig().hiddenSize(), saved.config().hiddenSize());
        }
        assertTrue(Files.isRegularFile(result.modelDir().resolve("spiece.model")));
    }

    @Test
    void onAToyGrammarTheModelLearnsToUseContextForMaskedTokens(@TempDir Path dir) throws IOException {
        PretrainingOptions options = options(500).toBuilder().optimizer("adamw").learningRate(0.001)
                .numWarmupSteps(20).saveCheckpointsSteps(0).build();
        AlbertConfig noDropout = tinyConfig().toBuilder().hiddenDropoutProb(0f).attentionProbsDropoutProb(0f).build();
        PretrainingMetrics eval;
        try (AlbertForPreTraining model = AlbertForPreTraining.create(noDropout, 3)) {
            eval = trainer(model, options, dir).run(false).lastEval();
        }
        // At [MASK] inputs nothing can be copied: beating the best constant guess needs the neighbouring words.
        System.out.printf("toy grammar: held-out accuracy at [MASK] %.3f vs unigram %.3f%n",
                eval.maskedInputAccuracy(), heldOut.unigramBaselineAtMask());
        assertTrue(eval.maskedInputAccuracy() > heldOut.unigramBaselineAtMask() + 0.05,
                "accuracy at [MASK] " + eval.maskedInputAccuracy() + " vs unigram " + heldOut.unigramBaselineAtMask());
    }

    @Test
    void resumingGivesBitwiseTheLossesAndWeightsOfAnUninterruptedRun(@TempDir Path dir) throws IOException {
        PretrainingOptions options = options(12);
        double[] straight;
        Map<String, float[]> straightWeights;
        try (AlbertForPreTraining model = AlbertForPreTraining.create(tinyConfig(), 5)) {
            straight = trainer(model, options, dir.resolve("straight")).run(false).stepLosses();
            straightWeights = weights(model);
        }
        Path split = dir.resolve("split");
        try (AlbertForPreTraining model = AlbertForPreTraining.create(tinyConfig(), 5)) {
            Pretrainer.Result first = trainer(model, options, split).run(false, 7);
            assertEquals(7, first.finalStep());
        }
        // A write killed half-way: newer than the good checkpoint, but without the COMPLETE marker.
        Path torn = TrainingCheckpoints.directoryFor(split, 9);
        Files.createDirectories(torn);
        Files.write(torn.resolve("model.safetensors"), new byte[] {1, 2, 3});
        double[] resumed;
        try (AlbertForPreTraining model = AlbertForPreTraining.create(tinyConfig(), 99)) {
            Pretrainer.Result second = trainer(model, options, split).run(true);
            assertEquals(7, second.firstStep());
            resumed = second.stepLosses();
            Map<String, float[]> resumedWeights = weights(model);
            for (Map.Entry<String, float[]> e : straightWeights.entrySet()) {
                assertArrayEquals(e.getValue(), resumedWeights.get(e.getKey()), e.getKey());
            }
        }
        assertArrayEquals(Arrays.copyOfRange(straight, 7, 12), resumed,
                "losses after resuming differ from the uninterrupted run");
    }

    /** 12 steps, a checkpoint every 6 and a metrics line every 3, so a resumed run logs the same windows. */
    static PretrainingOptions killOptions() {
        return options(12).toBuilder().logEverySteps(3).saveCheckpointsSteps(6).build();
    }

    @Test
    void killsDuringACheckpointTheMetricsRewriteAndTheFinalSaveResumeToTheUninterruptedRun(@TempDir Path dir)
            throws Exception {
        Path straight = dir.resolve("straight");
        try (AlbertForPreTraining model = AlbertForPreTraining.create(tinyConfig(), 5)) {
            trainer(model, killOptions(), straight).run(false);
        }
        Path run = dir.resolve("killed");
        int killed = AtomicFiles.KILLED_EXIT_CODE;

        // 1. Killed while writing checkpoint-12: checkpoint-6 is the newest, its temporary directory stays.
        KilledJvm.run(RunInChild.class, "before-rename:checkpoint-12", killed, run.toString(), trainFile.toString(),
                evalFile.toString(), "false");
        assertEquals(List.of(6L), steps(run));
        assertTrue(names(run).stream().anyMatch(n -> n.startsWith(".checkpoint-12.tmp-")), names(run).toString());
        byte[] metricsAtKill = Files.readAllBytes(run.resolve(MetricsLog.FILE_NAME));

        // 2. Resumed from step 6 and killed while rewriting metrics.jsonl without steps 9 and 12: the old file
        // stands, and the leftover checkpoint directory was cleared at the start.
        KilledJvm.run(RunInChild.class, "before-rename:metrics.jsonl", killed, run.toString(), trainFile.toString(),
                evalFile.toString(), "true");
        assertArrayEquals(metricsAtKill, Files.readAllBytes(run.resolve(MetricsLog.FILE_NAME)));
        assertFalse(names(run).stream().anyMatch(n -> n.startsWith(".checkpoint-")), names(run).toString());

        // 3. Resumed again, trained to the end and killed while writing the final model: no model yet.
        KilledJvm.run(RunInChild.class, "before-rename:model", killed, run.toString(), trainFile.toString(),
                evalFile.toString(), "true");
        assertEquals(List.of(6L, 12L), steps(run));
        assertFalse(Files.exists(run.resolve(Pretrainer.MODEL_DIR)));
        assertTrue(names(run).stream().anyMatch(n -> n.startsWith(".model.tmp-")), names(run).toString());

        // 4. A last resume has nothing to train but writes the model from checkpoint-12.
        try (AlbertForPreTraining model = AlbertForPreTraining.create(tinyConfig(), 99)) {
            Pretrainer.Result result = trainer(model, killOptions(), run).run(true);
            assertEquals(12, result.firstStep());
            assertEquals(12, result.finalStep());
        }
        assertSameRun(straight, run);

        // A finished run whose model was deleted gets it back the same way.
        AtomicFiles.deleteRecursively(run.resolve(Pretrainer.MODEL_DIR));
        try (AlbertForPreTraining model = AlbertForPreTraining.create(tinyConfig(), 99)) {
            trainer(model, killOptions(), run).run(true);
        }
        assertSameRun(straight, run);
    }

    /** Bitwise the same model files, checkpoints and metrics (but for times and speeds), and no leftovers. */
    private static void assertSameRun(Path expected, Path actual) throws IOException {
        assertEquals(names(expected), names(actual));
        for (String file : List.of(HfModelDirectory.CONFIG_FILE, HfModelDirectory.WEIGHTS_FILE,
                HfModelDirectory.TOKENIZER_FILE)) {
            for (String dir : List.of(Pretrainer.MODEL_DIR, "checkpoint-12", "checkpoint-6")) {
                assertArrayEquals(Files.readAllBytes(expected.resolve(dir).resolve(file)),
                        Files.readAllBytes(actual.resolve(dir).resolve(file)), dir + "/" + file);
            }
        }
        assertEquals(metricsWithoutTimes(expected), metricsWithoutTimes(actual));
    }

    private static List<String> metricsWithoutTimes(Path run) throws IOException {
        return MetricsLog.read(run).stream().map(r -> r.split() + " " + r.step() + " " + r.loss() + " "
                + r.mlmAccuracy() + " " + r.sopAccuracy() + " " + r.lr() + " " + r.mlmAccuracyAtMask() + " "
                + r.mlmPerplexityAtMask()).toList();
    }

    private static List<Long> steps(Path run) throws IOException {
        return TrainingCheckpoints.completeCheckpoints(run, false).stream().map(TrainingCheckpoints.Checkpoint::step)
                .toList();
    }

    private static List<String> names(Path dir) throws IOException {
        try (var entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** {@code RunInChild RUN TRAIN_FILE EVAL_FILE RESUME}: the run of {@link #killOptions} in a JVM of its own. */
    static final class RunInChild {
        public static void main(String[] args) throws IOException {
            load(Path.of(args[1]), Path.of(args[2]));
            try (AlbertForPreTraining model = AlbertForPreTraining.create(tinyConfig(), 5)) {
                trainer(model, killOptions(), Path.of(args[0])).run(Boolean.parseBoolean(args[3]));
            }
        }
    }

    @Test
    void aFreshRunRefusesOtherFilesAndAnEarlierRunUnlessToldToOverwrite(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("notes.txt"), "precious\n");
        try (AlbertForPreTraining model = AlbertForPreTraining.create(tinyConfig(), 5)) {
            ForeignFilesException e = assertThrows(ForeignFilesException.class,
                    () -> trainer(model, options(2), dir).run(false));
            assertTrue(e.getMessage().contains("not part of a training run (notes.txt)"), e.getMessage());
            trainer(model, options(2), dir).overwrite(true).run(false);
        }
        assertEquals("precious\n", Files.readString(dir.resolve("notes.txt")));
        assertEquals(List.of(2L), steps(dir));
        Files.delete(dir.resolve("notes.txt"));
        try (AlbertForPreTraining model = AlbertForPreTraining.create(tinyConfig(), 5)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> trainer(model, options(2), dir).run(false));
            assertTrue(e.getMessage().contains("already holds a training run"), e.getMessage());
            // Starting over removes the earlier run's checkpoints and metrics; the model is replaced at the end.
            trainer(model, options(1), dir).overwrite(true).run(false);
        }
        assertEquals(List.of(1L), steps(dir));
        assertEquals(List.of(1L, 1L), MetricsLog.read(dir).stream().map(MetricsRecord::step).toList());
    }

    @Test
    void resumingWithDifferentSettingsIsRefusedByName(@TempDir Path dir) throws IOException {
        try (AlbertForPreTraining model = AlbertForPreTraining.create(tinyConfig(), 5)) {
            trainer(model, options(2), dir).run(false);
        }
        try (AlbertForPreTraining model = AlbertForPreTraining.create(tinyConfig(), 5)) {
            PretrainingOptions other = options(2).toBuilder().learningRate(0.5).build();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> trainer(model, other, dir).run(true));
            assertTrue(e.getMessage().contains("learningRate"), e.getMessage());
        }
    }

    /**
     * A simulated machine for a time budget: each read of the clock (a budgeted plan reads it once per step, and once
     * per checkpoint) is {@code secondsPerRead} later than the one before, twice that from read {@code slowFrom} on.
     */
    private static LongSupplier simulatedClock(long origin, double secondsPerRead, long slowFrom) {
        AtomicLong reads = new AtomicLong();
        return () -> {
            long n = reads.getAndIncrement();
            double seconds = secondsPerRead * (Math.min(n, slowFrom) + 2 * Math.max(0, n - slowFrom));
            return origin + Math.round(seconds * 1e9);
        };
    }

    private static JsonNode planOfCheckpoint(Path dir, long step) throws IOException {
        Path state = TrainingCheckpoints.directoryFor(dir, step).resolve(TrainingCheckpoints.TRAINER_STATE_FILE);
        return new ObjectMapper().readTree(state.toFile()).get("plan");
    }

    @Test
    void aTimeBudgetEndsOnTimeWithTheScheduleCompleteWhenTheMachineSlowsDown(@TempDir Path dir) throws IOException {
        // 60 s; the first plan of 150 steps assumes 0.4 s a step, but from the 75th on a step takes 0.8 s.
        PretrainingOptions options = options(150).toBuilder().timeBudgetSeconds(60).logEverySteps(1).build();
        Pretrainer.Result result;
        try (AlbertForPreTraining model = AlbertForPreTraining.create(tinyConfig(), 3)) {
            result = trainer(model, options, dir).clock(simulatedClock(0, 0.4, 75)).run(false);
        }
        double seconds = result.trainingTime().toNanos() / 1e9;
        System.out.printf("60 s budget on a machine that slows down: %d steps (first plan 150) in %.1f s%n",
                result.finalStep(), seconds);
        assertEquals(60, seconds, 0.05 * 60, "trained for " + seconds + " s of a 60 s budget");
        assertTrue(result.finalStep() < 0.85 * 150, result.finalStep() + " steps");
        List<MetricsRecord> train = MetricsLog.read(dir).stream().filter(r -> !r.isEval()).toList();
        assertEquals(result.finalStep(), train.getLast().step());
        // The schedule ran to its end: the last update's rate is one step's share of the decay.
        assertTrue(train.getLast().lr() > 0 && train.getLast().lr() < 2 * options.learningRate() / result.finalStep(),
                "last lr " + train.getLast().lr());
        assertTrue(Files.isRegularFile(result.modelDir().resolve("model.safetensors")), "the finished run saves");
        assertEquals(result.finalStep(), planOfCheckpoint(dir, result.finalStep()).get("planned_steps").asLong());
    }

    @Test
    void aResumedTimeBudgetSpendsWhatIsLeftOfIt(@TempDir Path dir) throws IOException {
        PretrainingOptions options = options(150).toBuilder().timeBudgetSeconds(60).build();
        try (AlbertForPreTraining model = AlbertForPreTraining.create(tinyConfig(), 5)) {
            assertEquals(60, trainer(model, options, dir).clock(simulatedClock(0, 0.4, Long.MAX_VALUE))
                    .run(false, 60).finalStep());
        }
        // 0.4 s a tick: one tick a step and one a checkpoint (every 6 steps).
        double usedAtCheckpoint = planOfCheckpoint(dir, 60).get("used_seconds").asDouble();
        assertEquals(0.4 * (60 + 10), usedAtCheckpoint, 0.8);
        Pretrainer.Result resumed;
        try (AlbertForPreTraining model = AlbertForPreTraining.create(tinyConfig(), 99)) {
            // Another process: its clock has another origin.
            resumed = trainer(model, options, dir).clock(simulatedClock(5_000_000_000_000L, 0.4, Long.MAX_VALUE))
                    .run(true);
        }
        assertEquals(60, resumed.firstStep());
        double seconds = resumed.trainingTime().toNanos() / 1e9;
        assertEquals(60, seconds, 0.05 * 60, "the two parts trained for " + seconds + " s of a 60 s budget");
        assertTrue(Files.isRegularFile(resumed.modelDir().resolve("model.safetensors")));
    }

    @Test
    void aNanLossStopsTheRunWithoutTouchingTheWeights(@TempDir Path dir) throws IOException {
        try (AlbertForPreTraining model = AlbertForPreTraining.create(tinyConfig(), 5)) {
            Tensor sop = model.namedParameters().get("sop_classifier.classifier.weight");
            sop.setFloat(0, Float.NaN);
            Map<String, float[]> before = weights(model);
            NonFiniteLossException e = assertThrows(NonFiniteLossException.class,
                    () -> trainer(model, options(3), dir).run(false));
            assertTrue(e.getMessage().contains("step 0") && e.getMessage().contains("NaN"), e.getMessage());
            Map<String, float[]> after = weights(model);
            for (String name : before.keySet()) {
                assertArrayEquals(before.get(name), after.get(name), name);
            }
            assertTrue(TrainingCheckpoints.completeCheckpoints(dir, false).isEmpty());
        }
    }

    @Test
    void nanStepsAreSkippedWhenAsked(@TempDir Path dir) throws IOException {
        try (AlbertForPreTraining model = AlbertForPreTraining.create(tinyConfig(), 5)) {
            model.namedParameters().get("sop_classifier.classifier.weight").setFloat(0, Float.NaN);
            PretrainingOptions skipping = options(3).toBuilder().skipNonFiniteSteps(true).build();
            Pretrainer.Result result = trainer(model, skipping, dir).run(false);
            assertEquals(3, result.skippedSteps());
            assertTrue(Arrays.stream(result.stepLosses()).allMatch(Double::isNaN));
            assertFalse(Float.isNaN(model.namedParameters().get("albert.pooler.weight").getFloat(0)));
        }
    }

    @Test
    void optionsRejectAMicroBatchThatDoesNotDivideTheBatch() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> options(2).toBuilder().trainBatchSize(10).microBatchSize(4).build());
        assertTrue(e.getMessage().contains("multiple of the micro-batch"), e.getMessage());
    }

    static Map<String, float[]> weights(AlbertForPreTraining model) {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        model.namedParameters().forEach((name, t) -> out.put(name, t.toFloatArray()));
        return out;
    }
}
