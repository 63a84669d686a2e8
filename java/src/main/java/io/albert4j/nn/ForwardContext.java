package io.albert4j.nn;

import io.albert4j.ops.Ops;
import io.albert4j.tensor.Tensor;

/**
 * What every block of one forward pass shares: training or inference, the additive attention mask, and the dropout
 * seeds. Each dropout site takes the next seed of a SplitMix64 sequence started from the step's seed, so the same
 * (seed, inputs, weights) give the same masks and two sites never share one.
 */
public final class ForwardContext {
    private final boolean training;
    private final Tensor attentionMaskAdd;
    private long seedState;

    /** @param attentionMaskAdd F32 {@code [B, S]} of 0 / -10000 (see {@link Ops#additiveMask}), or null for none */
    public ForwardContext(boolean training, Tensor attentionMaskAdd, long seed) {
        this.training = training;
        this.attentionMaskAdd = attentionMaskAdd;
        this.seedState = seed;
    }

    /** A copy at the same position of the seed sequence: replaying a block with it draws the same seeds. */
    public ForwardContext fork() {
        return new ForwardContext(training, attentionMaskAdd, seedState);
    }

    public boolean training() {
        return training;
    }

    public Tensor attentionMaskAdd() {
        return attentionMaskAdd;
    }

    /** The dropout probability to use now: {@code p} in training, 0 in inference. */
    public float dropoutP(float p) {
        return training ? p : 0f;
    }

    /** Inverted dropout in training; the input itself otherwise (no op, no tape node). */
    public Tensor dropout(Tensor x, float p) {
        if (!training || p == 0f) {
            return x;
        }
        return Ops.dropout(x, p, nextSeed());
    }

    /** The seed of the next dropout site (SplitMix64, Steele et al. 2014). */
    public long nextSeed() {
        long z = (seedState += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
