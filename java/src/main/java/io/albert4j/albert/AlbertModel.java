package io.albert4j.albert;

import io.albert4j.backend.Backend;
import io.albert4j.backend.Backends;
import io.albert4j.nn.Embeddings;
import io.albert4j.nn.ForwardContext;
import io.albert4j.nn.Linear;
import io.albert4j.ops.Ops;
import io.albert4j.ops.Step;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.stream.IntStream;

/**
 * The ALBERT encoder with its pooler (HF {@code AlbertModel}): embeddings (E) → {@link AlbertTransformer}
 * (E→H, shared layers) → last hidden state, and {@code tanh(pooler(h[:, 0]))}. State-dict keys are HF's:
 * {@code embeddings.*}, {@code encoder.*}, {@code pooler.*} (prefixed {@code albert.} inside the heads).
 */
public final class AlbertModel extends AlbertPreTrainedModel {
    private final Embeddings embeddings;
    private final AlbertTransformer encoder;
    private final Linear pooler;

    AlbertModel(AlbertConfig config, boolean addPoolingLayer) {
        super(config);
        embeddings = child("embeddings", new Embeddings(config.vocabSize(), config.maxPositionEmbeddings(),
                config.typeVocabSize(), config.embeddingSize(), config.padTokenId(), config.layerNormEps(),
                config.hiddenDropoutProb()));
        encoder = child("encoder", new AlbertTransformer(config));
        pooler = addPoolingLayer ? child("pooler", new Linear(config.hiddenSize(), config.hiddenSize())) : null;
    }

    /** Names and shapes only, no memory (e.g. {@code shapesOnly(AlbertConfig.preset("xxlarge")).parameterCount()}). */
    public static AlbertModel shapesOnly(AlbertConfig config) {
        return withPooler(config);
    }

    private static AlbertModel withPooler(AlbertConfig config) {
        return new AlbertModel(config, true);
    }

    /** A freshly initialised model on the CPU backend. */
    public static AlbertModel create(AlbertConfig config, long seed) {
        return create(config, Backends.cpu(), seed);
    }

    public static AlbertModel create(AlbertConfig config, Backend backend, long seed) {
        return createModel(AlbertModel::withPooler, config, backend, seed);
    }

    /** Loads a HuggingFace model directory (config.json + model.safetensors) onto the CPU backend. */
    public static AlbertModel load(Path dir) {
        return load(dir, Backends.cpu());
    }

    /** Loads a HuggingFace model directory onto {@code backend}; tensors of other heads (e.g. a pretraining checkpoint's SOP head) are ignored, as HF does. */
    public static AlbertModel load(Path dir, Backend backend) {
        return loadModel(AlbertModel::withPooler, dir, backend, true);
    }


    /** Training API: runs in the caller's {@link Step}; dropout follows {@link #isTraining()}. */
    public AlbertModelOutput forward(AlbertInputs inputs, long dropoutSeed) {
        return forward(inputs, context(inputs, isTraining(), dropoutSeed));
    }

    /** The forward pass inside a head, sharing the head's context. */
    AlbertModelOutput forward(AlbertInputs inputs, ForwardContext context) {
        Tensor embedded = embeddings.forward(inputs.inputIds(), inputs.tokenTypeIds(), context);
        Tensor hidden = encoder.forward(embedded, context);
        Tensor pooled = null;
        if (pooler != null) {
            pooled = Ops.tanh(pooler.forward(firstTokenRows(hidden)));
        }
        return new AlbertModelOutput(hidden, pooled);
    }

    /**
     * Pretraining: the hidden state only where the heads read it, at {@code positions} (I32 flat indices into
     * {@code B·S}, the MLM targets) and at each row's first token (the pooler's input), so the last block's output
     * projection, LayerNorms and feed-forward run on M + B rows instead of B·S. Returns {@code [M, H]} at the
     * positions as the last hidden state, and the pooler output {@code [B, H]}; both equal those of
     * {@link #forward(AlbertInputs, ForwardContext)} (to float rounding: the weight gradients sum fewer rows).
     */
    AlbertModelOutput forwardAtPositions(AlbertInputs inputs, ForwardContext context, Tensor positions) {
        int batch = inputs.batchSize();
        int seq = inputs.sequenceLength();
        int masked = Math.toIntExact(positions.numel());
        // rows = positions ++ [0, S, 2S, ...], put together where the positions live: nothing is read back.
        Step step = Step.current();
        Tensor rows = step.allocate(DType.I32, masked + batch);
        step.backend().copy(positions, rows.slice(0, masked));
        Backends.upload(step.backend(), IntStream.range(0, batch).map(b -> b * seq).toArray(),
                rows.slice(masked, masked + batch));
        Tensor embedded = embeddings.forward(inputs.inputIds(), inputs.tokenTypeIds(), context);
        Tensor hidden = encoder.forwardAtRows(embedded, context, rows);
        Tensor atPositions = Ops.gatherRows(hidden, step.upload(IntStream.range(0, masked).toArray(), masked));
        Tensor pooled = null;
        if (pooler != null) {
            Tensor first = Ops.gatherRows(hidden,
                    step.upload(IntStream.range(masked, masked + batch).toArray(), batch));
            pooled = Ops.tanh(pooler.forward(first));
        }
        return new AlbertModelOutput(atPositions, pooled);
    }

    /** {@code h[:, 0]}: rows {@code b·S} of h viewed as {@code [B·S, H]} → {@code [B, H]}. */
    private static Tensor firstTokenRows(Tensor hidden) {
        int batch = hidden.dim(0);
        int seq = hidden.dim(1);
        int width = hidden.dim(2);
        int[] rows = new int[batch];
        for (int b = 0; b < batch; b++) {
            rows[b] = b * seq;
        }
        Tensor indices = Step.current().upload(rows, batch);
        return Ops.gatherRows(Ops.reshape(hidden, batch * seq, width), indices);
    }

    /**
     * Thread-safe inference on Java arrays ({@code [batch][seq]}; mask and types may be null): last hidden state
     * {@code [B, S, H]} and pooler output {@code [B, H]}, copied to the heap.
     */
    public Prediction predict(int[][] inputIds, int[][] attentionMask, int[][] tokenTypeIds) {
        return inInferenceStep(() -> {
            AlbertInputs inputs = AlbertInputs.copyOf(inputIds, attentionMask, tokenTypeIds);
            AlbertModelOutput out = forward(inputs, context(inputs, false, 0L));
            return new Prediction(toHost(out.lastHiddenState()), toHost(out.poolerOutput()));
        });
    }

    /** Results of {@link #predict}. */
    public record Prediction(HostArray lastHiddenState, HostArray poolerOutput) {
    }

    Embeddings embeddings() {
        return embeddings;
    }
}
