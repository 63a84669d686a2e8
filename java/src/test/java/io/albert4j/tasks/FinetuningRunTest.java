package io.albert4j.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.albert.AlbertConfig;
import io.albert4j.albert.AlbertForPreTraining;
import io.albert4j.io.ForeignFilesException;
import io.albert4j.testing.TestResources;
import io.albert4j.train.Finetuner;
import io.albert4j.train.FinetuningOptions;
import io.albert4j.train.MetricsLog;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Finetuner from Java: accumulation is the same update, the best checkpoint is what model/ holds. */
class FinetuningRunTest {
    @TempDir
    Path dir;

    static Path tinyPretrained(Path dir) {
        Path pretrained = dir.resolve("pretrained");
        AlbertConfig config = AlbertConfig.builder().vocabSize(8000).embeddingSize(16).hiddenSize(32)
                .numHiddenLayers(2).numAttentionHeads(2).intermediateSize(64).maxPositionEmbeddings(64)
                .hiddenDropoutProb(0f).attentionProbsDropoutProb(0f).classifierDropoutProb(0f).build();
        try (AlbertForPreTraining model = AlbertForPreTraining.create(config, 1)) {
            model.save(pretrained, TestResources.file("/tokenizer/sotu8k.model"));
        }
        return pretrained;
    }

    private static List<TextExample> examples(long seed, int n) {
        Random random = new Random(seed);
        List<TextExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean positive = random.nextBoolean();
            out.add(new TextExample("e" + i, "the nation " + (positive ? "will prosper" : "must wait") + " today",
                    null, List.of(positive ? "yes" : "no"), "example " + i));
        }
        return out;
    }

    private Finetuner.Result run(Path pretrained, String name, int batch, int micro, int evalEvery) throws Exception {
        ClassificationSpec spec = new ClassificationSpec("text", ClassificationSpec.SINGLE_LABEL, List.of("no", "yes"),
                32, null, List.of("accuracy"));
        FinetuningOptions options = FinetuningOptions.defaults().withLearningRate(2e-3).withBatch(batch, micro)
                .withLength(0, 12).withEvaluation(evalEvery, 4);
        try (ClassificationTask task = ClassificationTask.forTraining(spec, pretrained, examples(1, 48),
                List.of(new EvalSet<>("dev", examples(2, 24))), 7)) {
            return new Finetuner(task, options, dir.resolve(name), pretrained.resolve("spiece.model")).showProgress(false)
                    .logTo(new PrintStream(new ByteArrayOutputStream())).run();
        }
    }

    @Test
    void microBatchesGiveTheSameUpdatesAsOneBatch() throws Exception {
        Path pretrained = tinyPretrained(dir);
        Finetuner.Result whole = run(pretrained, "whole", 8, 8, 0);
        Finetuner.Result accumulated = run(pretrained, "micro", 8, 2, 0);
        assertEquals(12, whole.stepLosses().length);
        for (int i = 0; i < whole.stepLosses().length; i++) {
            assertEquals(whole.stepLosses()[i], accumulated.stepLosses()[i], 2e-4, "step " + i);
        }
    }

    @Test
    void theBestEvaluationIsTheSavedCheckpoint() throws Exception {
        Path pretrained = tinyPretrained(dir);
        Finetuner.Result r = run(pretrained, "best", 8, 8, 3);
        List<MetricsLog.Line> evals = MetricsLog.readLines(dir.resolve("best")).stream()
                .filter(MetricsLog.Line::isEval).toList();
        assertEquals(List.of(3L, 6L, 9L, 12L), evals.stream().map(MetricsLog.Line::step).toList());
        double best = evals.stream().mapToDouble(l -> l.values().get("accuracy")).max().orElseThrow();
        assertEquals(best, r.best().primary());
        long firstBest = evals.stream().filter(l -> l.values().get("accuracy") == best).findFirst().orElseThrow()
                .step();
        assertEquals(firstBest, r.bestStep());
        assertTrue(Files.readString(dir.resolve("best/eval_results.json")).contains("\"step\" : " + firstBest));
        // The saved model scores what the run reported for that step, loaded as a user would.
        try (TextClassifier classifier = TextClassifier.load(dir.resolve("best"))) {
            var evaluation = ClassificationTask.evaluate(classifier, List.of(new EvalSet<>("dev", examples(2, 24))));
            assertEquals(best, evaluation.primary(), 1e-9);
        }
        // A second run into the same folder is refused; --overwrite's Java form replaces it.
        assertThrows(IllegalArgumentException.class, () -> run(pretrained, "best", 8, 8, 3));
        Files.writeString(dir.resolve("mine.txt"), "x");
        assertThrows(ForeignFilesException.class, () -> Finetuner.checkRunDirectory(dir, Finetuner.RUN_FILES, false));
    }
}
