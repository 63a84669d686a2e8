package io.albert4j.train;

import io.albert4j.albert.AlbertPreTrainedModel;
import io.albert4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@link Finetuner} needs from a task: the model with its head, the training features it has prepared (a
 * reader's examples, tokenized and windowed), the loss of a batch of them, and an evaluation on held-out data with
 * the task's own metric. Implementations live in {@code io.albert4j.tasks}: sequence classification (GLUE and
 * generic files), SQuAD span extraction, RACE multiple choice and token classification.
 */
public interface FinetuningTask extends AutoCloseable {
    /** A short name for logs and progress ("sst-2", "squad-v2", ...). */
    String name();

    /** The model being fine-tuned; the finetuner switches its mode and owns its optimizer, not its lifetime. */
    AlbertPreTrainedModel model();

    /** Number of training features (a SQuAD question may give several windows, a RACE question one feature). */
    int trainingSize();

    /** Non-padding tokens of these training features, for the tokens/s figure. */
    long tokens(int[] features);

    /** The mean loss of these training features, computed in the caller's training {@link io.albert4j.ops.Step}. */
    Tensor loss(int[] features, long dropoutSeed);

    /** Whether {@link #evaluate()} has held-out data to score. */
    boolean canEvaluate();

    /** Scores the model on the held-out data (dropout off); called every N steps and at the end. */
    FinetuningEvaluation evaluate();

    /**
     * config.json for a saved checkpoint: the model's config plus what inference needs to use it again (labels,
     * the task and its settings, a tuned threshold from {@code evaluation}, which may be null).
     */
    String configJson(FinetuningEvaluation evaluation);

    /** Files a task writes beside the best checkpoint (official prediction files), by name. */
    default List<String> outputFiles() {
        return List.of();
    }

    /** Writes {@link #outputFiles()} of {@code evaluation} into {@code dir}, each atomically. */
    default void writeOutputs(FinetuningEvaluation evaluation, Path dir) throws IOException {
    }

    /** Frees the model the task made. */
    @Override
    void close();
}
