package io.albert4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.albert4j.albert.AlbertConfig;
import io.albert4j.albert.AlbertForPreTraining;
import io.albert4j.tasks.QuestionAnswerer;
import io.albert4j.tasks.SpanDecoder;
import io.albert4j.testing.TestResources;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** albert finetune / eval / predict for the span, multiple-choice and token tasks, end to end on tiny data. */
class FinetuneTasksCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path pretrained() {
        Path pretrained = dir.resolve("pretrained");
        AlbertConfig config = AlbertConfig.builder().vocabSize(8000).embeddingSize(16).hiddenSize(32)
                .numHiddenLayers(1).numAttentionHeads(2).intermediateSize(64).maxPositionEmbeddings(64).build();
        try (AlbertForPreTraining model = AlbertForPreTraining.create(config, 1)) {
            model.save(pretrained, TestResources.file("/tokenizer/sotu8k.model"));
        }
        return pretrained;
    }

    private static String run(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(buffer, true));
            code = AlbertCli.run(args);
        } finally {
            System.setOut(saved);
        }
        assertEquals(0, code, buffer.toString());
        return buffer.toString();
    }

    @Test
    void squadVersionTwoWritesTheOfficialFilesAndATunedThreshold() throws Exception {
        StringBuilder data = new StringBuilder("{\"version\": \"v2.0\", \"data\": [{\"title\": \"t\", \"paragraphs\": [");
        for (int i = 0; i < 8; i++) {
            String context = "The Congress of the United States shall meet in " + (1800 + i) + " at the Capitol.";
            data.append(i == 0 ? "" : ",").append("{\"context\": \"").append(context).append("\", \"qas\": [")
                    .append("{\"id\": \"y").append(i).append("\", \"question\": \"When?\", \"answers\": [{\"text\": \"")
                    .append(1800 + i).append("\", \"answer_start\": ").append(context.indexOf("18")).append("}]},")
                    .append("{\"id\": \"n").append(i).append("\", \"question\": \"Who won?\", \"answers\": [], ")
                    .append("\"is_impossible\": true}]}");
        }
        data.append("]}]}");
        Path squad = Files.writeString(dir.resolve("train-v2.0.json"), data);
        Files.copy(squad, dir.resolve("dev-v2.0.json"));
        Path out = dir.resolve("squad-run");
        String text = run("finetune", "--task", "squad-v2.0", "--model", pretrained().toString(), "--data",
                dir.toString(), "--out", out.toString(), "--seq", "48", "--max-query-length", "8", "--doc-stride",
                "16", "--batch", "8", "--steps", "4", "--lr", "1e-3");
        assertTrue(text.contains("best_f1"), text);
        JsonNode predictions = JSON.readTree(out.resolve("predictions.json").toFile());
        assertEquals(16, predictions.size());
        JsonNode odds = JSON.readTree(out.resolve("null_odds.json").toFile());
        assertTrue(odds.get("y0").isNumber());
        assertTrue(JSON.readTree(out.resolve("nbest_predictions.json").toFile()).get("y0").size() >= 1);
        JsonNode settings = JSON.readTree(out.resolve("model/config.json").toFile()).get("albert4j_task");
        double threshold = settings.get("null_score_diff_threshold").asDouble();
        JsonNode results = JSON.readTree(out.resolve("eval_results.json").toFile());
        assertEquals(results.get("metrics").get("best_f1_thresh").asDouble(), threshold, 1e-9);
        // eval and predict read the same model; the Java answerer returns spans of the original text.
        assertTrue(run("eval", "--model", out.toString(), "--data", squad.toString()).contains("HasAns_f1"));
        Path predicted = dir.resolve("p.json");
        run("predict", "--model", out.toString(), "--input", squad.toString(), "--output", predicted.toString());
        assertEquals(16, JSON.readTree(predicted.toFile()).size());
        assertTrue(Files.exists(dir.resolve("p.null_odds.json")));
        try (QuestionAnswerer qa = QuestionAnswerer.load(out)) {
            String context = "The Congress of the United States shall meet in 1805 at the Capitol.";
            SpanDecoder.Answer a = qa.answer("When?", context);
            assertTrue(a.text().isEmpty() || context.substring(a.start(), a.end()).equals(a.text()), a.toString());
        }

        // GR's answer-class head: its parameters are saved, and its logit is the question's null odds.
        Path withHead = dir.resolve("squad-head");
        run("finetune", "--task", "squad-v2.0", "--model", dir.resolve("pretrained").toString(), "--data",
                dir.toString(), "--out", withHead.toString(), "--seq", "48", "--max-query-length", "8",
                "--doc-stride", "16", "--batch", "8", "--steps", "4", "--lr", "1e-3", "--answer-class-head");
        JsonNode config = JSON.readTree(withHead.resolve("model/config.json").toFile());
        assertTrue(config.get("albert4j_task").get("answer_class_head").asBoolean());
        assertTrue(config.get("albert4j_answer_class_head").asBoolean());
        try (QuestionAnswerer qa = QuestionAnswerer.load(withHead)) {
            SpanDecoder.Answer a = qa.answer("When?", "The Congress shall meet in 1805.");
            assertTrue(Double.isFinite(a.nullScoreDiff()), a.toString());
        }
    }

    @Test
    void tokensAndRaceTrainEvaluateAndSave() throws Exception {
        StringBuilder conll = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            conll.append("said O\nMary B-PER\nSmith I-PER\nin O\n").append(i % 2 == 0 ? "Ohio" : "Texas")
                    .append(" B-LOC\n\n");
        }
        Path ner = Files.createDirectories(dir.resolve("ner"));
        Files.writeString(ner.resolve("train.txt"), conll);
        Files.writeString(ner.resolve("dev.txt"), conll);
        Path nerOut = dir.resolve("ner-run");
        String text = run("finetune", "--task", "tokens", "--model", pretrained().toString(), "--data",
                ner.toString(), "--out", nerOut.toString(), "--seq", "32", "--steps", "6", "--lr", "1e-3");
        assertTrue(text.contains("precision"), text);
        assertTrue(run("eval", "--model", nerOut.toString(), "--data", ner.resolve("dev.txt").toString())
                .contains("recall"));
        Path words = Files.writeString(dir.resolve("words.txt"), "said\nMary\nSmith\n\nin\nOhio\n");
        Path tagged = dir.resolve("tagged.txt");
        run("predict", "--model", nerOut.toString(), "--input", words.toString(), "--output", tagged.toString());
        java.util.List<String> lines = Files.readAllLines(tagged);
        assertEquals(7, lines.size());
        assertTrue(lines.get(1).matches("Mary (B-PER|I-PER|B-LOC|O)"), lines.toString());

        Path middle = Files.createDirectories(dir.resolve("race/train/middle"));
        Files.createDirectories(dir.resolve("race/dev/middle"));
        for (int i = 0; i < 6; i++) {
            String article = "{\"id\": \"a" + i + "\", \"article\": \"The Congress shall meet.\", \"questions\": "
                    + "[\"Who shall meet? _\"], \"options\": [[\"Congress\", \"nobody\", \"the army\", \"a cat\"]], "
                    + "\"answers\": [\"A\"]}";
            Files.writeString(middle.resolve("a" + i + ".txt"), article);
            Files.writeString(dir.resolve("race/dev/middle/a" + i + ".txt"), article);
        }
        Path raceOut = dir.resolve("race-run");
        text = run("finetune", "--task", "race", "--model", pretrained().toString(), "--data",
                dir.resolve("race").toString(), "--out", raceOut.toString(), "--seq", "32", "--batch", "2",
                "--steps", "3", "--warmup-steps", "1");
        assertTrue(text.contains("accuracy_middle"), text);
        assertTrue(Files.isDirectory(raceOut.resolve("model")));
        Path answers = dir.resolve("answers.jsonl");
        run("predict", "--model", raceOut.toString(), "--input", dir.resolve("race/dev").toString(), "--output",
                answers.toString());
        java.util.List<String> rows = Files.readAllLines(answers);
        assertEquals(6, rows.size());
        JsonNode first = JSON.readTree(rows.get(0));
        assertTrue(first.get("answer").asText().matches("[ABCD]"));
        assertEquals(4, first.get("scores").size());
    }
}
