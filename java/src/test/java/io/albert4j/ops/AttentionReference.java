package io.albert4j.ops;

/**
 * Plain double-precision multi-head self-attention for tests: the full {@code [S, S]} score matrix per head, an
 * explicit softmax, and the dropout mask of cpu/attention.cpp recomputed from {@link #uniform}.
 */
final class AttentionReference {
    final int batch;
    final int seq;
    final int heads;
    final int headDim;
    final double[] mask;  // [B, S] additive, or null
    final float dropoutP;
    final long seed;

    AttentionReference(int batch, int seq, int heads, int headDim, double[] mask, float dropoutP, long seed) {
        this.batch = batch;
        this.seq = seq;
        this.heads = heads;
        this.headDim = headDim;
        this.mask = mask;
        this.dropoutP = dropoutP;
        this.seed = seed;
    }

    int hidden() {
        return heads * headDim;
    }

    /** The attention output {@code [B, S, H]} for separate q, k, v {@code [B, S, H]}. */
    double[] output(double[] q, double[] k, double[] v) {
        double[] out = new double[batch * seq * hidden()];
        compute(q, k, v, out, null);
        return out;
    }

    /** log Σ_j exp(score_ij) per {@code [B, heads, S]}, scores scaled and masked. */
    double[] logSumExp(double[] q, double[] k, double[] v) {
        double[] lse = new double[batch * heads * seq];
        compute(q, k, v, new double[batch * seq * hidden()], lse);
        return lse;
    }

    private void compute(double[] q, double[] k, double[] v, double[] out, double[] lse) {
        int hidden = hidden();
        double scale = 1.0 / Math.sqrt(headDim);
        double[] scores = new double[seq];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < seq; i++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < seq; j++) {
                        double dot = 0;
                        for (int d = 0; d < headDim; d++) {
                            dot += q[(b * seq + i) * hidden + h * headDim + d] * k[(b * seq + j) * hidden + h * headDim + d];
                        }
                        scores[j] = dot * scale + (mask == null ? 0 : mask[b * seq + j]);
                        max = Math.max(max, scores[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < seq; j++) {
                        scores[j] = Math.exp(scores[j] - max);
                        sum += scores[j];
                    }
                    if (lse != null) {
                        lse[(b * heads + h) * seq + i] = max + Math.log(sum);
                    }
                    for (int j = 0; j < seq; j++) {
                        double p = scores[j] / sum * keepScale(b, h, i, j);
                        for (int d = 0; d < headDim; d++) {
                            out[(b * seq + i) * hidden + h * headDim + d] += p * v[(b * seq + j) * hidden + h * headDim + d];
                        }
                    }
                }
            }
        }
    }

    /** 1/(1-p) where the probability of query i for key j is kept, 0 where dropped, 1 without dropout. */
    double keepScale(int b, int h, int i, int j) {
        if (dropoutP == 0) {
            return 1;
        }
        long counter = (((long) b * heads + h) * seq + i) * seq + j;
        return uniform(seed, counter) >= dropoutP ? 1.0 / (1.0 - dropoutP) : 0.0;
    }

    /** a4j_mix64 of cmake/include/a4j_math.h (Java's long multiply wraps like uint64_t's). */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** a4j_uniform of a4j_math.h: 24 random bits as a float in [0, 1). */
    static float uniform(long seed, long counter) {
        long r = mix64(seed * 0x9e3779b97f4a7c15L + mix64(counter + 0x632be59bd9b4e019L));
        return (float) (r >>> 40) * (1.0f / 16777216.0f);
    }
}
