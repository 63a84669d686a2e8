package io.albert4j.data;

/**
 * One unmasked row {@code [CLS] A [SEP] B [SEP]} with its segment ids and SOP label (1 = B does not follow A in the
 * original order: swapped, or taken from another document; 0 = natural order).
 */
record SegmentPair(int[] tokens, int[] segmentIds, int sentenceOrderLabel) {
}
