package io.albert4j.tasks;

import io.albert4j.data.DataException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Path;

/**
 * A task file that cannot be used as it is, with where: {@code dev.tsv:14: 3 columns, MRPC needs at least 5} or
 * {@code train-v2.0.json: data[0].paragraphs[3].qas[1].answers[0].answer_start: -4 is outside the context}.
 */
public final class TaskDataException extends DataException {
    private static final long serialVersionUID = 1L;

    public TaskDataException(String message) {
        super(message);
    }

    public TaskDataException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A problem on a line (1-based) of a text file. */
    public static TaskDataException atLine(Path file, long line, String problem) {
        return new TaskDataException(file + ":" + line + ": " + problem);
    }

    /** A problem at a JSON path of a JSON file ({@code data[0].paragraphs[2].context}). */
    public static TaskDataException atJsonPath(Path file, String path, String problem) {
        return new TaskDataException(file + ": " + path + ": " + problem);
    }

    /**
     * A file that could not be read: not UTF-8 text (the JDK's bare "Input length = 1") said as such, other I/O
     * failures with the file named.
     */
    public static RuntimeException unreadable(Path file, IOException e) {
        if (e instanceof CharacterCodingException) {
            return new TaskDataException(file + ": not UTF-8 text (a malformed byte sequence); task files must be "
                    + "UTF-8", e);
        }
        return new UncheckedIOException(file + ": " + e.getMessage(), e);
    }
}
