package io.albert4j.data;

/**
 * One pretraining row before padding: {@code [CLS] A [SEP] B [SEP]} after masking, segment ids (0 for [CLS], A and
 * the first [SEP]; 1 for B and the last [SEP]), the SOP label (1 = swapped or random B) and the masked positions
 * (increasing) with the original ids there.
 */
public record PretrainingInstance(int[] inputIds, int[] segmentIds, int sentenceOrderLabel, int[] maskedPositions,
                                  int[] maskedLabels) {
    public int length() {
        return inputIds.length;
    }
}
