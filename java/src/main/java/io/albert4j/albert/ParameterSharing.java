package io.albert4j.albert;

import java.util.Locale;

/**
 * Which parts of a Transformer block ALBERT's layers share (paper §4.5, Table 4: "all-shared", "shared-attention",
 * "shared-FFN", "not-shared"). The released models, and HuggingFace, only know {@link #ALL}; the others are the
 * paper's ablations and are stored in config.json under the extra key {@code "sharing"} (HF keeps unknown keys as
 * attributes and ignores them).
 */
public enum ParameterSharing {
    /** One block per group, reused by every layer of the group (HF layout; groups=1 → one block for all layers). */
    ALL("all"),
    /** The attention sub-block is shared by all layers, each layer has its own feed-forward sub-block. */
    ATTENTION("attention"),
    /** The feed-forward sub-block is shared by all layers, each layer has its own attention sub-block. */
    FFN("ffn"),
    /** Every layer has its own block (BERT-style). */
    NONE("none");

    private final String jsonName;

    ParameterSharing(String jsonName) {
        this.jsonName = jsonName;
    }

    public String jsonName() {
        return jsonName;
    }

    public static ParameterSharing fromJson(String name) {
        for (ParameterSharing s : values()) {
            if (s.jsonName.equals(name.toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        throw new IllegalArgumentException("config: unknown sharing '" + name + "': expected all, attention, ffn or none");
    }
}
