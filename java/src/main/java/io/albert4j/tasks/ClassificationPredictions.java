package io.albert4j.tasks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import io.albert4j.io.AtomicFiles;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Batch prediction files of a text classifier: JSON lines ({@code {"id", "label", "scores": {class: p}}}, plus
 * {@code "labels"} for multi-label and {@code "value"} for regression) or CSV ({@code id,label,score_CLASS...}),
 * chosen by the extension, written atomically.
 */
public final class ClassificationPredictions {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ClassificationPredictions() {
    }

    public static void write(Path file, List<TextExample> examples, List<TextClassifier.Prediction> predictions,
                             ClassificationSpec spec) throws IOException {
        boolean csv = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv");
        AtomicFiles.writeFile(file, temp -> {
            try (BufferedWriter out = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
                if (csv) {
                    writeCsv(out, examples, predictions, spec);
                } else {
                    for (int i = 0; i < examples.size(); i++) {
                        out.write(jsonLine(examples.get(i), predictions.get(i), spec));
                        out.newLine();
                    }
                }
            }
        });
    }

    private static String jsonLine(TextExample example, TextClassifier.Prediction p, ClassificationSpec spec) {
        ObjectNode row = JSON.createObjectNode();
        row.put("id", example.id());
        if (spec.problemType().equals(ClassificationSpec.REGRESSION)) {
            row.put("value", p.value());
        } else {
            row.put("label", p.label());
            if (spec.problemType().equals(ClassificationSpec.MULTI_LABEL)) {
                p.labels().forEach(row.putArray("labels")::add);
            }
            ObjectNode scores = row.putObject("scores");
            p.scores().forEach(scores::put);
        }
        return row.toString();
    }

    private static void writeCsv(BufferedWriter out, List<TextExample> examples, List<TextClassifier.Prediction> ps,
                                 ClassificationSpec spec) throws IOException {
        List<String> header = new ArrayList<>(List.of("id", "label"));
        spec.labels().forEach(l -> header.add("score_" + l));
        CsvSchema.Builder schema = CsvSchema.builder();
        header.forEach(schema::addColumn);
        CsvMapper mapper = new CsvMapper();
        List<List<String>> rows = new ArrayList<>();
        rows.add(header);
        for (int i = 0; i < examples.size(); i++) {
            List<String> row = new ArrayList<>(List.of(examples.get(i).id(), ps.get(i).label()));
            for (String l : spec.labels()) {
                row.add(String.format(Locale.ROOT, "%.6f", ps.get(i).scores().get(l)));
            }
            rows.add(row);
        }
        out.write(mapper.writer(CsvSchema.emptySchema()).writeValueAsString(rows));
    }
}
