package io.albert4j.tasks;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Start and end logits of a question's windows → its answer, as GR's {@code write_predictions} and HF's
 * {@code compute_predictions_logits}: the {@code nBest} highest starts and ends of every window, pairs kept when both
 * are context tokens, the start is in its max-context window, end ≥ start and the span has at most
 * {@code maxAnswerLength} tokens; ranked by start + end logit, the n best distinct texts with softmax probabilities.
 * The text is the original context between the first and last token's characters ({@link TokenOffsets}). With
 * {@code versionTwo} the null answer ([CLS] start and end, the lowest over the windows) competes: the prediction is
 * empty when {@code null score − best non-null score > nullThreshold}, and that difference is the question's
 * {@code null_odds.json} entry.
 */
public final class SpanDecoder {
    private final int nBest;
    private final int maxAnswerLength;
    private final boolean versionTwo;
    private final double nullThreshold;

    public SpanDecoder(int nBest, int maxAnswerLength, boolean versionTwo, double nullThreshold) {
        if (nBest <= 0 || maxAnswerLength <= 0) {
            throw new IllegalArgumentException("span decoding: need nBest > 0 and maxAnswerLength > 0, got " + nBest
                    + " and " + maxAnswerLength);
        }
        this.nBest = nBest;
        this.maxAnswerLength = maxAnswerLength;
        this.versionTwo = versionTwo;
        this.nullThreshold = nullThreshold;
    }

    /** A candidate answer: its text ("" for no answer), character span in the context, logits and probability. */
    public record Candidate(String text, int start, int end, double startLogit, double endLogit, double probability) {
        public double score() {
            return startLogit + endLogit;
        }
    }

    /**
     * The decoded answer: {@code text} ("" when the null answer wins), its character span ({@code -1} when empty),
     * its probability among the n best, {@code nullScoreDiff} (NaN for v1) and the n-best list.
     */
    public record Answer(String text, int start, int end, double probability, double nullScoreDiff,
                         List<Candidate> nBest) {
    }

    private record Preliminary(int window, int start, int end, double startLogit, double endLogit) {
    }

    /**
     * @param startLogits one row per window, over the window's input positions (at least its length)
     */
    public Answer decode(String context, TokenOffsets tokens, List<SquadWindow> windows, List<float[]> startLogits,
                         List<float[]> endLogits) {
        return decode(context, tokens, windows, startLogits, endLogits, null);
    }

    /**
     * As above; with {@code answerClassLogits} (one per window, GR's answer-class head) the null odds are their
     * minimum over the windows instead of null score − best span score, as GR's v2 decoding uses them.
     */
    public Answer decode(String context, TokenOffsets tokens, List<SquadWindow> windows, List<float[]> startLogits,
                         List<float[]> endLogits, List<Float> answerClassLogits) {
        List<Preliminary> preliminary = new ArrayList<>();
        double nullScore = Double.POSITIVE_INFINITY;
        double nullStart = 0;
        double nullEnd = 0;
        for (int w = 0; w < windows.size(); w++) {
            SquadWindow window = windows.get(w);
            float[] start = startLogits.get(w);
            float[] end = endLogits.get(w);
            int length = window.ids().length;
            if (versionTwo && start[0] + end[0] < nullScore) {
                nullScore = start[0] + end[0];
                nullStart = start[0];
                nullEnd = end[0];
            }
            for (int s : top(start, length)) {
                for (int e : top(end, length)) {
                    if (window.contextToken(s) < 0 || window.contextToken(e) < 0 || !window.isMaxContext(s)
                            || e < s || e - s + 1 > maxAnswerLength) {
                        continue;
                    }
                    preliminary.add(new Preliminary(w, s, e, start[s], end[e]));
                }
            }
        }
        if (versionTwo) {
            preliminary.add(new Preliminary(-1, 0, 0, nullStart, nullEnd));
        }
        preliminary.sort(Comparator.comparingDouble((Preliminary p) -> p.startLogit() + p.endLogit()).reversed());
        List<Candidate> best = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Preliminary p : preliminary) {
            if (best.size() >= nBest) {
                break;
            }
            String text;
            int charStart = -1;
            int charEnd = -1;
            if (p.window() >= 0) {
                SquadWindow window = windows.get(p.window());
                int first = window.contextToken(p.start());
                int last = window.contextToken(p.end());
                charStart = tokens.starts()[first];
                charEnd = Math.max(charStart, tokens.ends()[last]);
                text = context.substring(charStart, charEnd);
            } else {
                text = "";
            }
            if (!seen.add(text)) {
                continue;
            }
            best.add(new Candidate(text, charStart, charEnd, p.startLogit(), p.endLogit(), 0));
        }
        if (versionTwo && !seen.contains("")) {
            best.add(new Candidate("", -1, -1, nullStart, nullEnd, 0));
        }
        if (best.isEmpty()) {
            // Every pair was filtered out (a context of one token beyond max length ...): HF's "empty" placeholder.
            best.add(new Candidate("", -1, -1, 0, 0, 0));
        }
        double max = best.stream().mapToDouble(Candidate::score).max().orElse(0);
        double sum = best.stream().mapToDouble(c -> Math.exp(c.score() - max)).sum();
        List<Candidate> withProbabilities = new ArrayList<>(best.size());
        for (Candidate c : best) {
            withProbabilities.add(new Candidate(c.text(), c.start(), c.end(), c.startLogit(), c.endLogit(),
                    Math.exp(c.score() - max) / sum));
        }
        if (!versionTwo) {
            Candidate top = withProbabilities.get(0);
            return new Answer(top.text(), top.start(), top.end(), top.probability(), Double.NaN, withProbabilities);
        }
        Candidate bestNonNull = withProbabilities.stream().filter(c -> !c.text().isEmpty()).findFirst().orElse(null);
        double diff = bestNonNull == null ? Double.POSITIVE_INFINITY
                : nullScore - bestNonNull.startLogit() - bestNonNull.endLogit();
        if (answerClassLogits != null) {
            diff = answerClassLogits.stream().mapToDouble(Float::doubleValue).min().orElse(Double.POSITIVE_INFINITY);
        }
        if (bestNonNull == null || diff > nullThreshold) {
            Candidate none = withProbabilities.stream().filter(c -> c.text().isEmpty()).findFirst().orElseThrow();
            return new Answer("", -1, -1, none.probability(), diff, withProbabilities);
        }
        return new Answer(bestNonNull.text(), bestNonNull.start(), bestNonNull.end(), bestNonNull.probability(), diff,
                withProbabilities);
    }

    /** Indices of the {@code nBest} largest values among the first {@code length}, largest first. */
    private int[] top(float[] values, int length) {
        Integer[] order = new Integer[Math.min(length, values.length)];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Float.compare(values[b], values[a]));
        int n = Math.min(nBest, order.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = order[i];
        }
        return out;
    }
}
