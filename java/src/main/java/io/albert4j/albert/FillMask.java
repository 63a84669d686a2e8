package io.albert4j.albert;

import io.albert4j.tokenizer.AlbertTokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Masked-token prediction on text (HF's "fill-mask" pipeline): every literal {@code [MASK]} in the text becomes the
 * mask id, the rest is tokenized as ALBERT does, and each mask gets its {@code topK} most probable pieces.
 */
public final class FillMask {
    public static final String MASK_TEXT = "[MASK]";

    /** One candidate for one mask: the piece, its id, its softmax probability and the text with it filled in. */
    public record Candidate(String piece, int id, double probability, String filled) {
    }

    private FillMask() {
    }

    /** For each {@code [MASK]} of {@code text}, left to right, the top-k candidates, most probable first. */
    public static List<List<Candidate>> predict(AlbertForPreTraining model, AlbertTokenizer tokenizer, String text,
                                                int topK) {
        model.config().requireTokenizerFits(tokenizer.vocabSize(), "fill-mask tokenizer");
        if (topK < 1) {
            throw new IllegalArgumentException("fill-mask: top-k must be >= 1, got " + topK);
        }
        List<String> parts = split(text);
        if (parts.size() < 2) {
            throw new IllegalArgumentException("fill-mask: the text has no " + MASK_TEXT + ": \"" + text + "\"");
        }
        List<Integer> ids = new ArrayList<>();
        List<Integer> maskPositions = new ArrayList<>();
        ids.add(tokenizer.clsId());
        for (int i = 0; i < parts.size(); i++) {
            if (i > 0) {
                maskPositions.add(ids.size());
                ids.add(tokenizer.maskId());
            }
            if (!parts.get(i).isBlank()) {
                for (int id : tokenizer.encode(parts.get(i))) {
                    ids.add(id);
                }
            }
        }
        ids.add(tokenizer.sepId());
        int maxLength = model.config().maxPositionEmbeddings();
        if (ids.size() > maxLength) {
            throw new IllegalArgumentException("fill-mask: the text is " + ids.size() + " tokens long, the model "
                    + "takes at most " + maxLength);
        }
        int[] row = ids.stream().mapToInt(Integer::intValue).toArray();
        AlbertForPreTraining.Prediction prediction = model.predict(new int[][] {row}, null, null);
        HostArray logits = prediction.predictionLogits();
        int vocab = logits.shape()[2];
        int usable = Math.min(vocab, tokenizer.vocabSize());
        List<List<Candidate>> results = new ArrayList<>();
        for (int position : maskPositions) {
            double[] p = softmax(logits.values(), (long) position * vocab, usable);
            Integer[] order = new Integer[usable];
            for (int i = 0; i < usable; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
            List<Candidate> candidates = new ArrayList<>();
            for (int k = 0; k < Math.min(topK, usable); k++) {
                int id = order[k];
                int[] filled = row.clone();
                filled[position] = id;
                candidates.add(new Candidate(tokenizer.idToPiece(id), id, p[id],
                        tokenizer.decode(Arrays.copyOfRange(filled, 1, filled.length - 1))));
            }
            results.add(candidates);
        }
        return results;
    }

    private static List<String> split(String text) {
        List<String> parts = new ArrayList<>();
        int from = 0;
        int at;
        while ((at = text.indexOf(MASK_TEXT, from)) >= 0) {
            parts.add(text.substring(from, at));
            from = at + MASK_TEXT.length();
        }
        parts.add(text.substring(from));
        return parts;
    }

    private static double[] softmax(float[] values, long offset, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, values[(int) (offset + i)]);
        }
        double[] p = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            p[i] = Math.exp(values[(int) (offset + i)] - max);
            sum += p[i];
        }
        for (int i = 0; i < n; i++) {
            p[i] /= sum;
        }
        return p;
    }
}
