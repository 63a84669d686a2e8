package io.albert4j.tokenizer;

import java.util.Arrays;

/**
 * The trie of every candidate piece seen in the training words, over dense character ids: node 0 is the root,
 * each other node is one substring. Children live in one open-addressing table keyed by (parent, character), so a
 * few million nodes cost a few arrays instead of a few million maps. Per node it keeps the weighted occurrence
 * count and whether the substring is always followed by the same character (spm seeds only with substrings that
 * are not, the internal nodes of its suffix tree). Filled by one thread, then only read.
 */
final class SubstringTrie {
    static final int ROOT = 0;
    /** {@link #follower} value: followed by different characters or by a word end. */
    static final int BRANCHING = -2;
    private static final int NO_FOLLOWER = -1;
    private static final long EMPTY = -1L;

    private long[] keys;
    private int[] children;
    private int tableMask;
    private int tableUsed;

    private long[] count = new long[1024];
    private int[] follower = new int[1024];
    private int[] parent = new int[1024];
    private int[] character = new int[1024];
    private int[] depth = new int[1024];
    private int size = 1;

    SubstringTrie() {
        keys = new long[1 << 12];
        children = new int[1 << 12];
        Arrays.fill(keys, EMPTY);
        tableMask = keys.length - 1;
        follower[ROOT] = NO_FOLLOWER;
    }

    int size() {
        return size;
    }

    private static long key(int node, int charId) {
        return (long) node << 24 | charId;
    }

    private static int slot(long key, int mask) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40) & mask;
    }

    /** The child of {@code node} by {@code charId}, or -1. */
    int child(int node, int charId) {
        long k = key(node, charId);
        for (int s = slot(k, tableMask); ; s = (s + 1) & tableMask) {
            long found = keys[s];
            if (found == k) {
                return children[s];
            }
            if (found == EMPTY) {
                return -1;
            }
        }
    }

    /** The child of {@code node} by {@code charId}, created when missing. */
    int childOrAdd(int node, int charId) {
        if (charId >= 1 << 24) {
            throw new IllegalArgumentException("character id " + charId + " does not fit the trie key");
        }
        long k = key(node, charId);
        int s = slot(k, tableMask);
        for (; ; s = (s + 1) & tableMask) {
            long found = keys[s];
            if (found == k) {
                return children[s];
            }
            if (found == EMPTY) {
                break;
            }
        }
        if (size == count.length) {
            int capacity = size * 2;
            count = Arrays.copyOf(count, capacity);
            follower = Arrays.copyOf(follower, capacity);
            parent = Arrays.copyOf(parent, capacity);
            character = Arrays.copyOf(character, capacity);
            depth = Arrays.copyOf(depth, capacity);
        }
        int created = size++;
        parent[created] = node;
        character[created] = charId;
        depth[created] = depth[node] + 1;
        follower[created] = NO_FOLLOWER;
        keys[s] = k;
        children[s] = created;
        if (++tableUsed * 2 > keys.length) {
            grow();
        }
        return created;
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldChildren = children;
        keys = new long[oldKeys.length * 2];
        children = new int[oldKeys.length * 2];
        Arrays.fill(keys, EMPTY);
        tableMask = keys.length - 1;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY) {
                int s = slot(oldKeys[i], tableMask);
                while (keys[s] != EMPTY) {
                    s = (s + 1) & tableMask;
                }
                keys[s] = oldKeys[i];
                children[s] = oldChildren[i];
            }
        }
    }

    /** Counts {@code weight} occurrences of node's substring, followed by {@code next} (or {@link #BRANCHING}). */
    void addOccurrence(int node, long weight, int next) {
        count[node] += weight;
        int seen = follower[node];
        if (seen == NO_FOLLOWER) {
            follower[node] = next;
        } else if (seen != next) {
            follower[node] = BRANCHING;
        }
    }

    long count(int node) {
        return count[node];
    }

    boolean isBranching(int node) {
        return follower[node] == BRANCHING;
    }

    int depth(int node) {
        return depth[node];
    }

    /** The character ids of node's substring, first to last. */
    int[] characters(int node) {
        int[] chars = new int[depth[node]];
        for (int n = node, i = chars.length - 1; n != ROOT; n = parent[n], i--) {
            chars[i] = character[n];
        }
        return chars;
    }
}
