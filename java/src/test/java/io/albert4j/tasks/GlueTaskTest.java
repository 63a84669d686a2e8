package io.albert4j.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.train.Finetuner;
import io.albert4j.train.FinetuningOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GLUE folders end to end: presets, MNLI's two dev sets, STS-B regression, and a classifier shared by threads. */
class GlueTaskTest {
    @TempDir
    Path dir;

    @Test
    void presetsFollowRunGlue() {
        TaskPreset mnli = TaskPreset.named("MNLI");
        assertEquals(128, mnli.batchSize());
        assertEquals(3e-5, mnli.learningRate());
        assertEquals(10000, mnli.trainSteps());
        assertEquals(1000, mnli.warmupSteps());
        assertEquals(512, mnli.maxSeqLength());
        assertEquals(GlueTask.STSB, TaskPreset.named("sts_b").glue());
        assertEquals(3, TaskPreset.named("wnli").epochs());
        assertEquals(List.of("mcc", "accuracy"), GlueTask.COLA.metrics());
    }

    private static String mnliRows(int n, long seed) {
        StringBuilder b = new StringBuilder("index\tpromptID\tpairID\tgenre\ts1p\ts2p\ts1b\ts2b\tsentence1\tsentence2\t"
                + "label1\tgold_label\n");
        java.util.Random r = new java.util.Random(seed);
        String[] labels = {"contradiction", "entailment", "neutral"};
        for (int i = 0; i < n; i++) {
            int l = r.nextInt(3);
            String hypothesis = switch (l) {
                case 0 -> "the nation will never meet";
                case 1 -> "the nation will meet";
                default -> "the budget may grow";
            };
            b.append(i).append("\t0\t0\tgov\t-\t-\t-\t-\tthe congress of the nation will meet today\t")
                    .append(hypothesis).append('\t').append(labels[l]).append('\t').append(labels[l]).append('\n');
        }
        return b.toString();
    }

    @Test
    void mnliScoresMatchedAndMismatchedAndTheClassifierIsThreadSafe() throws Exception {
        Path pretrained = FinetuningRunTest.tinyPretrained(dir);
        Path data = Files.createDirectories(dir.resolve("MNLI"));
        Files.writeString(data.resolve("train.tsv"), mnliRows(96, 1));
        Files.writeString(data.resolve("dev_matched.tsv"), mnliRows(30, 2));
        Files.writeString(data.resolve("dev_mismatched.tsv"), mnliRows(30, 3));
        TaskPreset preset = TaskPreset.named("mnli");
        TaskFiles files = TaskFiles.resolve(preset, data, null, null);
        assertEquals(2, files.dev().size());
        FinetuningOptions options = FinetuningOptions.defaults().withLearningRate(3e-3).withBatch(16, 16)
                .withLength(0, 36).withWarmup(0.1, -1).withEvaluation(12, 12);
        try (var task = Tasks.forTraining(preset, files, TaskSettings.defaults(24), pretrained, 5)) {
            Finetuner.Result r = new Finetuner(task, options, dir.resolve("run"), pretrained.resolve("spiece.model"))
                    .showProgress(false).logTo(new PrintStream(new ByteArrayOutputStream())).run();
            assertTrue(r.best().metrics().containsKey("accuracy_mismatched"), r.best().metrics().toString());
            assertTrue(r.best().primary() > 0.6, r.best().metrics().toString());
        }
        try (TextClassifier classifier = TextClassifier.load(dir.resolve("run"))) {
            List<String> premises = new ArrayList<>();
            List<String> hypotheses = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                premises.add("the congress of the nation will meet today");
                hypotheses.add(i % 2 == 0 ? "the nation will never meet" : "the budget may grow");
            }
            List<TextClassifier.Prediction> alone = classifier.predictPairs(premises, hypotheses);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<List<TextClassifier.Prediction>>> futures = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    futures.add(pool.submit(() -> classifier.predictPairs(premises, hypotheses)));
                }
                for (Future<List<TextClassifier.Prediction>> f : futures) {
                    List<TextClassifier.Prediction> got = f.get();
                    for (int i = 0; i < alone.size(); i++) {
                        assertEquals(alone.get(i).label(), got.get(i).label());
                        assertEquals(alone.get(i).scores().get("neutral"), got.get(i).scores().get("neutral"), 1e-6);
                    }
                }
            } finally {
                pool.shutdown();
            }
        }
        // albert eval's path: the saved model scored on GLUE files with the task's reader and metrics.
        var evaluation = Tasks.evaluate(dir.resolve("run"), List.of(data.resolve("dev_matched.tsv")));
        assertTrue(evaluation.metrics().containsKey("accuracy"));
    }

    @Test
    void stsbIsRegressionWithCorrelations() throws Exception {
        Path pretrained = FinetuningRunTest.tinyPretrained(dir);
        StringBuilder rows = new StringBuilder("index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\t"
                + "sentence2\tscore\n");
        for (int i = 0; i < 40; i++) {
            boolean same = i % 2 == 0;
            rows.append(i).append("\tmain\tf\t2012\t0\ts\ts\tthe nation will meet\t")
                    .append(same ? "the nation will meet" : "a budget report").append('\t')
                    .append(same ? "4.8" : "0.4").append('\n');
        }
        Path data = Files.createDirectories(dir.resolve("STS-B"));
        Files.writeString(data.resolve("train.tsv"), rows);
        Files.writeString(data.resolve("dev.tsv"), rows);
        FinetuningOptions options = FinetuningOptions.defaults().withLearningRate(3e-3).withBatch(8, 8)
                .withLength(0, 20).withEvaluation(0, 10);
        try (var task = Tasks.forTraining(TaskPreset.named("sts-b"), TaskFiles.resolve(TaskPreset.named("sts-b"),
                data, null, null), TaskSettings.defaults(16), pretrained, 5)) {
            Finetuner.Result r = new Finetuner(task, options, dir.resolve("sts"), pretrained.resolve("spiece.model"))
                    .showProgress(false).logTo(new PrintStream(new ByteArrayOutputStream())).run();
            assertEquals(List.of("pearson", "spearman"), List.copyOf(r.last().metrics().keySet()));
            assertTrue(r.best().primary() > 0.9, r.best().metrics().toString());
        }
    }
}
