package io.albert4j.tasks;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a GLUE train or dev TSV as GR does ({@code csv.reader(delimiter="\t", quotechar=None)}: fields split at
 * every tab, quotes are text). A row with too few columns or a label outside the task's set is an error naming the
 * file and line, except in QQP, whose released train file has a few broken rows that GR and HF both skip (the count
 * is reported).
 */
public final class GlueReader {
    private GlueReader() {
    }

    /** The examples of {@code file}, labelled. */
    public static List<TextExample> read(GlueTask task, Path file) {
        List<TextExample> examples = new ArrayList<>();
        int skipped = 0;
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            long number = 0;
            int needed = 1 + Math.max(task.textColumn(), Math.max(task.pairColumn(), task.labelColumn()));
            while ((line = reader.readLine()) != null) {
                number++;
                if (number == 1 && task.hasHeader()) {
                    continue;
                }
                if (line.isEmpty()) {
                    continue;
                }
                String[] fields = line.split("\t", -1);
                if (fields.length < needed) {
                    if (task == GlueTask.QQP) {
                        skipped++;
                        continue;
                    }
                    throw TaskDataException.atLine(file, number, fields.length + " tab-separated column"
                            + (fields.length == 1 ? "" : "s") + ", " + task.taskName() + " needs at least " + needed);
                }
                String label = fields[task.labelColumn() < 0 ? fields.length - 1 : task.labelColumn()].strip();
                if (task.isRegression()) {
                    try {
                        Double.parseDouble(label);
                    } catch (NumberFormatException e) {
                        throw TaskDataException.atLine(file, number, "score '" + label + "' is not a number");
                    }
                } else if (!task.labels().contains(label)) {
                    throw TaskDataException.atLine(file, number, "label '" + label + "' is not one of "
                            + task.labels());
                }
                examples.add(new TextExample(file.getFileName() + ":" + number, fields[task.textColumn()],
                        task.pairColumn() < 0 ? null : fields[task.pairColumn()], List.of(label),
                        file + ":" + number));
            }
        } catch (NoSuchFileException e) {
            throw new TaskDataException(file + ": no such file (a GLUE " + task.taskName() + " folder holds "
                    + task.trainFile(Path.of("")) + " and " + task.devFiles(Path.of("")) + ")");
        } catch (IOException e) {
            throw TaskDataException.unreadable(file, e);
        }
        if (examples.isEmpty()) {
            throw new TaskDataException(file + ": no examples");
        }
        if (skipped > 0) {
            System.err.println(file + ": skipped " + skipped + " row(s) with too few columns, as GR and HF do for QQP");
        }
        return examples;
    }
}
