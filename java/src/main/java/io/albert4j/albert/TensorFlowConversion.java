package io.albert4j.albert;

import io.albert4j.backend.Backends;
import io.albert4j.io.CheckpointException;
import io.albert4j.io.HfModelDirectory;
import io.albert4j.io.tf.GoogleResearchCheckpoint;
import io.albert4j.io.tf.GoogleResearchConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * google-research/albert's TensorFlow checkpoints (the paper's v1/v2 release tarballs, TF-Hub modules, a run of
 * GR's run_pretraining.py) as HF model folders: HF's {@code convert_albert_original_tf_checkpoint_to_pytorch},
 * writing safetensors. The checkpoint is read under HF's names with the kernels transposed ({@link
 * GoogleResearchCheckpoint}), loaded into an {@link AlbertForPreTraining} built from the GR config (so every shape
 * is checked against it, and a head the checkpoint lacks is initialised and reported), and saved with the
 * SentencePiece model and HF's tokenizer files.
 */
public final class TensorFlowConversion {
    /** The names in GR's release tarballs (albert_base/albert_config.json, albert_base/30k-clean.model). */
    static final String CONFIG_FILE = "albert_config.json";
    static final String TOKENIZER_FILE = "30k-clean.model";

    private TensorFlowConversion() {
    }

    /**
     * The checkpoint prefix {@code path} names: itself (a prefix or its .index), or for a folder (an unpacked GR
     * tarball, a TF-Hub module) the one its {@code checkpoint} file names, else its only {@code *.index}, here or
     * in {@code variables/}.
     */
    public static Path checkpointIn(Path path) {
        if (!Files.isDirectory(path)) {
            return path;
        }
        Path state = path.resolve("checkpoint");
        if (Files.isRegularFile(state)) {
            try {
                for (String line : Files.readAllLines(state)) {
                    Matcher m = CHECKPOINT_LINE.matcher(line.strip());
                    if (m.matches()) {
                        Path named = Path.of(m.group(1));
                        return named.isAbsolute() ? named : path.resolve(named);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + state + ": " + e.getMessage(), e);
            }
        }
        for (Path dir : List.of(path, path.resolve("variables"))) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            List<Path> indexes;
            try (Stream<Path> files = Files.list(dir)) {
                indexes = files.filter(f -> f.getFileName().toString().endsWith(".index")).sorted().toList();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
            }
            if (indexes.size() == 1) {
                return indexes.get(0);
            }
            if (indexes.size() > 1) {
                throw new IllegalArgumentException(dir + " holds " + indexes.size() + " checkpoints " + indexes.stream()
                        .map(f -> f.getFileName().toString()).toList() + "; name one (e.g. --from-tf "
                        + indexes.get(indexes.size() - 1) + ")");
            }
        }
        throw new IllegalArgumentException(path + " holds no TensorFlow checkpoint (no *.index file, here or in "
                + "variables/)");
    }

    private static final Pattern CHECKPOINT_LINE = Pattern.compile("model_checkpoint_path:\\s*\"(.+)\"");

    /** {@code name} in the checkpoint's folder or, for a TF-Hub module's variables/, the folder above. */
    private static Optional<Path> besideCheckpoint(Path checkpoint, String name) {
        Path dir = checkpoint.toAbsolutePath().getParent();
        List<Path> folders = dir.getParent() != null && dir.getFileName().toString().equals("variables")
                ? List.of(dir, dir.getParent()) : List.of(dir);
        return folders.stream().map(f -> f.resolve(name)).filter(Files::isRegularFile).findFirst();
    }

    /**
     * What a conversion did.
     *
     * @param report      the load into AlbertForPreTraining: tensors read, unexpected, newly initialised
     * @param skipped     TF variables left out on purpose (optimizer state, global_step, non-numeric entries)
     * @param synthesized HF tensors GR has no variable for (the identity projection when embedding_size =
     *                    hidden_size)
     */
    public record Result(Path out, AlbertConfig config, HfModelDirectory.LoadReport report, List<String> skipped,
                         List<String> synthesized) {
    }

    /**
     * Converts the bundle at {@code checkpoint} ({@code model.ckpt-N}, its .index, or a folder holding one: {@link
     * #checkpointIn}) described by GR's {@code albert_config.json} into the HF folder {@code out}; {@code
     * tokenizerModel} (GR's {@code 30k-clean.model}) becomes its spiece.model. When null, both are taken from
     * beside the checkpoint as GR's tarballs lay them out (no tokenizer if there is none). {@code out} is written
     * as {@link HfModelDirectory#save} writes.
     */
    public static Result convert(Path checkpoint, Path grConfig, Path tokenizerModel, Path out, boolean overwrite) {
        checkpoint = checkpointIn(checkpoint);
        if (grConfig == null) {
            grConfig = besideCheckpoint(checkpoint, CONFIG_FILE).orElseThrow(() -> new IllegalArgumentException(
                    "no model config: pass GR's albert_config.json (none beside the checkpoint)"));
        }
        if (tokenizerModel == null) {
            tokenizerModel = besideCheckpoint(checkpoint, TOKENIZER_FILE).orElse(null);
        }
        AlbertConfig config;
        try {
            config = AlbertConfig.fromJson(GoogleResearchConfig.read(grConfig).toString());
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(grConfig, e.getMessage(), e);
        }
        try {
            HfModelDirectory.checkCanSave(out, overwrite);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
        try (GoogleResearchCheckpoint tf = GoogleResearchCheckpoint.open(checkpoint);
             AlbertForPreTraining model = AlbertForPreTraining.load(tf, config, Backends.cpu())) {
            model.save(out, tokenizerModel, overwrite);
            return new Result(out, config, model.loadReport().orElseThrow(), tf.skipped(), tf.synthesized());
        }
    }
}
