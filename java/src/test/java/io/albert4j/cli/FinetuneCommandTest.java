package io.albert4j.cli;

import io.albert4j.albert.AlbertConfig;
import io.albert4j.albert.AlbertForPreTraining;
import io.albert4j.albert.AlbertForSequenceClassification;
import io.albert4j.tasks.TextClassifier;
import io.albert4j.testing.TestResources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** albert finetune on a keyword-separable two-class task: dev accuracy must leave the majority class behind. */
class FinetuneCommandTest {
    private static final List<String> FILLER = List.of("the", "nation", "congress", "meeting", "report", "today",
            "we", "will", "review", "the", "plan", "and", "budget");

    private static List<String> rows(long seed, int n) {
        Random random = new Random(seed);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean spam = random.nextBoolean();
            StringBuilder body = new StringBuilder();
            for (int w = 0; w < 10; w++) {
                body.append(FILLER.get(random.nextInt(FILLER.size()))).append(' ');
            }
            body.append(spam ? "win free money now" : "see the minutes attached");
            lines.add("{\"subject\": \"note " + i + "\", \"body\": \"" + body + "\", \"label\": \""
                    + (spam ? "spam" : "ham") + "\"}");
        }
        return lines;
    }

    /** A freshly initialised tiny ALBERT with the test tokenizer, saved as a pretrained model folder. */
    private static Path tinyPretrained(Path dir) {
        Path pretrained = dir.resolve("pretrained");
        AlbertConfig config = AlbertConfig.builder().vocabSize(8000).embeddingSize(16).hiddenSize(32)
                .numHiddenLayers(2).numAttentionHeads(2).intermediateSize(64).maxPositionEmbeddings(64).build();
        try (AlbertForPreTraining model = AlbertForPreTraining.create(config, 1)) {
            model.save(pretrained, TestResources.file("/tokenizer/sotu8k.model"));
        }
        return pretrained;
    }

    @Test
    void learnsAKeywordTaskAndSavesAClassifierWithItsLabels(@TempDir Path dir) throws Exception {
        Path pretrained = tinyPretrained(dir);
        Files.write(dir.resolve("train.jsonl"), rows(1, 160));
        Files.write(dir.resolve("dev.jsonl"), rows(2, 60));
        Path out = dir.resolve("classifier");
        PrintStream saved = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(buffer, true));
            code = AlbertCli.run("finetune", "--model", pretrained.toString(), "--train",
                    dir.resolve("train.jsonl").toString(), "--dev", dir.resolve("dev.jsonl").toString(),
                    "--text-fields", "subject,body", "--out", out.toString(), "--seq", "32", "--batch", "8",
                    "--epochs", "3", "--lr", "1e-3");
        } finally {
            System.setOut(saved);
        }
        String text = buffer.toString();
        assertEquals(0, code, text);
        Matcher m = Pattern.compile("best checkpoint: step \\d+ of 60: accuracy ([0-9.]+), f1 [0-9.]+ "
                + "\\(majority class ([0-9.]+)\\)").matcher(text);
        assertTrue(m.find(), text);
        double accuracy = Double.parseDouble(m.group(1));
        assertTrue(accuracy > 0.9 && accuracy > Double.parseDouble(m.group(2)) + 0.2, text);
        try (AlbertForSequenceClassification classifier = AlbertForSequenceClassification.load(out.resolve("model"))) {
            assertEquals(2, classifier.config().numLabels());
        }
        assertTrue(Files.readString(out.resolve("model/config.json")).contains("\"spam\""));
        assertTrue(Files.size(out.resolve("metrics.jsonl")) > 0);
        assertTrue(Files.readString(out.resolve("eval_results.json")).contains("\"accuracy\""));
        assertTrue(Files.isRegularFile(out.resolve("training-curves.png")));

        // The Java API on the run directory: the keyword decides, with probabilities that sum to 1.
        try (TextClassifier classifier = TextClassifier.load(out)) {
            List<TextClassifier.Prediction> p = classifier.predict(List.of("note the nation win free money now",
                    "note the budget see the minutes attached"));
            assertEquals("spam", p.get(0).label());
            assertEquals("ham", p.get(1).label());
            assertEquals(1.0, p.get(0).scores().values().stream().mapToDouble(Double::doubleValue).sum(), 1e-6);
        }

        // A folder with the user's files is refused before training, and the files stay.
        Path mine = Files.createDirectories(dir.resolve("mine"));
        Path notes = Files.writeString(mine.resolve("notes.txt"), "precious\n");
        assertNotEquals(0, AlbertCli.run("finetune", "--model", pretrained.toString(), "--train",
                dir.resolve("train.jsonl").toString(), "--out", mine.toString()));
        assertEquals("precious\n", Files.readString(notes));
        try (var files = Files.list(mine)) {
            assertEquals(List.of(notes), files.toList());
        }

        Files.writeString(dir.resolve("one-label.jsonl"), "{\"text\": \"a\", \"label\": \"ham\"}\n");
        assertNotEquals(0, AlbertCli.run("finetune", "--model", pretrained.toString(), "--train",
                dir.resolve("one-label.jsonl").toString(), "--out", dir.resolve("x").toString()));
    }

    @Test
    void windowLossExampleTrainsOneSamplePerTextAndNeedsWindows(@TempDir Path dir) throws Exception {
        Path pretrained = tinyPretrained(dir);
        Files.write(dir.resolve("train.jsonl"), rows(1, 40));
        Path out = dir.resolve("pooled");
        PrintStream saved = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(buffer, true));
            code = AlbertCli.run("finetune", "--model", pretrained.toString(), "--train",
                    dir.resolve("train.jsonl").toString(), "--text-fields", "subject,body", "--out", out.toString(),
                    "--seq", "12", "--batch", "8", "--epochs", "1", "--window-stride", "10", "--max-windows", "3",
                    "--window-loss", "example");
        } finally {
            System.setOut(saved);
        }
        String text = buffer.toString();
        assertEquals(0, code, text);
        // 40 mails in batches of 8: 5 steps (their windows would make more).
        assertTrue(text.contains("trained 5 steps"), "one sample per mail: " + text);
        assertTrue(Files.readString(out.resolve("model/config.json")).contains("\"pooled_training\" : true"));

        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        PrintStream savedErr = System.err;
        try {
            System.setErr(new PrintStream(errors, true));
            assertNotEquals(0, AlbertCli.run("finetune", "--model", pretrained.toString(), "--train",
                    dir.resolve("train.jsonl").toString(), "--out", dir.resolve("refused").toString(),
                    "--text-fields", "subject,body", "--window-loss", "example"));
        } finally {
            System.setErr(savedErr);
        }
        assertTrue(errors.toString().contains("window stride"), errors.toString());
    }
}
