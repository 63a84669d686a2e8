package io.albert4j.tasks;

import io.albert4j.albert.AlbertInputs;
import io.albert4j.tokenizer.AlbertTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Examples → model inputs for sequence classification (GR {@code convert_single_example}): {@code [CLS] A [SEP]} or
 * {@code [CLS] A [SEP] B [SEP]} truncated longest-first to the maximum length, and the label as the head wants it:
 * a class id, a 0/1 vector over the classes (multi-label) or a number (regression). With the spec's windows, a
 * long first text gives several features (its windows, each with the whole second text, cut to half the length
 * at most), all carrying the example's index and label.
 */
public final class ClassificationFeatures {
    private ClassificationFeatures() {
    }

    /** One encoded example; {@code labelId} is -100 and {@code targets} null when unlabelled. */
    public record Feature(int example, int[] ids, int[] tokenTypes, int labelId, float[] targets)
            implements TokenizedFeature {
    }

    /** Every example's features (one, or its windows), in order; {@link Feature#example()} is its index. */
    public static List<Feature> encode(List<TextExample> examples, AlbertTokenizer tokenizer, ClassificationSpec spec,
                                       boolean labelled) {
        List<Feature> out = new ArrayList<>(examples.size());
        for (int i = 0; i < examples.size(); i++) {
            Feature label = label(i, examples.get(i), spec, labelled);
            for (int[][] window : windows(examples.get(i), tokenizer, spec)) {
                out.add(new Feature(i, window[0], window[1], label.labelId(), label.targets()));
            }
        }
        return out;
    }

    /** The first feature of each example (its label), in example order. */
    public static List<Feature> firstOfEach(List<Feature> features) {
        List<Feature> out = new ArrayList<>();
        for (Feature f : features) {
            if (out.size() == f.example()) {
                out.add(f);
            }
        }
        return out;
    }

    /** The indices into {@code features} of each example's features, in example order. */
    public static List<int[]> windowsOfEach(List<Feature> features) {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < features.size(); ) {
            int example = features.get(i).example();
            int end = i;
            while (end < features.size() && features.get(end).example() == example) {
                end++;
            }
            if (example != out.size()) {
                throw new IllegalArgumentException("features of example " + example + " after " + out.size()
                        + " examples: not in example order");
            }
            int[] own = new int[end - i];
            for (int j = 0; j < own.length; j++) {
                own[j] = i + j;
            }
            out.add(own);
            i = end;
        }
        return out;
    }

    /** {ids, token types} of each sequence the example is read as. */
    static List<int[][]> windows(TextExample example, AlbertTokenizer tokenizer, ClassificationSpec spec) {
        int max = spec.maxSeqLength();
        if (spec.windowStride() == 0) {
            AlbertTokenizer.Encoding enc = tokenizer.encodePair(example.textA(), example.textB(), max);
            List<int[][]> one = new ArrayList<>();
            one.add(new int[][] {enc.ids(), enc.tokenTypeIds()});
            return one;
        }
        int[] a = tokenizer.encode(example.textA());
        int[] b = example.textB() == null ? null : tokenizer.encode(example.textB());
        if (b != null && b.length > (max - 3) / 2) {
            b = Arrays.copyOf(b, (max - 3) / 2);
        }
        int room = max - (b == null ? 2 : 3 + b.length);
        List<int[][]> out = new ArrayList<>();
        for (int start = 0; out.size() < spec.maxWindows(); start += spec.windowStride()) {
            int end = Math.min(a.length, start + room);
            int[] part = Arrays.copyOfRange(a, Math.min(start, a.length), end);
            int n = part.length + (b == null ? 2 : 3 + b.length);
            int[] ids = new int[n];
            int[] types = new int[n];
            ids[0] = tokenizer.clsId();
            System.arraycopy(part, 0, ids, 1, part.length);
            ids[1 + part.length] = tokenizer.sepId();
            if (b != null) {
                System.arraycopy(b, 0, ids, 2 + part.length, b.length);
                ids[n - 1] = tokenizer.sepId();
                Arrays.fill(types, 2 + part.length, n, 1);
            }
            out.add(new int[][] {ids, types});
            if (end >= a.length) {
                break;
            }
        }
        return out;
    }

    /** The label part of an example's features (ids left empty). */
    private static Feature label(int index, TextExample example, ClassificationSpec spec, boolean labelled) {
        int[] none = new int[0];
        if (!labelled || example.labels().isEmpty()) {
            if (labelled) {
                throw new TaskDataException(example.source() + ": no label");
            }
            return new Feature(index, none, none, AlbertInputs.IGNORE_INDEX, null);
        }
        switch (spec.problemType()) {
            case ClassificationSpec.REGRESSION -> {
                String raw = example.labels().get(0);
                try {
                    return new Feature(index, none, none, AlbertInputs.IGNORE_INDEX,
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
                return new Feature(index, none, none, AlbertInputs.IGNORE_INDEX, targets);
            }
            default -> {
                return new Feature(index, none, none, classOf(example.labels().get(0), spec, example), null);
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
