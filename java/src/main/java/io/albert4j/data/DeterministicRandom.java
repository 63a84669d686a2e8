package io.albert4j.data;

import java.util.List;

/**
 * SplitMix64 generator with the Python {@code random} operations the pipeline needs (random(), randint, shuffle).
 *
 * <p>Why not {@link java.util.SplittableRandom} or {@code java.util.random}: resuming a run from a saved cursor on
 * another JDK must replay exactly the same draws, so the algorithm (including the bounded-int rejection rule and
 * the shuffle) is written down here, not borrowed from a JDK implementation that may change.
 *
 * <p>Streams are derived, not shared: {@link #derive} hashes the run seed with a purpose tag and the indices of
 * the thing being randomised (pass, window, document, instance), so any piece of the pipeline can be recomputed on
 * its own, in parallel, or after a restart, with the same result.
 */
final class DeterministicRandom {
    /** Purpose tags for {@link #derive}; each names one independent stream (see {@code docs/data-pipeline.md}). */
    static final long FILE_ORDER = 1, DOCUMENT_ORDER = 2, SEGMENTS = 3, MASKING = 4, INSTANCE_ORDER = 5,
            PART = 6;

    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;
    private long state;

    DeterministicRandom(long seed) {
        this.state = seed;
    }

    /** A stream for one purpose and one position in the pipeline, independent of every other stream. */
    static DeterministicRandom derive(long seed, long purpose, long... indices) {
        long h = mix64(seed ^ 0x5DEECE66DL);
        h = mix64(h ^ mix64(purpose + GOLDEN_GAMMA));
        for (long index : indices) {
            h = mix64(h ^ mix64(index * GOLDEN_GAMMA + 0x632BE59BD9B4E019L));
        }
        return new DeterministicRandom(h);
    }

    long nextLong() {
        state += GOLDEN_GAMMA;
        return mix64(state);
    }

    /** Uniform in [0, 1) with 53 random bits, like Python's {@code random.random()}. */
    double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [0, bound), unbiased (rejects the top partial range). */
    int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive, got " + bound);
        }
        long bits;
        long value;
        do { // reject draws from the last, incomplete multiple of bound among 2^63 values
            bits = nextLong() >>> 1;
            value = bits % bound;
        } while (bits - value + (bound - 1) < 0);
        return (int) value;
    }

    /** Uniform in [low, high] inclusive, like Python's {@code random.randint}. */
    int nextIntInclusive(int low, int high) {
        return low + nextInt(high - low + 1);
    }

    /** Fisher–Yates from the back, as Python's {@code random.shuffle}. */
    <T> void shuffle(List<T> list) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            T t = list.get(i);
            list.set(i, list.get(j));
            list.set(j, t);
        }
    }

    void shuffle(int[] values) {
        for (int i = values.length - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = values[i];
            values[i] = values[j];
            values[j] = t;
        }
    }

    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
