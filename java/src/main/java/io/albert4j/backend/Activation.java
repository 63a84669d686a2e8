package io.albert4j.backend;

import java.util.Locale;

/** Activation of the fused bias+activation kernel; codes match {@code enum a4j_activation} in albert4j.h. */
public enum Activation {
    /** HF "gelu": exact erf form. */
    GELU_ERF(0),
    /** HF "gelu_new" / GR "gelu": the tanh approximation. */
    GELU_TANH(1),
    RELU(2),
    IDENTITY(3);

    private final int code;

    Activation(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** Maps a HuggingFace {@code hidden_act} string. */
    public static Activation fromHuggingFace(String hiddenAct) {
        return switch (hiddenAct.toLowerCase(Locale.ROOT)) {
            case "gelu" -> GELU_ERF;
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> GELU_TANH;
            case "relu" -> RELU;
            case "linear", "identity" -> IDENTITY;
            default -> throw new IllegalArgumentException("unsupported hidden_act '" + hiddenAct
                    + "': expected gelu, gelu_new, gelu_pytorch_tanh, gelu_fast, relu or linear");
        };
    }
}
