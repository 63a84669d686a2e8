package io.albert4j.io;

import java.nio.file.Path;

/**
 * A safetensors file (or a checkpoint built from one) is malformed or does not match what the caller expects.
 * The message always starts with the file: {@code "model.safetensors: tensor 'x' has shape [2], expected [3]"}.
 */
public final class SafetensorsException extends CheckpointException {
    private static final long serialVersionUID = 1L;

    public SafetensorsException(Path file, String problem) {
        super(file, problem);
    }

    public SafetensorsException(Path file, String problem, Throwable cause) {
        super(file, problem, cause);
    }
}
