package io.albert4j.io;

import java.nio.file.Path;

/**
 * A checkpoint file (safetensors, {@code pytorch_model.bin}, a TensorFlow bundle, a shard index) is malformed or
 * does not match what the caller expects. The message always starts with the file and, where there is one, names
 * the tensor: {@code "pytorch_model.bin: tensor 'albert.pooler.weight': storage '3' holds 12 elements, the tensor
 * needs 36"}.
 */
public class CheckpointException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String problem;

    public CheckpointException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
        this.problem = problem;
    }

    public CheckpointException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
        this.problem = problem;
    }

    /** The message without the file. */
    public String problem() {
        return problem;
    }

    /** The file the problem is in. */
    public Path file() {
        return file;
    }
}
