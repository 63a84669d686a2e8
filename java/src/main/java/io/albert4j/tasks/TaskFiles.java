package io.albert4j.tasks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The training and held-out files of a task: given one by one, or found in a data folder laid out as the task's
 * public release is (GLUE: {@code train.tsv}, {@code dev.tsv} or MNLI's {@code dev_matched.tsv} and
 * {@code dev_mismatched.tsv}; SQuAD: {@code train-v1.1.json}, {@code dev-v1.1.json} or v2.0; RACE: {@code train/}
 * and {@code dev/}; CoNLL: {@code train.txt} and {@code dev.txt} or {@code valid.txt}).
 */
public record TaskFiles(Path train, List<Path> dev) {
    public TaskFiles {
        dev = dev == null ? List.of() : List.copyOf(dev);
    }

    /** Explicit files win over the folder's. */
    public static TaskFiles resolve(TaskPreset preset, Path dataDir, Path train, List<Path> dev) {
        Path trainFile = train;
        List<Path> devFiles = dev == null ? new ArrayList<>() : new ArrayList<>(dev);
        if (dataDir != null) {
            if (!Files.isDirectory(dataDir)) {
                throw new TaskDataException(dataDir + ": not a folder");
            }
            List<Path> found = new ArrayList<>();
            Path foundTrain = switch (preset.kind()) {
                case CLASSIFICATION -> {
                    if (preset.glue() == null) {
                        found.add(dataDir.resolve("dev.tsv"));
                        yield dataDir.resolve("train.tsv");
                    }
                    found.addAll(preset.glue().devFiles(dataDir));
                    yield preset.glue().trainFile(dataDir);
                }
                case SQUAD_V1, SQUAD_V2 -> {
                    String version = preset.kind() == TaskPreset.Kind.SQUAD_V1 ? "v1.1" : "v2.0";
                    found.add(dataDir.resolve("dev-" + version + ".json"));
                    yield dataDir.resolve("train-" + version + ".json");
                }
                case MULTIPLE_CHOICE -> {
                    found.add(dataDir.resolve("dev"));
                    yield dataDir.resolve("train");
                }
                case TOKENS -> {
                    found.add(Files.exists(dataDir.resolve("dev.txt")) ? dataDir.resolve("dev.txt")
                            : dataDir.resolve("valid.txt"));
                    yield dataDir.resolve("train.txt");
                }
            };
            if (trainFile == null) {
                trainFile = foundTrain;
            }
            if (devFiles.isEmpty()) {
                found.stream().filter(Files::exists).forEach(devFiles::add);
            }
        }
        if (trainFile == null) {
            throw new IllegalArgumentException("no training data: give --train FILE or --data DIR");
        }
        if (!Files.exists(trainFile)) {
            throw new TaskDataException(trainFile + ": no such file");
        }
        for (Path d : devFiles) {
            if (!Files.exists(d)) {
                throw new TaskDataException(d + ": no such file");
            }
        }
        return new TaskFiles(trainFile, devFiles);
    }
}
