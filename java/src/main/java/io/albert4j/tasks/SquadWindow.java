package io.albert4j.tasks;

import java.util.ArrayList;
import java.util.List;

/**
 * One model input of a SQuAD question: {@code [CLS] question [SEP] context window [SEP]}, GR/HF's doc-stride
 * feature. A context longer than the room left by the question is cut into windows that start {@code docStride}
 * tokens apart. {@code contextStart} is the index in {@code ids} of the window's first context token, which is
 * token {@code firstToken} of the whole context; {@code maxContext[i]} says whether this window is the one where
 * context token {@code firstToken + i} has the most context on both sides (GR {@code _check_is_max_context}), the
 * only window allowed to start an answer there. Training targets are the answer's first and last token in
 * {@code ids}, or 0 and 0 ([CLS]) when the window does not hold the whole answer or there is none.
 */
public record SquadWindow(int example, int[] ids, int[] tokenTypes, int contextStart, int firstToken, int length,
                          boolean[] maxContext, int startPosition, int endPosition) implements TokenizedFeature {

    /** Every window of one question ({@code answer} null: unanswerable, or not labelled). */
    public static List<SquadWindow> of(int example, int[] queryIds, TokenOffsets context, int maxSeqLength,
                                       int docStride, SquadExample.Answer answer, int clsId, int sepId) {
        int room = maxSeqLength - queryIds.length - 3;
        if (room <= 0) {
            throw new IllegalArgumentException("SQuAD: max sequence length " + maxSeqLength + " leaves no room for "
                    + "the context after a question of " + queryIds.length + " tokens");
        }
        if (docStride <= 0) {
            throw new IllegalArgumentException("SQuAD: doc stride must be > 0, got " + docStride);
        }
        int total = context.size();
        List<int[]> spans = new ArrayList<>(); // {start, length}
        for (int start = 0; ; start += Math.min(room, docStride)) {
            int length = Math.min(room, total - start);
            spans.add(new int[] {start, length});
            if (start + length >= total) {
                break;
            }
        }
        int answerFirst = -1;
        int answerLast = -1;
        if (answer != null) {
            for (int t = 0; t < total; t++) {
                if (context.ends()[t] > answer.start() && context.starts()[t] < answer.end()) {
                    answerFirst = answerFirst < 0 ? t : answerFirst;
                    answerLast = t;
                }
            }
        }
        List<SquadWindow> windows = new ArrayList<>(spans.size());
        for (int w = 0; w < spans.size(); w++) {
            int start = spans.get(w)[0];
            int length = spans.get(w)[1];
            int n = queryIds.length + length + 3;
            int[] ids = new int[n];
            int[] types = new int[n];
            int pos = 0;
            ids[pos++] = clsId;
            System.arraycopy(queryIds, 0, ids, pos, queryIds.length);
            pos += queryIds.length;
            ids[pos++] = sepId;
            int contextStart = pos;
            System.arraycopy(context.ids(), start, ids, pos, length);
            pos += length;
            ids[pos] = sepId;
            java.util.Arrays.fill(types, contextStart, n, 1);
            boolean[] maxContext = new boolean[length];
            for (int i = 0; i < length; i++) {
                maxContext[i] = bestWindow(spans, start + i) == w;
            }
            int startPosition = 0;
            int endPosition = 0;
            if (answerFirst >= 0 && answerFirst >= start && answerLast < start + length) {
                startPosition = contextStart + answerFirst - start;
                endPosition = contextStart + answerLast - start;
            }
            windows.add(new SquadWindow(example, ids, types, contextStart, start, length, maxContext, startPosition,
                    endPosition));
        }
        return windows;
    }

    /** The window where context token {@code token} has the most context: min(left, right) + 0.01·length. */
    static int bestWindow(List<int[]> spans, int token) {
        double bestScore = Double.NEGATIVE_INFINITY;
        int best = -1;
        for (int w = 0; w < spans.size(); w++) {
            int start = spans.get(w)[0];
            int end = start + spans.get(w)[1] - 1;
            if (token < start || token > end) {
                continue;
            }
            double score = Math.min(token - start, end - token) + 0.01 * spans.get(w)[1];
            if (score > bestScore) {
                bestScore = score;
                best = w;
            }
        }
        return best;
    }

    /** 1 at [CLS] and the context tokens, 0 at the question and separators (GR's 1 − p_mask). */
    public int[] allowed() {
        int[] out = new int[ids.length];
        out[0] = 1;
        java.util.Arrays.fill(out, contextStart, contextStart + length, 1);
        return out;
    }

    /** The context token at input position {@code position}, or -1 outside the window's context. */
    public int contextToken(int position) {
        int i = position - contextStart;
        return i >= 0 && i < length ? firstToken + i : -1;
    }

    public boolean isMaxContext(int position) {
        int i = position - contextStart;
        return i >= 0 && i < length && maxContext[i];
    }
}
