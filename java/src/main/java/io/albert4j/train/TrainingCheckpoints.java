package io.albert4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.albert4j.io.AtomicFiles;
import io.albert4j.io.HfModelDirectory;
import io.albert4j.io.SafetensorsReader;
import io.albert4j.tensor.Tensor;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Training checkpoints under one run directory: {@code DIR/checkpoint-STEP/} holds a complete HuggingFace model
 * directory (config.json, model.safetensors, spiece.model) plus {@code training_state.safetensors} (optimizer
 * moments), {@code trainer_state.json} and, written last, the {@code COMPLETE} marker. Each checkpoint is built in
 * a temporary directory and renamed into place; the last {@code keepLast} are kept.
 *
 * <p>{@link #latest} returns the newest checkpoint that is complete and whose files validate, skipping (with a
 * warning) anything a crash left behind.
 */
public final class TrainingCheckpoints {
    public static final String TRAINING_STATE_FILE = "training_state.safetensors";
    public static final String TRAINER_STATE_FILE = "trainer_state.json";
    public static final String COMPLETE_MARKER = "COMPLETE";
    private static final Pattern NAME = Pattern.compile("checkpoint-(\\d+)");
    private static final System.Logger LOG = System.getLogger(TrainingCheckpoints.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path root;
    private final int keepLast;

    /** A checkpoint found on disk: its directory and trainer state. Load the model with {@link #loadModel}. */
    public record Checkpoint(Path directory, TrainerState state) {
        public long step() {
            return state.step();
        }

        /** Fills the model's parameters from this checkpoint's model.safetensors (strict: no unexpected tensors). */
        public HfModelDirectory.LoadReport loadModel(Map<String, Tensor> parameters) {
            return HfModelDirectory.loadWeights(directory, parameters, false);
        }

        /** Restores the optimizer's moments and step count. */
        public void loadOptimizer(Optimizer optimizer) {
            optimizer.loadState(directory.resolve(TRAINING_STATE_FILE));
        }
    }

    public TrainingCheckpoints(Path root, int keepLast) {
        if (keepLast < 1) {
            throw new IllegalArgumentException("checkpoints: keepLast must be >= 1, got " + keepLast);
        }
        this.root = root;
        this.keepLast = keepLast;
    }

    public static Path directoryFor(Path root, long step) {
        return root.resolve("checkpoint-" + step);
    }

    /**
     * Writes {@code checkpoint-STEP} atomically and prunes older ones beyond {@code keepLast}.
     *
     * @param modelConfig    the model's config.json content
     * @param parameters     the model's parameters under their HF names
     * @param tokenizerModel spiece.model to copy along (may be null)
     */
    public Path save(TrainerState state, JsonNode modelConfig, Map<String, Tensor> parameters, Path tokenizerModel,
                     Optimizer optimizer) throws IOException {
        Path target = directoryFor(root, state.step());
        try {
            AtomicFiles.writeDirectory(target, temp -> {
                HfModelDirectory.writeInto(temp, modelConfig, parameters, tokenizerModel);
                optimizer.saveState(temp.resolve(TRAINING_STATE_FILE));
                Files.writeString(temp.resolve(TRAINER_STATE_FILE), JSON.writeValueAsString(state.toJson()) + "\n");
                // Last: only a directory with this marker counts as a checkpoint.
                Files.writeString(temp.resolve(COMPLETE_MARKER), Long.toString(state.step()) + "\n");
            });
        } catch (IOException e) {
            // The write left nothing half done; say what a resume would start from.
            List<Checkpoint> complete = completeCheckpoints(root, false);
            String resumable = complete.isEmpty() ? "there is no earlier checkpoint"
                    : "the newest complete checkpoint, " + complete.get(complete.size() - 1).directory().getFileName()
                    + ", is intact (--resume continues from it)";
            throw new IOException(e.getMessage() + "; " + resumable, e.getCause() != null ? e.getCause() : e);
        }
        prune();
        return target;
    }

    private void prune() throws IOException {
        List<Checkpoint> complete = completeCheckpoints(root, false);
        for (int i = 0; i < complete.size() - keepLast; i++) {
            // The marker first: a kill in the middle of the deletion leaves a directory that no longer counts as
            // a checkpoint, never a "complete" one with files missing (say its spiece.model).
            Path directory = complete.get(i).directory();
            Files.deleteIfExists(directory.resolve(COMPLETE_MARKER));
            AtomicFiles.deleteRecursively(directory);
        }
        recoverLeftovers(root);
    }

    /**
     * Clears up what killed checkpoint writes left under {@code root}: temporary directories are deleted, and a
     * checkpoint set aside while it was being replaced is put back ({@link AtomicFiles#recover}).
     */
    public static void recoverLeftovers(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            return;
        }
        // A checkpoint directory without its marker is one whose deletion (pruning) a kill interrupted: a write
        // renames a checkpoint into place only once it is complete. Older than the newest complete one, it goes.
        List<Checkpoint> complete = completeCheckpoints(root, false);
        long newest = complete.isEmpty() ? -1 : complete.get(complete.size() - 1).step();
        try (var entries = Files.list(root)) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (m.matches() && Files.isDirectory(p) && !Files.exists(p.resolve(COMPLETE_MARKER))
                        && Long.parseLong(m.group(1)) < newest) {
                    AtomicFiles.deleteRecursively(p);
                }
            }
        }
        Set<String> targets = new TreeSet<>();
        try (var entries = Files.list(root)) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                AtomicFiles.leftoverOf(p.getFileName().toString()).filter(TrainingCheckpoints::isCheckpointName)
                        .ifPresent(targets::add);
            }
        }
        for (String target : targets) {
            AtomicFiles.recover(root.resolve(target));
        }
    }

    /** Whether {@code name} is a checkpoint directory's name, {@code checkpoint-STEP}. */
    public static boolean isCheckpointName(String name) {
        return NAME.matcher(name).matches();
    }

    /** The newest complete, valid checkpoint under {@code root}, or empty. */
    public static Optional<Checkpoint> latest(Path root) throws IOException {
        List<Checkpoint> complete = completeCheckpoints(root, true);
        return complete.isEmpty() ? Optional.empty() : Optional.of(complete.get(complete.size() - 1));
    }

    /** Every complete, valid checkpoint under {@code root}, oldest first. */
    public static List<Checkpoint> completeCheckpoints(Path root, boolean warn) throws IOException {
        List<Checkpoint> found = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return found;
        }
        try (var entries = Files.list(root)) {
            for (Path dir : (Iterable<Path>) entries::iterator) {
                Matcher m = NAME.matcher(dir.getFileName().toString());
                if (!m.matches() || !Files.isDirectory(dir)) {
                    continue;
                }
                String problem = validate(dir, m.group(1));
                if (problem != null) {
                    if (warn) {
                        LOG.log(Level.WARNING, "skipping checkpoint " + dir + ": " + problem);
                    }
                    continue;
                }
                found.add(new Checkpoint(dir, readState(dir)));
            }
        }
        found.sort(Comparator.comparingLong(Checkpoint::step));
        return found;
    }

    /** Null when {@code dir} is a complete checkpoint of step {@code stepText}, else what is wrong with it. */
    static String validate(Path dir, String stepText) {
        try {
            long step = Long.parseLong(stepText);
            Path marker = dir.resolve(COMPLETE_MARKER);
            if (!Files.isRegularFile(marker)) {
                return "no " + COMPLETE_MARKER + " marker (the write was interrupted)";
            }
            if (!Files.readString(marker).strip().equals(Long.toString(step))) {
                return COMPLETE_MARKER + " marker names another step";
            }
            TrainerState state = readState(dir);
            if (state.step() != step) {
                return TRAINER_STATE_FILE + " says step " + state.step();
            }
            HfModelDirectory.readConfig(dir);
            for (String file : List.of(HfModelDirectory.WEIGHTS_FILE, TRAINING_STATE_FILE)) {
                SafetensorsReader.open(dir.resolve(file)).close();  // validates header and sizes
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return e.getMessage();
        }
    }

    private static TrainerState readState(Path dir) {
        Path file = dir.resolve(TRAINER_STATE_FILE);
        try {
            return TrainerState.fromJson(JSON.readTree(file.toFile()));
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }
}
