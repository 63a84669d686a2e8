package io.albert4j.albert;

import io.albert4j.backend.Backend;
import io.albert4j.backend.Backends;
import io.albert4j.nn.ForwardContext;
import io.albert4j.nn.Linear;
import io.albert4j.ops.Ops;
import io.albert4j.ops.Step;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * ALBERT for multiple choice, e.g. RACE or SWAG (HF {@code AlbertForMultipleChoice}): I32 inputs
 * {@code [B, C, S]} (C choices per question) are flattened to {@code [B·C, S]}, pooled → dropout
 * ({@link AlbertConfig#effectiveClassifierDropoutProb()}; current HF's {@code classifier_dropout_prob}, older HF
 * used {@code hidden_dropout_prob}) → {@code classifier} Linear(H, 1) → logits {@code [B, C]}; loss cross-entropy
 * against I32 labels {@code [B]} in [0, C). Keys {@code albert.*} (with pooler), {@code classifier.weight/bias}.
 *
 * <pre>{@code
 * try (var model = AlbertForMultipleChoice.fromPretrained(Path.of("albert-base-v2"), 42L);
 *      var arena = new StepArena(model.backend(), 64 << 20)) {
 *     model.enableGradients();
 *     model.train();
 *     try (Step step = Step.training(model.backend(), arena)) {
 *         Tensor ids = step.allocate(DType.I32, batch, 4, seq);  // [CLS] article [SEP] question + option [SEP]
 *         ids.copyFrom(flatIds);
 *         Tensor mask = ..., types = ...;                       // same shape, or null
 *         Tensor answer = step.allocate(DType.I32, batch);
 *         answer.copyFrom(correctOption);
 *         step.backward(model.forward(ids, mask, types, answer, stepNumber).loss());
 *     }
 *     model.eval();
 *     HostArray scores = model.predict(idsPerChoice, maskPerChoice, typesPerChoice); // int[B][C][S] → [B, C]
 * }
 * }</pre>
 */
public final class AlbertForMultipleChoice extends AlbertPreTrainedModel {
    private static final String HEAD = "AlbertForMultipleChoice";
    private final AlbertModel albert;
    private final Linear classifier;

    private AlbertForMultipleChoice(AlbertConfig config) {
        super(config);
        albert = child("albert", new AlbertModel(config, true));
        classifier = child("classifier", new Linear(config.hiddenSize(), 1));
    }

    public static AlbertForMultipleChoice shapesOnly(AlbertConfig config) {
        return new AlbertForMultipleChoice(config);
    }

    public static AlbertForMultipleChoice create(AlbertConfig config, long seed) {
        return create(config, Backends.cpu(), seed);
    }

    public static AlbertForMultipleChoice create(AlbertConfig config, Backend backend, long seed) {
        return createModel(AlbertForMultipleChoice::new, config, backend, seed);
    }

    public static AlbertForMultipleChoice fromParameters(AlbertConfig config, Backend backend,
                                                         Map<String, Tensor> values) {
        return modelFromParameters(AlbertForMultipleChoice::new, config, backend, values);
    }

    /** Loads a fine-tuned HF directory of this head onto the CPU backend. */
    public static AlbertForMultipleChoice load(Path dir) {
        return load(dir, Backends.cpu());
    }

    public static AlbertForMultipleChoice load(Path dir, Backend backend) {
        return FineTuningHeads.load(dir, backend, AlbertForMultipleChoice::new, HEAD);
    }

    /** Starts fine-tuning from a base or pretraining checkpoint with a fresh classifier. */
    public static AlbertForMultipleChoice fromPretrained(Path dir, long seed) {
        return fromPretrained(dir, Backends.cpu(), UnaryOperator.identity(), seed);
    }

    public static AlbertForMultipleChoice fromPretrained(Path dir, Backend backend,
                                                         UnaryOperator<AlbertConfig> configure, long seed) {
        return FineTuningHeads.fromPretrained(dir, backend, configure, seed, AlbertForMultipleChoice::new);
    }


    public AlbertModel albert() {
        return albert;
    }

    /**
     * Training API inside the caller's {@link Step}: {@code inputIds [B, C, S]}, mask and token types of the same
     * shape or null, labels {@code [B]} (the right choice) or null → logits {@code [B, C]} and the loss.
     */
    public Output forward(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds, Tensor labels,
                          long dropoutSeed) {
        AlbertInputs flat = flatten(inputIds, attentionMask, tokenTypeIds);
        return forward(flat, inputIds.dim(1), labels, context(flat, isTraining(), dropoutSeed));
    }

    private Output forward(AlbertInputs flat, int choices, Tensor labels, ForwardContext context) {
        int batch = flat.batchSize() / choices;
        if (labels != null) {
            FineTuningHeads.requireLabels(HEAD, "labels", labels, DType.I32, Step.current().backend(),
                    "the index of the right choice for each of the " + batch + " questions", batch);
            FineTuningHeads.requireClasses(HEAD, "labels", Backends.hostInts(labels), choices,
                    "num_choices");
        }
        Tensor pooled = albert.forward(flat, context).poolerOutput();
        Tensor scores = classifier.forward(context.dropout(pooled, config.effectiveClassifierDropoutProb()));
        Tensor logits = Ops.reshape(scores, batch, choices);
        return new Output(labels == null ? null : Losses.crossEntropy(logits, labels), logits);
    }

    /** {@code [B, C, S]} → {@link AlbertInputs} of {@code [B·C, S]} (views, no copy). */
    private static AlbertInputs flatten(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds) {
        if (inputIds == null) {
            throw new NullPointerException(HEAD + ": input_ids is required");
        }
        if (inputIds.rank() != 3) {
            throw new IllegalArgumentException(HEAD + ": input_ids must be [batch, num_choices, seq], got "
                    + inputIds.describe());
        }
        int[] shape = inputIds.shape();
        int rows = shape[0] * shape[1];
        Tensor[] views = new Tensor[3];
        Tensor[] given = {inputIds, attentionMask, tokenTypeIds};
        String[] names = {"input_ids", "attention_mask", "token_type_ids"};
        for (int i = 0; i < 3; i++) {
            if (given[i] == null) {
                continue;
            }
            if (!Arrays.equals(given[i].shape(), shape)) {
                throw new IllegalArgumentException(HEAD + ": " + names[i] + " " + given[i].describe()
                        + " must have the shape of input_ids " + Arrays.toString(shape) + " [batch, num_choices, seq]");
            }
            views[i] = given[i].view(rows, shape[2]);
        }
        return new AlbertInputs(views[0], views[1], views[2]);
    }

    /**
     * Thread-safe inference on {@code [batch][choice][seq]} arrays (every question with the same number of choices,
     * every row padded to one length; mask and types may be null): logits {@code [B, C]}.
     */
    public HostArray predict(int[][][] inputIds, int[][][] attentionMask, int[][][] tokenTypeIds) {
        int batch = inputIds.length;
        int choices = batch == 0 ? 0 : inputIds[0].length;
        int[][] ids = rowsOf("input_ids", inputIds, batch, choices);
        int[][] mask = attentionMask == null ? null : rowsOf("attention_mask", attentionMask, batch, choices);
        int[][] types = tokenTypeIds == null ? null : rowsOf("token_type_ids", tokenTypeIds, batch, choices);
        return inInferenceStep(() -> {
            AlbertInputs flat = AlbertInputs.copyOf(ids, mask, types);
            return toHost(forward(flat, choices, null, context(flat, false, 0L)).logits());
        });
    }

    private static int[][] rowsOf(String name, int[][][] values, int batch, int choices) {
        if (values.length != batch) {
            throw new IllegalArgumentException(HEAD + ": " + name + " has " + values.length + " questions, input_ids "
                    + batch);
        }
        int[][] rows = new int[batch * choices][];
        for (int b = 0; b < batch; b++) {
            if (values[b].length != choices) {
                throw new IllegalArgumentException(HEAD + ": " + name + " question " + b + " has "
                        + values[b].length + " choices, question 0 of input_ids has " + choices
                        + " (num_choices must be the same for the whole batch)");
            }
            System.arraycopy(values[b], 0, rows, b * choices, choices);
        }
        return rows;
    }

    /** HF {@code MultipleChoiceModelOutput}: loss (null without labels) and logits {@code [B, num_choices]}. */
    public record Output(Tensor loss, Tensor logits) {
    }
}
