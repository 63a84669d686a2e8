package io.albert4j.tasks;

import io.albert4j.data.DataException;
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
}
