package io.albert4j.train;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.albert4j.io.AtomicFiles;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code DIR/metrics.jsonl}: one JSON object per line, appended and flushed as training goes, so a crashed run keeps
 * every line up to the crash and a resumed run continues the same file. {@link #read} is for plots and reports.
 */
public final class MetricsLog implements AutoCloseable {
    public static final String FILE_NAME = "metrics.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final BufferedWriter writer;

    public MetricsLog(Path dir) throws IOException {
        Files.createDirectories(dir);
        this.file = dir.resolve(FILE_NAME);
        this.writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    public Path file() {
        return file;
    }

    public synchronized void append(MetricsRecord record) {
        ObjectNode node = JSON.createObjectNode();
        node.put("split", record.split());
        node.put("step", record.step());
        putNumber(node, "loss", record.loss());
        putNumber(node, "mlm_accuracy", record.mlmAccuracy());
        putNumber(node, "sop_accuracy", record.sopAccuracy());
        putNumber(node, "lr", record.lr());
        putNumber(node, "tokens_per_second", record.tokensPerSecond());
        if (!Double.isNaN(record.mlmAccuracyAtMask())) {
            putNumber(node, "mlm_accuracy_at_mask", record.mlmAccuracyAtMask());
        }
        if (!Double.isNaN(record.mlmPerplexityAtMask())) {
            putNumber(node, "mlm_perplexity_at_mask", record.mlmPerplexityAtMask());
        }
        node.put("time", System.currentTimeMillis() / 1000.0);
        try {
            writer.write(node.toString());
            writer.newLine();
            writer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot append metrics: " + e.getMessage(), e);
        }
    }

    /**
     * A line of any run (fine-tuning: loss, lr, the task's metrics) with the values under their own names;
     * {@code split} is {@link MetricsRecord#TRAIN} or {@link MetricsRecord#EVAL}.
     */
    public synchronized void append(String split, long step, java.util.Map<String, Double> values) {
        ObjectNode node = JSON.createObjectNode();
        node.put("split", split);
        node.put("step", step);
        values.forEach((key, value) -> putNumber(node, key, value));
        node.put("time", System.currentTimeMillis() / 1000.0);
        try {
            writer.write(node.toString());
            writer.newLine();
            writer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot append metrics: " + e.getMessage(), e);
        }
    }

    /** One line as written, every numeric value by its key (time and step excluded). */
    public record Line(String split, long step, java.util.Map<String, Double> values) {
        public boolean isEval() {
            return MetricsRecord.EVAL.equals(split);
        }
    }

    /** Every line of {@code DIR/metrics.jsonl} with all its values; a line cut short by a crash (the last) is skipped. */
    public static List<Line> readLines(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<Line> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            try {
                JsonNode n = JSON.readTree(line);
                java.util.Map<String, Double> values = new java.util.LinkedHashMap<>();
                n.fieldNames().forEachRemaining(key -> {
                    if (!key.equals("split") && !key.equals("step") && !key.equals("time")
                            && (n.get(key).isNumber() || n.get(key).isTextual())) {
                        double v = number(n, key);
                        values.put(key, v);
                    }
                });
                out.add(new Line(n.path("split").asText(MetricsRecord.TRAIN), n.path("step").asLong(), values));
            } catch (JacksonException | NumberFormatException e) {
                if (i != lines.size() - 1) {
                    throw new IOException(file + ":" + (i + 1) + ": not a metrics line: " + e.getMessage(), e);
                }
            }
        }
        return out;
    }

    /** Non-finite values are not JSON numbers: a diverged loss is kept as the string "NaN"/"Infinity". */
    private static void putNumber(ObjectNode node, String key, double value) {
        if (Double.isFinite(value)) {
            node.put(key, value);
        } else if (Double.isNaN(value) && !key.equals("loss")) {
            node.putNull(key);
        } else {
            node.put(key, Double.toString(value));
        }
    }

    /** Every record of {@code DIR/metrics.jsonl}; a line cut short by a crash (the last one) is skipped. */
    public static List<MetricsRecord> read(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<MetricsRecord> records = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            try {
                JsonNode n = JSON.readTree(line);
                records.add(new MetricsRecord(n.path("split").asText(MetricsRecord.TRAIN), n.path("step").asLong(),
                        number(n, "loss"), number(n, "mlm_accuracy"), number(n, "sop_accuracy"), number(n, "lr"),
                        number(n, "tokens_per_second"), number(n, "mlm_accuracy_at_mask"),
                        number(n, "mlm_perplexity_at_mask")));
            } catch (JacksonException e) {
                if (i != lines.size() - 1) {
                    throw new IOException(file + ":" + (i + 1) + ": not a JSON object: " + e.getOriginalMessage(), e);
                }
            }
        }
        return records;
    }

    /**
     * Keeps the lines of {@code DIR/metrics.jsonl} up to {@code step} (a resumed run computes the rest again, so
     * the curves have no duplicated steps), verbatim, and drops a line cut short by a crash. The new file is
     * written beside the old one and renamed over it: a kill at any moment leaves the old lines or the new ones.
     * A {@code metrics.jsonl.previous} left by an interrupted rewrite of earlier versions is the complete old file,
     * and is read instead.
     */
    public static void truncateAfter(Path dir, long step) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        Path previous = dir.resolve(FILE_NAME + ".previous");
        AtomicFiles.recover(file);
        Path source = Files.exists(previous) ? previous : file;
        if (!Files.exists(source)) {
            return;
        }
        List<String> lines = Files.readAllLines(source, StandardCharsets.UTF_8);
        StringBuilder kept = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            try {
                if (JSON.readTree(line).path("step").asLong() <= step) {
                    kept.append(line).append('\n');
                }
            } catch (JacksonException e) {
                if (i != lines.size() - 1) {
                    throw new IOException(source + ":" + (i + 1) + ": not a JSON object: " + e.getOriginalMessage(), e);
                }
            }
        }
        AtomicFiles.writeFile(file, temp -> Files.writeString(temp, kept, StandardCharsets.UTF_8));
        Files.deleteIfExists(previous);
    }

    private static double number(JsonNode node, String key) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return Double.NaN;
        }
        return v.isTextual() ? Double.parseDouble(v.textValue()) : v.asDouble();
    }

    @Override
    public synchronized void close() throws IOException {
        writer.close();
    }
}
