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
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * ALBERT for extractive question answering (HF {@code AlbertForQuestionAnswering}, SQuAD v1/v2 span head):
 * sequence output → {@code qa_outputs} Linear(H, 2) → start and end logits {@code [B, S]}; no pooler, no dropout.
 * Keys {@code albert.embeddings.*}, {@code albert.encoder.*}, {@code qa_outputs.weight/bias}. Loss as HF: I32
 * positions {@code [B]} clamped to [0, S], position S ignored (an answer outside the window), then the mean of the
 * start and end cross-entropies. Where every row is ignored the loss is 0 (HF: NaN).
 *
 * <pre>{@code
 * try (var model = AlbertForQuestionAnswering.fromPretrained(Path.of("albert-base-v2"), 42L);
 *      var arena = new StepArena(model.backend(), 64 << 20)) {
 *     model.enableGradients();
 *     model.train();
 *     try (Step step = Step.training(model.backend(), arena)) {
 *         AlbertInputs inputs = AlbertInputs.copyOf(ids, mask, types);   // [CLS] question [SEP] context [SEP]
 *         Tensor start = step.allocate(DType.I32, ids.length);
 *         Tensor end = step.allocate(DType.I32, ids.length);
 *         start.copyFrom(answerStarts);
 *         end.copyFrom(answerEnds);
 *         step.backward(model.forward(inputs, start, end, stepNumber).loss());
 *     }
 *     model.eval();
 *     AlbertForQuestionAnswering.Prediction spans = model.predict(ids, mask, types); // start/end [B, S]
 * }
 * }</pre>
 */
public final class AlbertForQuestionAnswering extends AlbertPreTrainedModel {
    private static final String HEAD = "AlbertForQuestionAnswering";
    /** config.json key (albert4j's, not HF's) that adds GR's SQuAD v2 answerability head. */
    public static final String ANSWER_CLASS_KEY = "albert4j_answer_class_head";
    private final AlbertModel albert;
    private final Linear qaOutputs;
    private final AnswerClassHead answerClass;

    private AlbertForQuestionAnswering(AlbertConfig config) {
        super(config);
        albert = child("albert", new AlbertModel(config, false));
        qaOutputs = child("qa_outputs", new Linear(config.hiddenSize(), 2));
        answerClass = Boolean.TRUE.equals(config.extra().get(ANSWER_CLASS_KEY))
                ? child("answer_class", new AnswerClassHead(config.hiddenSize())) : null;
    }

    /** Whether the model has GR's answerability head ({@code answer_class.*}, config key {@value #ANSWER_CLASS_KEY}). */
    public boolean hasAnswerClassHead() {
        return answerClass != null;
    }

    public static AlbertForQuestionAnswering shapesOnly(AlbertConfig config) {
        return new AlbertForQuestionAnswering(config);
    }

    public static AlbertForQuestionAnswering create(AlbertConfig config, long seed) {
        return create(config, Backends.cpu(), seed);
    }

    public static AlbertForQuestionAnswering create(AlbertConfig config, Backend backend, long seed) {
        return createModel(AlbertForQuestionAnswering::new, config, backend, seed);
    }

    public static AlbertForQuestionAnswering fromParameters(AlbertConfig config, Backend backend,
                                                            Map<String, Tensor> values) {
        return modelFromParameters(AlbertForQuestionAnswering::new, config, backend, values);
    }

    /** Loads a fine-tuned HF directory of this head onto the CPU backend. */
    public static AlbertForQuestionAnswering load(Path dir) {
        return load(dir, Backends.cpu());
    }

    public static AlbertForQuestionAnswering load(Path dir, Backend backend) {
        return FineTuningHeads.load(dir, backend, AlbertForQuestionAnswering::new, HEAD);
    }

    /** Starts fine-tuning from a base or pretraining checkpoint with a fresh {@code qa_outputs}. */
    public static AlbertForQuestionAnswering fromPretrained(Path dir, long seed) {
        return fromPretrained(dir, Backends.cpu(), UnaryOperator.identity(), seed);
    }

    public static AlbertForQuestionAnswering fromPretrained(Path dir, Backend backend,
                                                            UnaryOperator<AlbertConfig> configure, long seed) {
        return FineTuningHeads.fromPretrained(dir, backend, configure, seed, AlbertForQuestionAnswering::new);
    }


    public AlbertModel albert() {
        return albert;
    }

    /** Logits only; runs in the caller's {@link Step}. */
    public Output forward(AlbertInputs inputs, long dropoutSeed) {
        return forward(inputs, null, null, dropoutSeed);
    }

    /**
     * Training API inside the caller's {@link Step}: start and end logits {@code [B, S]} and, with both position
     * tensors (I32 {@code [B]} each, or both null), the span loss.
     */
    public Output forward(AlbertInputs inputs, Tensor startPositions, Tensor endPositions, long dropoutSeed) {
        return forward(inputs, startPositions, endPositions, context(inputs, isTraining(), dropoutSeed));
    }

    /**
     * With the answerability head: {@code allowed} I32 {@code [B, S]} marks [CLS] and the context tokens (the
     * positions an answer may start at, GR's 1 − p_mask), {@code impossible} F32 {@code [B]} is 1 where the window
     * holds no answer (or null without a loss). GR's loss: the span loss + 0.5 · sigmoid cross-entropy.
     */
    public Output forward(AlbertInputs inputs, Tensor allowed, Tensor startPositions, Tensor endPositions,
                          Tensor impossible, long dropoutSeed) {
        if (answerClass == null) {
            throw new IllegalStateException(HEAD + ": this model has no answer-class head (config '"
                    + ANSWER_CLASS_KEY + "')");
        }
        ForwardContext context = context(inputs, isTraining(), dropoutSeed);
        Output span = forward(inputs, startPositions, endPositions, context);
        Tensor logits = answerClass.forward(span.hidden(), span.startLogits(), Ops.additiveMask(allowed), context,
                config.effectiveClassifierDropoutProb());
        Tensor loss = span.loss();
        if (impossible != null) {
            FineTuningHeads.requireLabels(HEAD, "is_impossible", impossible, DType.F32, Step.current().backend(),
                    "1 where the window has no answer, else 0", inputs.batchSize());
            Tensor answerLoss = Ops.scale(Ops.bceWithLogits(logits, impossible.view(inputs.batchSize(), 1)), 0.5f);
            loss = loss == null ? answerLoss : Ops.add(loss, answerLoss);
        }
        return new Output(loss, span.startLogits(), span.endLogits(), Ops.reshape(logits, inputs.batchSize()), null);
    }

    private Output forward(AlbertInputs inputs, Tensor startPositions, Tensor endPositions, ForwardContext context) {
        int batch = inputs.batchSize();
        int seq = inputs.sequenceLength();
        if ((startPositions == null) != (endPositions == null)) {
            throw new IllegalArgumentException(HEAD + ": give both 'start_positions' and 'end_positions' or neither");
        }
        Tensor start = null;
        Tensor end = null;
        if (startPositions != null) {
            start = clamped("start_positions", startPositions, batch, seq);
            end = clamped("end_positions", endPositions, batch, seq);
        }
        Tensor hidden = albert.forward(inputs, context).lastHiddenState();
        Tensor logits = Ops.reshape(qaOutputs.forward(hidden), batch * seq * 2, 1); // [B·S·2, 1]: start, end, ...
        Tensor startLogits = Ops.reshape(Ops.gatherRows(logits, column(batch * seq, 0)), batch, seq);
        Tensor endLogits = Ops.reshape(Ops.gatherRows(logits, column(batch * seq, 1)), batch, seq);
        Tensor loss = null;
        if (start != null) {
            loss = Ops.scale(Ops.add(Ops.softmaxCrossEntropy(startLogits, start, seq),
                    Ops.softmaxCrossEntropy(endLogits, end, seq)), 0.5f);
        }
        return new Output(loss, startLogits, endLogits, null, hidden);
    }

    /** Row indices {@code 2i + which} of the interleaved {@code [start, end]} logits. */
    private static Tensor column(int rows, int which) {
        int[] indices = new int[rows];
        for (int i = 0; i < rows; i++) {
            indices[i] = 2 * i + which;
        }
        return FineTuningHeads.stepInts(indices, rows);
    }

    /** HF: {@code positions.clamp(0, S)}; S is then the ignore index. */
    private static Tensor clamped(String name, Tensor positions, int batch, int seq) {
        FineTuningHeads.requireLabels(HEAD, name, positions, DType.I32, Step.current().backend(),
                "one token position per row", batch);
        int[] values = Backends.hostInts(positions);
        for (int i = 0; i < values.length; i++) {
            values[i] = Math.max(0, Math.min(seq, values[i]));
        }
        return FineTuningHeads.stepInts(values, batch);
    }

    /** Thread-safe inference on {@code [batch][seq]} arrays (mask and types may be null). */
    public Prediction predict(int[][] inputIds, int[][] attentionMask, int[][] tokenTypeIds) {
        return inInferenceStep(() -> {
            AlbertInputs inputs = AlbertInputs.copyOf(inputIds, attentionMask, tokenTypeIds);
            Output out = forward(inputs, null, null, context(inputs, false, 0L));
            return new Prediction(toHost(out.startLogits()), toHost(out.endLogits()), null);
        });
    }

    /** As {@link #predict(int[][], int[][], int[][])} plus the answerability logits {@code [B]} of the head. */
    public Prediction predict(int[][] inputIds, int[][] attentionMask, int[][] tokenTypeIds, int[][] allowed) {
        if (answerClass == null) {
            return predict(inputIds, attentionMask, tokenTypeIds);
        }
        return inInferenceStep(() -> {
            AlbertInputs inputs = AlbertInputs.copyOf(inputIds, attentionMask, tokenTypeIds);
            int batch = inputIds.length;
            int seq = inputIds[0].length;
            Tensor allowedTensor = Step.current().upload(AlbertInputs.flatten("allowed", allowed, batch, seq), batch,
                    seq);
            Output out = forward(inputs, allowedTensor, null, null, null, 0L);
            return new Prediction(toHost(out.startLogits()), toHost(out.endLogits()),
                    toHost(out.answerClassLogits()));
        });
    }

    /**
     * HF {@code QuestionAnsweringModelOutput}: loss (null without positions), start and end logits {@code [B, S]},
     * and with the answer-class head its logits {@code [B]} (else null); {@code hidden} is the sequence output.
     */
    public record Output(Tensor loss, Tensor startLogits, Tensor endLogits, Tensor answerClassLogits, Tensor hidden) {
        public Output(Tensor loss, Tensor startLogits, Tensor endLogits) {
            this(loss, startLogits, endLogits, null, null);
        }
    }

    /** Start and end logits {@code [B, S]} on the heap, and the answerability logits {@code [B]} or null. */
    public record Prediction(HostArray startLogits, HostArray endLogits, HostArray answerClassLogits) {
        public Prediction(HostArray startLogits, HostArray endLogits) {
            this(startLogits, endLogits, null);
        }
    }
}
