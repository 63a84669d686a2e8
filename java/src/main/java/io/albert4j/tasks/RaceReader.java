package io.albert4j.tasks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads RACE as released: a folder ({@code train/}, {@code dev/}, {@code test/}) whose {@code middle/} and
 * {@code high/} sub-folders hold one JSON file per article ({@code article}, {@code questions}, {@code options}: four
 * per question, {@code answers}: "A".."D"), or a single such file. Errors name the file and the JSON path.
 */
public final class RaceReader {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** RACE has four options per question. */
    public static final int CHOICES = 4;

    private RaceReader() {
    }

    public static List<RaceExample> read(Path fileOrDir) {
        return read(fileOrDir, true);
    }

    /** {@code labelled} false: files without {@code answers} are accepted (for prediction). */
    public static List<RaceExample> read(Path fileOrDir, boolean labelled) {
        List<Path> files;
        if (Files.isDirectory(fileOrDir)) {
            try (Stream<Path> walk = Files.walk(fileOrDir)) {
                files = walk.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith("."))
                        .sorted().toList();
            } catch (IOException e) {
                throw new UncheckedIOException(fileOrDir + ": " + e.getMessage(), e);
            }
        } else if (Files.isRegularFile(fileOrDir)) {
            files = List.of(fileOrDir);
        } else {
            throw new TaskDataException(fileOrDir + ": no such file or folder");
        }
        List<RaceExample> examples = new ArrayList<>();
        for (Path f : files) {
            examples.addAll(readFile(f, labelled));
        }
        if (examples.isEmpty()) {
            throw new TaskDataException(fileOrDir + ": no RACE questions");
        }
        return examples;
    }

    static List<RaceExample> readFile(Path file, boolean labelled) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (JsonProcessingException e) {
            throw TaskDataException.atLine(file, e.getLocation() == null ? -1 : e.getLocation().getLineNr(),
                    "not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw TaskDataException.atJsonPath(file, "(top level)", "expected an object");
        }
        String article = string(root, "article", file);
        JsonNode questions = array(root, "questions", file);
        JsonNode options = array(root, "options", file);
        JsonNode answers = root.get("answers");
        if (labelled && (answers == null || !answers.isArray())) {
            throw TaskDataException.atJsonPath(file, "answers", answers == null ? "missing" : "expected an array");
        }
        if (options.size() != questions.size() || (answers != null && answers.isArray()
                && answers.size() != questions.size())) {
            throw TaskDataException.atJsonPath(file, "questions", questions.size() + " questions but " + options.size()
                    + " option lists and " + (answers == null ? 0 : answers.size()) + " answers");
        }
        String parent = file.getParent() == null ? "" : file.getParent().getFileName().toString();
        String level = parent.equals("middle") || parent.equals("high") ? parent : "all";
        String id = root.path("id").asText(file.getFileName().toString());
        List<RaceExample> out = new ArrayList<>();
        for (int q = 0; q < questions.size(); q++) {
            if (!questions.get(q).isTextual()) {
                throw TaskDataException.atJsonPath(file, "questions[" + q + "]", "expected a string");
            }
            JsonNode choices = options.get(q);
            if (!choices.isArray() || choices.size() != CHOICES) {
                throw TaskDataException.atJsonPath(file, "options[" + q + "]", "expected " + CHOICES
                        + " options, got " + choices);
            }
            List<String> texts = new ArrayList<>();
            choices.forEach(c -> texts.add(c.asText()));
            int answer = -1;
            if (answers != null && answers.isArray()) {
                String letter = answers.get(q).asText();
                if (letter.length() != 1 || letter.charAt(0) < 'A' || letter.charAt(0) >= 'A' + CHOICES) {
                    throw TaskDataException.atJsonPath(file, "answers[" + q + "]", "'" + letter
                            + "' is not one of A, B, C, D");
                }
                answer = letter.charAt(0) - 'A';
            }
            out.add(new RaceExample(id + "-" + q, article, questions.get(q).asText(), texts, answer, level,
                    file + ": questions[" + q + "]"));
        }
        return out;
    }

    private static String string(JsonNode root, String name, Path file) {
        JsonNode v = root.get(name);
        if (v == null || !v.isTextual()) {
            throw TaskDataException.atJsonPath(file, name, v == null ? "missing" : "expected a string");
        }
        return v.asText();
    }

    private static JsonNode array(JsonNode root, String name, Path file) {
        JsonNode v = root.get(name);
        if (v == null || !v.isArray()) {
            throw TaskDataException.atJsonPath(file, name, v == null ? "missing" : "expected an array");
        }
        return v;
    }
}
