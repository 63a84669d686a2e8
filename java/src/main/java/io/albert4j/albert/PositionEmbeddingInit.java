package io.albert4j.albert;

import java.util.Locale;

/**
 * How a fresh model's position-embedding table starts. Either way the positions stay learned absolute embeddings, as
 * in ALBERT; only the starting values differ.
 */
public enum PositionEmbeddingInit {
    /** normal(0, initializer_range), as HF and google-research initialise every table. */
    NORMAL,
    /**
     * Each column a random walk over the positions, centred and scaled to the same standard deviation
     * (initializer_range): neighbouring positions start similar and far ones apart, so "attend to the positions next
     * to mine" is there from the first step instead of being discovered. On the demo model it shortened the plateau
     * at the start of training (docs/demo-recipe.md).
     */
    RANDOM_WALK;

    /** "normal" or "random-walk" (as on the command line). */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static PositionEmbeddingInit parse(String label) {
        for (PositionEmbeddingInit v : values()) {
            if (v.label().equals(label.trim().toLowerCase(Locale.ROOT))) {
                return v;
            }
        }
        throw new IllegalArgumentException("position-embedding init '" + label + "': expected normal or random-walk");
    }
}
