package io.albert4j.nn;

/** How a parameter starts (HF {@code AlbertPreTrainedModel._init_weights}). */
public enum Init {
    /** Plain normal(0, initializer_range), not truncated (HF; GR truncates). Dense weights and embedding tables. */
    NORMAL,
    /** Biases and LayerNorm β. */
    ZEROS,
    /** LayerNorm γ. */
    ONES
}
