package io.albert4j.tasks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a SQuAD v1.1 or v2.0 JSON file ({@code data[].paragraphs[].qas[]}). Structural problems are errors naming
 * the file and the JSON path. A gold answer whose text is not at its {@code answer_start} in the context is
 * dropped from training, as GR and HF skip it ("could not find answer"); the count is reported. Evaluation keeps
 * every answer text, as the official scripts do.
 */
public final class SquadReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SquadReader() {
    }

    /** What a file held: its questions, and how many answers did not match their context. */
    public record Contents(List<SquadExample> examples, int mismatchedAnswers, boolean hasImpossible) {
    }

    public static Contents read(Path file) {
        return read(file, true);
    }

    /** {@code labelled} false: questions without answers are accepted (a test file, for prediction). */
    public static Contents read(Path file, boolean labelled) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new TaskDataException(file + ": no such file");
        } catch (JsonProcessingException e) {
            throw TaskDataException.atLine(file, e.getLocation() == null ? -1 : e.getLocation().getLineNr(),
                    "not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
        JsonNode data = field(root, "data", file, "");
        requireArray(data, file, "data");
        List<SquadExample> examples = new ArrayList<>();
        int mismatched = 0;
        boolean impossibleSeen = false;
        for (int a = 0; a < data.size(); a++) {
            String articlePath = "data[" + a + "]";
            JsonNode paragraphs = field(data.get(a), "paragraphs", file, articlePath);
            requireArray(paragraphs, file, articlePath + ".paragraphs");
            for (int p = 0; p < paragraphs.size(); p++) {
                String paragraphPath = articlePath + ".paragraphs[" + p + "]";
                String context = text(field(paragraphs.get(p), "context", file, paragraphPath), file,
                        paragraphPath + ".context");
                JsonNode qas = field(paragraphs.get(p), "qas", file, paragraphPath);
                requireArray(qas, file, paragraphPath + ".qas");
                for (int q = 0; q < qas.size(); q++) {
                    String qaPath = paragraphPath + ".qas[" + q + "]";
                    JsonNode qa = qas.get(q);
                    String id = text(field(qa, "id", file, qaPath), file, qaPath + ".id");
                    String question = text(field(qa, "question", file, qaPath), file, qaPath + ".question");
                    boolean impossible = qa.path("is_impossible").asBoolean(false);
                    impossibleSeen |= impossible;
                    JsonNode answers = qa.get("answers");
                    List<SquadExample.Answer> gold = new ArrayList<>();
                    if (answers != null && !answers.isNull()) {
                        requireArray(answers, file, qaPath + ".answers");
                        for (int k = 0; k < answers.size(); k++) {
                            String answerPath = qaPath + ".answers[" + k + "]";
                            String answerText = text(field(answers.get(k), "text", file, answerPath), file,
                                    answerPath + ".text");
                            JsonNode start = field(answers.get(k), "answer_start", file, answerPath);
                            if (!start.canConvertToInt()) {
                                throw TaskDataException.atJsonPath(file, answerPath + ".answer_start", start
                                        + " is not an integer");
                            }
                            int at = start.asInt();
                            if (at < 0 || at + answerText.length() > context.length()) {
                                throw TaskDataException.atJsonPath(file, answerPath + ".answer_start", at + " + "
                                        + answerText.length() + " characters is outside the context (length "
                                        + context.length() + ")");
                            }
                            if (!context.startsWith(answerText, at)) {
                                mismatched++;
                            }
                            gold.add(new SquadExample.Answer(answerText, at));
                        }
                    }
                    if (labelled && !impossible && gold.isEmpty()) {
                        throw TaskDataException.atJsonPath(file, qaPath, "no answers and not is_impossible");
                    }
                    examples.add(new SquadExample(id, question, context, impossible ? List.of() : gold, impossible,
                            qaPath));
                }
            }
        }
        if (examples.isEmpty()) {
            throw new TaskDataException(file + ": no questions");
        }
        return new Contents(examples, mismatched, impossibleSeen);
    }

    private static JsonNode field(JsonNode node, String name, Path file, String path) {
        if (node == null || !node.isObject()) {
            throw TaskDataException.atJsonPath(file, path.isEmpty() ? "(top level)" : path, "expected an object, got "
                    + (node == null ? "nothing" : node.getNodeType()));
        }
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            throw TaskDataException.atJsonPath(file, path.isEmpty() ? name : path + "." + name, "missing");
        }
        return value;
    }

    private static void requireArray(JsonNode node, Path file, String path) {
        if (!node.isArray()) {
            throw TaskDataException.atJsonPath(file, path, "expected an array, got " + node.getNodeType());
        }
    }

    private static String text(JsonNode node, Path file, String path) {
        if (!node.isTextual()) {
            throw TaskDataException.atJsonPath(file, path, "expected a string, got " + node.getNodeType());
        }
        return node.asText();
    }
}
