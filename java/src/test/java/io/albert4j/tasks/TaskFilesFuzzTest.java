package io.albert4j.tasks;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.albert4j.testing.ReaderContract;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Fuzz targets of the fine-tuning task files: generic JSON lines, TSV and CSV classification files, GLUE's TSVs,
 * SQuAD JSON, RACE JSON and CoNLL. Each file is read labelled (training, evaluation) and unlabelled (prediction).
 */
class TaskFilesFuzzTest {
    private static final Path DIR = ReaderContract.scratch("tasks");
    private static final TextColumns COLUMNS = new TextColumns(List.of("text"), List.of("pair"), "label", "|");

    @FuzzTest
    void jsonLines(byte[] data) throws Exception {
        textFile("train.jsonl", data);
    }

    @FuzzTest
    void tsv(byte[] data) throws Exception {
        textFile("train.tsv", data);
    }

    @FuzzTest
    void csv(byte[] data) throws Exception {
        textFile("train.csv", data);
    }

    /** The first byte picks the GLUE task, the rest is its {@code dev.tsv}. */
    @FuzzTest
    void glue(byte[] data) throws Exception {
        if (data.length == 0) {
            return;
        }
        GlueTask task = GlueTask.values()[Byte.toUnsignedInt(data[0]) % GlueTask.values().length];
        Path file = write("dev.tsv", Arrays.copyOfRange(data, 1, data.length));
        ReaderContract.parsesOrRefuses(file, () -> GlueReader.read(task, file),
                TaskDataException.class, UncheckedIOException.class);
    }

    @FuzzTest
    void squad(byte[] data) throws Exception {
        Path file = write("train-v2.0.json", data);
        for (boolean labelled : new boolean[] {true, false}) {
            ReaderContract.parsesOrRefuses(file, () -> SquadReader.read(file, labelled),
                    TaskDataException.class, UncheckedIOException.class);
        }
    }

    @FuzzTest
    void race(byte[] data) throws Exception {
        Path file = write("high-1.txt", data);
        for (boolean labelled : new boolean[] {true, false}) {
            ReaderContract.parsesOrRefuses(file, () -> RaceReader.read(file, labelled),
                    TaskDataException.class, UncheckedIOException.class);
        }
    }

    @FuzzTest
    void conll(byte[] data) throws Exception {
        Path file = write("train.conll", data);
        for (boolean labelled : new boolean[] {true, false}) {
            ReaderContract.parsesOrRefuses(file, () -> ConllReader.read(file, labelled),
                    TaskDataException.class, UncheckedIOException.class);
        }
    }

    private static void textFile(String name, byte[] data) throws Exception {
        Path file = write(name, data);
        for (boolean labelled : new boolean[] {true, false}) {
            ReaderContract.parsesOrRefuses(file, () -> TextFileReader.read(file, COLUMNS, labelled),
                    TaskDataException.class, UncheckedIOException.class);
        }
    }

    private static Path write(String name, byte[] data) throws Exception {
        Path file = DIR.resolve(name);
        Files.write(file, data);
        return file;
    }
}
