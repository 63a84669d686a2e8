package io.albert4j.data;

/**
 * One row after masking: {@code inputIds} with [MASK]/original/random ids at the chosen positions, the positions in
 * increasing order and the original ids there.
 */
record MaskedTokens(int[] inputIds, int[] maskedPositions, int[] maskedLabels) {
}
