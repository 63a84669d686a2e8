package io.albert4j.tasks;

import io.albert4j.albert.AlbertInputs;
import io.albert4j.tokenizer.AlbertTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Examples → model inputs for sequence classification (GR {@code convert_single_example}): {@code [CLS] A [SEP]} or
 * {@code [CLS] A [SEP] B [SEP]} truncated longest-first to the maximum length, and the label as the head wants it:
 * a class id, a 0/1 vector over the classes (multi-label) or a number (regression).
 */
public final class ClassificationFeatures {
    private ClassificationFeatures() {
    }

    /** One encoded example; {@code labelId} is -100 and {@code targets} null when unlabelled. */
    public record Feature(int[] ids, int[] tokenTypes, int labelId, float[] targets) {
    }

    public static List<Feature> encode(List<TextExample> examples, AlbertTokenizer tokenizer, ClassificationSpec spec,
                                       boolean labelled) {
        List<Feature> out = new ArrayList<>(examples.size());
        for (TextExample e : examples) {
            out.add(encode(e, tokenizer, spec, labelled));
        }
        return out;
    }

    public static Feature encode(TextExample example, AlbertTokenizer tokenizer, ClassificationSpec spec,
                                 boolean labelled) {
        AlbertTokenizer.Encoding enc = tokenizer.encodePair(example.textA(), example.textB(), spec.maxSeqLength());
        if (!labelled || example.labels().isEmpty()) {
            if (labelled) {
                throw new TaskDataException(example.source() + ": no label");
            }
            return new Feature(enc.ids(), enc.tokenTypeIds(), AlbertInputs.IGNORE_INDEX, null);
        }
        switch (spec.problemType()) {
            case ClassificationSpec.REGRESSION -> {
                String raw = example.labels().get(0);
                try {
                    return new Feature(enc.ids(), enc.tokenTypeIds(), AlbertInputs.IGNORE_INDEX,
                            new float[] {Float.parseFloat(raw)});
                } catch (NumberFormatException ex) {
                    throw new TaskDataException(example.source() + ": regression target '" + raw + "' is not a number");
                }
            }
            case ClassificationSpec.MULTI_LABEL -> {
                float[] targets = new float[spec.labels().size()];
                for (String label : TextFileReader.splitLabels(example.labels(),
                        spec.columns() == null ? "|" : spec.columns().labelSeparator())) {
                    targets[classOf(label, spec, example)] = 1f;
                }
                return new Feature(enc.ids(), enc.tokenTypeIds(), AlbertInputs.IGNORE_INDEX, targets);
            }
            default -> {
                return new Feature(enc.ids(), enc.tokenTypeIds(), classOf(example.labels().get(0), spec, example),
                        null);
            }
        }
    }

    private static int classOf(String label, ClassificationSpec spec, TextExample example) {
        int id = spec.labels().indexOf(label);
        if (id < 0) {
            throw new TaskDataException(example.source() + ": label '" + label + "' is not one of the model's classes "
                    + spec.labels());
        }
        return id;
    }

    /** {@code [batch][longest]} ids, attention mask and token types, zero-padded. */
    public record Padded(int[][] ids, int[][] mask, int[][] types, long tokens) {
    }

    public static Padded pad(List<Feature> rows) {
        int width = rows.stream().mapToInt(f -> f.ids().length).max().orElse(1);
        int[][] ids = new int[rows.size()][width];
        int[][] mask = new int[rows.size()][width];
        int[][] types = new int[rows.size()][width];
        long tokens = 0;
        for (int r = 0; r < rows.size(); r++) {
            Feature f = rows.get(r);
            System.arraycopy(f.ids(), 0, ids[r], 0, f.ids().length);
            System.arraycopy(f.tokenTypes(), 0, types[r], 0, f.tokenTypes().length);
            Arrays.fill(mask[r], 0, f.ids().length, 1);
            tokens += f.ids().length;
        }
        return new Padded(ids, mask, types, tokens);
    }
}
