package io.albert4j.tasks;

import java.util.Arrays;

/**
 * {@code [CLS] A [SEP] B [SEP]} from token ids, with GR's {@code _truncate_seq_pair}: while too long, drop the last
 * token of the longer side (B on ties). Token types 0 for {@code [CLS] A [SEP]}, 1 for {@code B [SEP]}.
 */
record PairEncoding(int[] ids, int[] tokenTypes) {
    static PairEncoding of(int[] a, int[] b, int maxLength, int clsId, int sepId) {
        if (maxLength < 3) {
            throw new IllegalArgumentException("max length " + maxLength + " leaves no room for [CLS] and two [SEP]");
        }
        int lengthA = a.length;
        int lengthB = b.length;
        while (lengthA + lengthB > maxLength - 3) {
            if (lengthA > lengthB) {
                lengthA--;
            } else {
                lengthB--;
            }
        }
        int n = lengthA + lengthB + 3;
        int[] ids = new int[n];
        int[] types = new int[n];
        ids[0] = clsId;
        System.arraycopy(a, 0, ids, 1, lengthA);
        ids[1 + lengthA] = sepId;
        System.arraycopy(b, 0, ids, 2 + lengthA, lengthB);
        ids[n - 1] = sepId;
        Arrays.fill(types, 2 + lengthA, n, 1);
        return new PairEncoding(ids, types);
    }
}
