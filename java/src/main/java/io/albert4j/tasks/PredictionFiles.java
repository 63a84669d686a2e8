package io.albert4j.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.albert4j.albert.AlbertForMultipleChoice;
import io.albert4j.albert.AlbertForTokenClassification;
import io.albert4j.io.AtomicFiles;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Batch prediction of a fine-tuned multiple-choice or token-classification model, from its task's files to a file:
 * RACE questions → JSON lines ({@code {"id", "answer": "B", "scores": [4 logits]}}); CoNLL sentences → CoNLL with
 * the predicted tag ({@code WORD TAG}, a blank line between sentences). Written atomically.
 */
public final class PredictionFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PredictionFiles() {
    }

    /** Returns the number of questions answered. */
    public static int multipleChoice(Path modelDir, Path input, Path output) throws IOException {
        JsonNode settings = FinetunedModels.taskSettings(modelDir);
        List<RaceExample> questions = RaceReader.read(input, false);
        try (AlbertForMultipleChoice model = AlbertForMultipleChoice.load(modelDir)) {
            float[][] scores = MultipleChoiceTask.scores(model, MultipleChoiceTask.encode(questions,
                    FinetunedModels.tokenizer(modelDir), settings.path("max_seq_length").asInt(512),
                    settings.path("max_qa_length").asInt(128)));
            AtomicFiles.writeFile(output, temp -> {
                try (BufferedWriter out = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
                    for (int i = 0; i < questions.size(); i++) {
                        ObjectNode row = JSON.createObjectNode();
                        row.put("id", questions.get(i).id());
                        row.put("answer", String.valueOf((char) ('A' + ClassificationScorer.argmax(scores[i]))));
                        for (float s : scores[i]) {
                            row.withArray("scores").add(s);
                        }
                        out.write(row.toString());
                        out.newLine();
                    }
                }
            });
        }
        return questions.size();
    }

    /** Returns the number of sentences tagged. */
    public static int tokens(Path modelDir, Path input, Path output) throws IOException {
        JsonNode settings = FinetunedModels.taskSettings(modelDir);
        List<String> tags = ClassificationSpec.strings(settings.get("labels"));
        List<TaggedSentence> sentences = ConllReader.read(input, false);
        List<TaggedSentence> untagged = new ArrayList<>();
        sentences.forEach(s -> untagged.add(new TaggedSentence(s.words(), List.of(), s.source())));
        try (AlbertForTokenClassification model = AlbertForTokenClassification.load(modelDir)) {
            List<List<String>> predicted = TokenClassificationTask.predict(model, tags, TokenClassificationTask.encode(
                    untagged, FinetunedModels.tokenizer(modelDir), tags, settings.path("max_seq_length").asInt(128)));
            AtomicFiles.writeFile(output, temp -> {
                try (BufferedWriter out = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
                    for (int i = 0; i < sentences.size(); i++) {
                        for (int w = 0; w < sentences.get(i).words().size(); w++) {
                            out.write(sentences.get(i).words().get(w) + " " + predicted.get(i).get(w));
                            out.newLine();
                        }
                        out.newLine();
                    }
                }
            });
        }
        return sentences.size();
    }
}
