package io.albert4j.albert;

import io.albert4j.backend.Backends;
import io.albert4j.io.CheckpointException;
import io.albert4j.io.HfModelDirectory;
import io.albert4j.io.tf.GoogleResearchCheckpoint;
import io.albert4j.io.tf.GoogleResearchConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * google-research/albert's TensorFlow checkpoints (the paper's v1/v2 release tarballs, TF-Hub modules, a run of
 * GR's run_pretraining.py) as HF model folders: HF's {@code convert_albert_original_tf_checkpoint_to_pytorch},
 * writing safetensors. The checkpoint is read under HF's names with the kernels transposed ({@link
 * GoogleResearchCheckpoint}), loaded into an {@link AlbertForPreTraining} built from the GR config (so every shape
 * is checked against it, and a head the checkpoint lacks is initialised and reported), and saved with the
 * SentencePiece model and HF's tokenizer files.
 */
public final class TensorFlowConversion {
    private TensorFlowConversion() {
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
     * Converts the bundle at {@code checkpoint} ({@code model.ckpt-N} or its .index) described by GR's {@code
     * albert_config.json} into the HF folder {@code out}; {@code tokenizerModel} (GR's {@code 30k-clean.model},
     * may be null) becomes its spiece.model. {@code out} is written as {@link HfModelDirectory#save} writes.
     */
    public static Result convert(Path checkpoint, Path grConfig, Path tokenizerModel, Path out, boolean overwrite) {
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
