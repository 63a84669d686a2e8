package io.albert4j.tokenizer;

import java.util.Arrays;

/**
 * An immutable trie over UTF-8 bytes mapping keys to non-negative ints. Root children sit in a 256-entry array,
 * deeper edges in one open-addressing hash table keyed by (node, byte): a Viterbi step is one array read or one
 * short probe, with no objects per node. Read-only after construction, so safe to share between threads.
 */
final class ByteTrie {
    private final int[] rootChildren = new int[256];
    private int[] values = new int[16];
    private int nodeCount = 1;
    private int[] edgeKeys;   // node * 256 + byte + 1; 0 = empty slot
    private int[] edgeTargets;
    private int edgeCount;

    /** Builds the trie; {@code values[i] >= 0} is stored under {@code keys[i]}; a later duplicate key wins. */
    ByteTrie(byte[][] keys, int[] keyValues) {
        Arrays.fill(rootChildren, -1);
        Arrays.fill(values, -1);
        int capacity = Integer.highestOneBit(Math.max(16, totalLength(keys) * 2)) << 1;
        edgeKeys = new int[capacity];
        edgeTargets = new int[capacity];
        for (int i = 0; i < keys.length; i++) {
            insert(keys[i], keyValues[i]);
        }
    }

    private static int totalLength(byte[][] keys) {
        long total = 0;
        for (byte[] key : keys) {
            total += key.length;
        }
        if (total > (1 << 26)) {
            throw new IllegalArgumentException("vocabulary too large for the piece trie: " + total + " bytes");
        }
        return (int) total;
    }

    private void insert(byte[] key, int value) {
        int node = 0;
        for (byte b : key) {
            int next = child(node, b);
            if (next < 0) {
                next = newNode();
                if (node == 0) {
                    rootChildren[b & 0xFF] = next;
                } else {
                    putEdge(node * 256 + (b & 0xFF) + 1, next);
                }
            }
            node = next;
        }
        if (node != 0) {
            values[node] = value;
        }
    }

    private int newNode() {
        if (nodeCount == values.length) {
            int old = values.length;
            values = Arrays.copyOf(values, old * 2);
            Arrays.fill(values, old, values.length, -1);
        }
        return nodeCount++;
    }

    private void putEdge(int key, int target) {
        int mask = edgeKeys.length - 1;
        int slot = mix(key) & mask;
        while (edgeKeys[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        edgeKeys[slot] = key;
        edgeTargets[slot] = target;
        edgeCount++;
    }

    private static int mix(int key) {
        int h = key * 0x9E3779B9;
        return h ^ (h >>> 15);
    }

    /** The child of {@code node} along {@code b}, or -1. Node 0 is the root. */
    int child(int node, byte b) {
        if (node == 0) {
            return rootChildren[b & 0xFF];
        }
        int key = node * 256 + (b & 0xFF) + 1;
        int mask = edgeKeys.length - 1;
        int slot = mix(key) & mask;
        while (true) {
            int found = edgeKeys[slot];
            if (found == key) {
                return edgeTargets[slot];
            }
            if (found == 0) {
                return -1;
            }
            slot = (slot + 1) & mask;
        }
    }

    /** The value stored at {@code node}, or -1 when no key ends there. */
    int value(int node) {
        return values[node];
    }

    /** Length in bytes of the longest key that is a prefix of {@code text[from, to)}, or 0. */
    int longestPrefix(byte[] text, int from, int to) {
        int node = 0;
        int longest = 0;
        for (int i = from; i < to; i++) {
            node = child(node, text[i]);
            if (node < 0) {
                break;
            }
            if (values[node] >= 0) {
                longest = i - from + 1;
            }
        }
        return longest;
    }
}
