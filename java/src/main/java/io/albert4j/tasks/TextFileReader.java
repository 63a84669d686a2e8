package io.albert4j.tasks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Reads text-classification examples from a generic file: {@code .csv} (RFC 4180 quoting) or {@code .tsv} (tabs,
 * no quoting, as GLUE), both with a header row naming the columns, or {@code .jsonl} / {@code .json} (one JSON
 * object per line). Which fields are texts and which the label is a {@link TextColumns}. Every problem is reported
 * with the file and line.
 */
public final class TextFileReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TextFileReader() {
    }

    /** The file's format from its extension. */
    public enum Format { CSV, TSV, JSONL;
        public static Format of(Path file) {
            String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
            if (name.endsWith(".csv")) {
                return CSV;
            }
            if (name.endsWith(".tsv") || name.endsWith(".tab")) {
                return TSV;
            }
            if (name.endsWith(".jsonl") || name.endsWith(".json") || name.endsWith(".ndjson")) {
                return JSONL;
            }
            throw new TaskDataException(file + ": cannot tell the format from the extension; use .csv, .tsv or .jsonl");
        }
    }

    /**
     * @param labelled true: every row must have a label (training, evaluation); false: labels are read where present
     */
    public static List<TextExample> read(Path file, TextColumns columns, boolean labelled) {
        try {
            List<TextExample> examples = switch (Format.of(file)) {
                case JSONL -> readJsonLines(file, columns, labelled);
                case CSV -> readDelimited(file, columns, labelled, ',', true);
                case TSV -> readDelimited(file, columns, labelled, '\t', false);
            };
            if (examples.isEmpty()) {
                throw new TaskDataException(file + ": no examples");
            }
            return examples;
        } catch (NoSuchFileException e) {
            throw new TaskDataException(file + ": no such file");
        } catch (IOException e) {
            throw TaskDataException.unreadable(file, e);
        }
    }

    private static List<TextExample> readJsonLines(Path file, TextColumns columns, boolean labelled)
            throws IOException {
        List<TextExample> examples = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            long number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode row;
                try {
                    row = JSON.readTree(line);
                } catch (JsonProcessingException e) {
                    throw TaskDataException.atLine(file, number, "not JSON: " + e.getOriginalMessage());
                }
                if (!row.isObject()) {
                    throw TaskDataException.atLine(file, number, "expected a JSON object, got " + row.getNodeType());
                }
                long at = number;
                String text = joined(columns.textFields(), f -> jsonText(row.get(f)), file, at, true);
                String pair = columns.pairFields().isEmpty() ? null
                        : joined(columns.pairFields(), f -> jsonText(row.get(f)), file, at, false);
                List<String> labels = jsonLabels(row.get(columns.labelField()), columns, file, number, labelled);
                JsonNode id = row.get("id");
                examples.add(new TextExample(id != null && !id.isNull() ? id.asText() : file.getFileName() + ":" + number,
                        text, pair, labels, file + ":" + number));
            }
        }
        return examples;
    }

    private static String jsonText(JsonNode value) {
        return value == null || value.isNull() ? null : value.isValueNode() ? value.asText() : value.toString();
    }

    private static List<String> jsonLabels(JsonNode value, TextColumns columns, Path file, long line,
                                           boolean labelled) {
        if (value == null || value.isNull()) {
            if (labelled) {
                throw TaskDataException.atLine(file, line, "no '" + columns.labelField() + "' field (the label)");
            }
            return List.of();
        }
        if (value.isArray()) {
            List<String> labels = new ArrayList<>();
            for (JsonNode v : value) {
                if (!v.isValueNode() || v.isNull()) {
                    throw TaskDataException.atLine(file, line, "'" + columns.labelField() + "' holds " + v
                            + ", expected class names");
                }
                labels.add(v.asText());
            }
            return labels;
        }
        if (!value.isValueNode()) {
            throw TaskDataException.atLine(file, line, "'" + columns.labelField() + "' is " + value.getNodeType()
                    + ", expected a class name, a number or an array of class names");
        }
        return List.of(value.asText());
    }

    private static List<TextExample> readDelimited(Path file, TextColumns columns, boolean labelled, char separator,
                                                   boolean quoted) throws IOException {
        CsvMapper mapper = new CsvMapper();
        mapper.enable(CsvParser.Feature.WRAP_AS_ARRAY);
        CsvSchema schema = CsvSchema.emptySchema().withColumnSeparator(separator);
        schema = quoted ? schema.withQuoteChar('"') : schema.withoutQuoteChar().withoutEscapeChar();
        List<TextExample> examples = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
             MappingIterator<String[]> rows = mapper.readerFor(String[].class).with(schema).readValues(reader)) {
            String[] header = null;
            while (true) {
                String[] row;
                long line;
                try {
                    if (!rows.hasNextValue()) {
                        break;
                    }
                    // Jackson's CSV parser puts a row's first token at the end of the line before it (and the
                    // header's before the file), so the row starts one line later; the header is line 1.
                    line = header == null ? 1 : rows.getParser().currentTokenLocation().getLineNr() + 1;
                    row = rows.nextValue();
                } catch (IOException | RuntimeException e) {
                    long at = rows.getCurrentLocation() == null ? -1 : rows.getCurrentLocation().getLineNr();
                    throw TaskDataException.atLine(file, at, "not valid " + (quoted ? "CSV" : "TSV") + ": "
                            + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
                }
                if (header == null) {
                    header = row;
                    for (String f : concat(columns)) {
                        if (indexOf(header, f) < 0) {
                            throw TaskDataException.atLine(file, line, "the header " + Arrays.toString(header)
                                    + " has no column '" + f + "'");
                        }
                    }
                    if (labelled && indexOf(header, columns.labelField()) < 0) {
                        throw TaskDataException.atLine(file, line, "the header " + Arrays.toString(header)
                                + " has no label column '" + columns.labelField() + "'");
                    }
                    continue;
                }
                if (row.length == 1 && row[0].isEmpty()) {
                    continue; // a blank line
                }
                if (row.length != header.length) {
                    throw TaskDataException.atLine(file, line, row.length + " columns, the header has "
                            + header.length);
                }
                String[] values = row;
                String[] names = header;
                String text = joined(columns.textFields(), f -> values[indexOf(names, f)], file, line, true);
                String pair = columns.pairFields().isEmpty() ? null
                        : joined(columns.pairFields(), f -> values[indexOf(names, f)], file, line, false);
                int labelColumn = indexOf(header, columns.labelField());
                List<String> labels = List.of();
                if (labelColumn >= 0 && !values[labelColumn].isEmpty()) {
                    labels = List.of(values[labelColumn].strip());
                } else if (labelled) {
                    throw TaskDataException.atLine(file, line, "empty label column '" + columns.labelField() + "'");
                }
                int idColumn = indexOf(header, "id");
                examples.add(new TextExample(idColumn >= 0 ? values[idColumn] : file.getFileName() + ":" + line, text,
                        pair, labels, file + ":" + line));
            }
        }
        return examples;
    }

    /** Multi-label classes of a CSV/TSV cell: split at the separator. */
    static List<String> splitLabels(List<String> raw, String separator) {
        if (raw.size() != 1) {
            return raw;
        }
        List<String> out = new ArrayList<>();
        for (String part : raw.get(0).split(java.util.regex.Pattern.quote(separator))) {
            if (!part.isBlank()) {
                out.add(part.strip());
            }
        }
        return out;
    }

    private static List<String> concat(TextColumns columns) {
        List<String> all = new ArrayList<>(columns.textFields());
        all.addAll(columns.pairFields());
        return all;
    }

    private static int indexOf(String[] header, String name) {
        for (int i = 0; i < header.length; i++) {
            if (header[i].strip().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private static String joined(List<String> fields, java.util.function.Function<String, String> value, Path file,
                                 long line, boolean first) {
        StringBuilder text = new StringBuilder();
        boolean any = false;
        for (String f : fields) {
            String v = value.apply(f);
            if (v != null) {
                any = true;
                if (!v.isEmpty()) {
                    text.append(text.isEmpty() ? "" : " ").append(v);
                }
            }
        }
        if (!any) {
            throw TaskDataException.atLine(file, line, "none of the " + (first ? "text" : "pair") + " fields "
                    + fields + " is there");
        }
        return text.toString();
    }
}
