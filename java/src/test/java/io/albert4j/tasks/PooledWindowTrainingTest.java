package io.albert4j.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.backend.Backends;
import io.albert4j.ops.Step;
import io.albert4j.tensor.StepArena;
import io.albert4j.tensor.Tensor;
import io.albert4j.train.Finetuner;
import io.albert4j.train.FinetuningOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Classification read in windows, trained with the loss on each example's mean window logits: the loss is the
 * cross-entropy of exactly the logits the classifier predicts with, one sample is one example, and it trains.
 */
class PooledWindowTrainingTest {
    private static final int SEQ = 8;

    @TempDir
    Path dir;

    private static ClassificationSpec spec(boolean pooled) {
        return new ClassificationSpec("text", ClassificationSpec.SINGLE_LABEL, List.of("no", "yes"), SEQ, null,
                List.of("accuracy"), SEQ - 2, 4, pooled);
    }

    /** Texts of 1 to ~4 windows whose label shows in one sentence only, somewhere in the text. */
    private static List<TextExample> examples(long seed, int n) {
        Random random = new Random(seed);
        List<TextExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean positive = random.nextBoolean();
            StringBuilder text = new StringBuilder();
            int sentences = 1 + random.nextInt(3);
            int signal = random.nextInt(sentences);
            for (int s = 0; s < sentences; s++) {
                text.append(s == signal ? (positive ? "the nation will prosper. " : "the people must wait. ")
                        : "and so it is said. ");
            }
            out.add(new TextExample("e" + i, text.toString().strip(), null, List.of(positive ? "yes" : "no"),
                    "example " + i));
        }
        return out;
    }

    @Test
    void theLossIsTheCrossEntropyOfTheMeanWindowLogits() {
        Path pretrained = FinetuningRunTest.tinyPretrained(dir);
        List<TextExample> train = examples(3, 6);
        try (ClassificationTask task = ClassificationTask.forTraining(spec(true), pretrained, train, List.of(), 5);
             StepArena arena = new StepArena(task.model().backend(), 1 << 20)) {
            List<ClassificationFeatures.Feature> windows = ClassificationFeatures.encode(train,
                    task.classifier().tokenizer(), task.spec(), true);
            assertEquals(train.size(), task.trainingSize(), "one sample per example");
            assertTrue(windows.size() > train.size(), "some examples have several windows: " + windows.size());
            int[] samples = {4, 0, 2};
            long tokens = 0;
            for (ClassificationFeatures.Feature f : windows) {
                if (f.example() == 4 || f.example() == 0 || f.example() == 2) {
                    tokens += f.ids().length;
                }
            }
            assertEquals(tokens, task.tokens(samples));

            // Dropout is 0 in this config, so the classifier's inference logits are the training forward's.
            float[][] mean = task.classifier().perExample(windows, train.size());
            double expected = 0;
            for (int e : samples) {
                int label = windows.stream().filter(f -> f.example() == e).findFirst().orElseThrow().labelId();
                double max = Math.max(mean[e][0], mean[e][1]);
                double logSumExp = max + Math.log(Math.exp(mean[e][0] - max) + Math.exp(mean[e][1] - max));
                expected += (logSumExp - mean[e][label]) / samples.length;
            }
            task.model().enableGradients();
            task.model().train();
            try (Step step = Step.training(task.model().backend(), arena)) {
                Tensor loss = task.loss(samples, 11);
                assertEquals(expected, loss.getFloat(0), 1e-5);
                step.backward(loss);  // the averaging matrix passes the gradient on to every window
            }
            Tensor wordEmbeddingGrad = task.model().namedParameters().get("albert.embeddings.word_embeddings.weight")
                    .grad();
            float[] grad = Backends.hostFloats(wordEmbeddingGrad);
            int clsRow = task.classifier().tokenizer().clsId() * (grad.length / 8000);
            assertTrue(grad[clsRow] != 0f, "the gradient reached the encoder's inputs");
        }
    }

    @Test
    void pooledTrainingFitsExamplesWhoseLabelShowsInOneWindow() throws Exception {
        Path pretrained = FinetuningRunTest.tinyPretrained(dir);
        FinetuningOptions options = FinetuningOptions.defaults().withLearningRate(2e-3).withBatch(8, 8)
                .withLength(0, 100).withEvaluation(0, 4);
        List<TextExample> train = examples(1, 8);
        try (ClassificationTask task = ClassificationTask.forTraining(spec(true), pretrained, train,
                List.of(new EvalSet<>("train", train)), 7)) {
            Finetuner.Result r = new Finetuner(task, options, dir.resolve("run"), pretrained.resolve("spiece.model"))
                    .showProgress(false).logTo(new PrintStream(new ByteArrayOutputStream())).run();
            double[] losses = r.stepLosses();
            double last = (losses[losses.length - 1] + losses[losses.length - 2] + losses[losses.length - 3]) / 3;
            assertTrue(last < 0.2, "loss " + losses[0] + " -> " + last + ": " + java.util.Arrays.toString(losses));
            assertEquals(1.0, r.best().primary(), "accuracy on the examples it was trained on");
        }
    }

    @Test
    void theSpecSavesItAndRefusesItWithoutWindows() {
        ClassificationSpec pooled = spec(true);
        assertEquals(pooled, ClassificationSpec.fromJson(pooled.toJson(), "config.json"));
        assertEquals(spec(false), ClassificationSpec.fromJson(spec(false).toJson(), "config.json"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ClassificationSpec("text", ClassificationSpec.SINGLE_LABEL, List.of("no", "yes"), SEQ, null,
                        List.of("accuracy"), 0, 1, true));
        assertTrue(e.getMessage().contains("window stride"), e.getMessage());
    }
}
