package io.albert4j.io.onnx;

import io.albert4j.albert.AlbertConfig;
import io.albert4j.albert.AlbertForPreTraining;
import io.albert4j.albert.AlbertForSequenceClassification;
import io.albert4j.albert.AlbertModel;
import io.albert4j.albert.AlbertPreTrainedModel;
import io.albert4j.albert.ParameterSharing;
import io.albert4j.io.AtomicFiles;
import io.albert4j.io.onnx.proto.ModelProto;
import io.albert4j.io.onnx.proto.OperatorSetIdProto;
import io.albert4j.io.onnx.proto.TensorProto;
import io.albert4j.tensor.Tensor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * ALBERT as an ONNX model for ONNX Runtime and other ONNX engines: the encoder and pooler (HF {@code AlbertModel}:
 * outputs {@code last_hidden_state [batch, sequence, hidden]} and {@code pooler_output [batch, hidden]}), and
 * optionally the pretraining heads ({@code prediction_logits [batch, sequence, vocab]}, {@code sop_logits [batch,
 * 2]}) or a fine-tuned classifier's ({@code logits [batch, num_labels]}). Inputs {@code input_ids}, {@code attention_mask}, {@code token_type_ids}: int64 {@code [batch, sequence]},
 * both axes dynamic. The graph is the one {@code torch.onnx.export} writes for HF's model
 * ({@code benchmarks/peers/export_onnx.py}), at opset 17 so that LayerNormalization is one operator:
 * <ul>
 *   <li>initializers are the state-dict tensors under their HF names, stored once; ALBERT's shared blocks are
 *       nodes repeated per layer over the same initializers, so the file is as small as the checkpoint;</li>
 *   <li>dense layers are {@code MatMul} by {@code Transpose(weight)} (the runtime folds the transpose of a
 *       constant once) and {@code Add} of the bias;</li>
 *   <li>attention adds {@code (1 - attention_mask) * -10000} to the scores, as HF and albert4j do, and applies
 *       {@code Softmax} over the keys; GELU is written out (tanh form for gelu_new, {@code Erf} for gelu).</li>
 * </ul>
 * Written with the ONNX protobuf schema ({@code src/main/proto/onnx/onnx.proto}) as one file; ONNX's protobuf limit
 * of 2 GiB covers every released ALBERT (xxlarge: 0.9 GB of fp32 weights).
 */
public final class AlbertOnnxExport {
    /** Heads that can be added to the encoder's outputs. */
    public enum Head {
        /** Masked-LM logits over the vocabulary at every position: {@code prediction_logits}. */
        MLM,
        /** Sentence-order logits from the pooled output: {@code sop_logits}. */
        SOP,
        /**
         * A fine-tuned AlbertForSequenceClassification's logits from the pooled output: {@code logits [batch,
         * num_labels]} (what {@code albert finetune} trains; no softmax, as HF returns them).
         */
        CLASSIFIER
    }

    public static final int OPSET = 17;
    /** IR version 8 is the one that goes with opset 17 (ONNX 1.12). */
    private static final long IR_VERSION = 8;
    private static final long MAX_BYTES = (1L << 31) - (64L << 20);
    private static final String BATCH = "batch";
    private static final String SEQUENCE = "sequence";

    private AlbertOnnxExport() {
    }

    /**
     * Loads the model folder {@code modelDir} (any layout {@code AlbertModel.load} reads) and writes {@code out}.
     * With heads, the folder is loaded as AlbertForPreTraining and must hold them: a head it lacks would be
     * exported freshly initialised, so that is refused.
     */
    public static void export(Path modelDir, Path out, Set<Head> heads) throws IOException {
        if (heads.contains(Head.CLASSIFIER)) {
            if (heads.size() > 1) {
                throw new IllegalArgumentException("the classifier head comes from a fine-tuned model, which has no "
                        + "MLM or SOP head: export " + Head.CLASSIFIER + " alone, not " + heads);
            }
            try (AlbertForSequenceClassification model = AlbertForSequenceClassification.load(modelDir)) {
                export(model.config(), model.namedParameters(), "albert.", heads, out);
            }
            return;
        }
        if (heads.isEmpty()) {
            try (AlbertModel model = AlbertModel.load(modelDir)) {
                export(model.config(), model.namedParameters(), "", heads, out);
            }
            return;
        }
        try (AlbertForPreTraining model = AlbertForPreTraining.load(modelDir)) {
            List<String> missing = new ArrayList<>();
            for (String name : model.loadReport().map(r -> r.initialized()).orElse(List.of())) {
                if ((heads.contains(Head.MLM) && name.startsWith("predictions."))
                        || (heads.contains(Head.SOP) && (name.startsWith("sop_classifier.")
                        || name.startsWith("albert.pooler.")))) {
                    missing.add(name);
                }
            }
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException(modelDir + ": the checkpoint has no " + missing
                        + ", which the requested heads " + heads + " need");
            }
            export(model.config(), model.namedParameters(), "albert.", heads, out);
        }
    }

    /** As {@link #export(Path, Path, Set)} from a model in memory. */
    public static void export(AlbertPreTrainedModel model, Set<Head> heads, Path out) throws IOException {
        Map<String, Tensor> parameters = model.namedParameters();
        String prefix = parameters.keySet().iterator().next().startsWith("albert.") ? "albert." : "";
        export(model.config(), parameters, prefix, heads, out);
    }

    /**
     * Writes the graph for {@code config} with {@code parameters} under HF names ({@code prefix} "albert." for
     * the encoder's in a model with heads, "" for AlbertModel's own).
     */
    public static void export(AlbertConfig config, Map<String, Tensor> parameters, String prefix, Set<Head> heads,
                              Path out) throws IOException {
        ModelProto model = build(config, parameters, prefix, EnumSet.copyOf(heads.isEmpty()
                ? EnumSet.noneOf(Head.class) : heads));
        Files.createDirectories(out.toAbsolutePath().getParent());
        AtomicFiles.writeFile(out, temp -> {
            try (OutputStream os = Files.newOutputStream(temp)) {
                model.writeTo(os);
            }
        });
    }

    static ModelProto build(AlbertConfig config, Map<String, Tensor> parameters, String prefix, Set<Head> heads) {
        Graph g = new Graph(config, parameters, prefix);
        g.builder.input(OnnxGraphBuilder.valueInfo("input_ids", TensorProto.DataType.INT64, BATCH, SEQUENCE));
        g.builder.input(OnnxGraphBuilder.valueInfo("attention_mask", TensorProto.DataType.INT64, BATCH, SEQUENCE));
        g.builder.input(OnnxGraphBuilder.valueInfo("token_type_ids", TensorProto.DataType.INT64, BATCH, SEQUENCE));
        String hidden = g.encoder("input_ids", "attention_mask", "token_type_ids");
        String pooled = g.pooler(hidden);
        g.builder.output(hidden, OnnxGraphBuilder.valueInfo("last_hidden_state", TensorProto.DataType.FLOAT, BATCH,
                SEQUENCE, (long) config.hiddenSize()));
        g.builder.output(pooled, OnnxGraphBuilder.valueInfo("pooler_output", TensorProto.DataType.FLOAT, BATCH,
                (long) config.hiddenSize()));
        if (heads.contains(Head.MLM)) {
            g.builder.output(g.mlmHead(hidden), OnnxGraphBuilder.valueInfo("prediction_logits",
                    TensorProto.DataType.FLOAT, BATCH, SEQUENCE, (long) config.vocabSize()));
        }
        if (heads.contains(Head.SOP)) {
            g.builder.output(g.sopHead(pooled), OnnxGraphBuilder.valueInfo("sop_logits", TensorProto.DataType.FLOAT,
                    BATCH, 2L));
        }
        if (heads.contains(Head.CLASSIFIER)) {
            g.builder.output(g.linear(pooled, "classifier"), OnnxGraphBuilder.valueInfo("logits",
                    TensorProto.DataType.FLOAT, BATCH, (long) config.numLabels()));
        }
        if (g.builder.initializerBytes() > MAX_BYTES) {
            throw new IllegalArgumentException("the model's " + g.builder.initializerBytes() + " bytes of weights "
                    + "are over ONNX's 2 GiB protobuf limit for one file (external data is not written)");
        }
        return ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName("albert4j")
                .setProducerVersion("0.1.0").setDomain("io.albert4j")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(g.builder.build()).build();
    }

    /** The ALBERT computation over one builder, with each parameter's initializer and transpose made once. */
    private static final class Graph {
        final OnnxGraphBuilder builder = new OnnxGraphBuilder("albert");
        private final AlbertConfig config;
        private final Map<String, Tensor> parameters;
        private final String prefix;
        private final Map<String, String> initialized = new LinkedHashMap<>();
        private final Map<String, String> transposed = new LinkedHashMap<>();
        private String maskAdd;

        Graph(AlbertConfig config, Map<String, Tensor> parameters, String prefix) {
            this.config = config;
            this.parameters = parameters;
            this.prefix = prefix;
        }

        /** The initializer holding parameter {@code name} (under its HF name), created on first use. */
        String weight(String name) {
            return initialized.computeIfAbsent(name, n -> {
                Tensor t = parameters.get(n);
                if (t == null) {
                    throw new IllegalArgumentException("ONNX export: the model has no parameter '" + n + "'");
                }
                builder.floatInitializer(n, t.shape(), t.toFloatArray());
                return n;
            });
        }

        /** {@code x @ weight^T + bias}: PyTorch's Linear, weight [out, in]. */
        String linear(String x, String name) {
            String weightT = transposed.computeIfAbsent(name, n -> builder.node("Transpose", "transposed",
                    new String[] {weight(n + ".weight")}, OnnxGraphBuilder.intsAttribute("perm", 1, 0)));
            return builder.node("Add", builder.node("MatMul", x, weightT), weight(name + ".bias"));
        }

        String layerNorm(String x, String name, float eps) {
            return builder.node("LayerNormalization", "layer_norm", new String[] {x, weight(name + ".weight"),
                    weight(name + ".bias")}, OnnxGraphBuilder.intAttribute("axis", -1),
                    OnnxGraphBuilder.floatAttribute("epsilon", eps));
        }

        String activation(String x) {
            return switch (config.activation()) {
                case GELU_TANH -> {
                    // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), HF's gelu_new
                    String cube = builder.node("Mul", builder.node("Mul", x, x), x);
                    String inner = builder.node("Add", x, builder.node("Mul", cube, builder.scalar(0.044715f)));
                    String tanh = builder.node("Tanh", builder.node("Mul", inner,
                            builder.scalar((float) Math.sqrt(2.0 / Math.PI))));
                    yield builder.node("Mul", builder.node("Mul", x, builder.scalar(0.5f)),
                            builder.node("Add", tanh, builder.scalar(1f)));
                }
                case GELU_ERF -> {
                    // 0.5 x (1 + erf(x / sqrt(2))), HF's gelu
                    String erf = builder.node("Erf", builder.node("Mul", x, builder.scalar((float) (1 / Math.sqrt(2)))));
                    yield builder.node("Mul", builder.node("Mul", x, builder.scalar(0.5f)),
                            builder.node("Add", erf, builder.scalar(1f)));
                }
                case RELU -> builder.node("Relu", x);
                case IDENTITY -> x;
            };
        }

        String encoder(String ids, String mask, String types) {
            String p = prefix + "embeddings.";
            String words = builder.node("Gather", weight(p + "word_embeddings.weight"), ids);
            String shape = builder.node("Shape", ids);
            String length = builder.node("Gather", shape, builder.int64s(new int[0], 1));
            String positions = builder.node("Range", builder.int64s(new int[0], 0), length,
                    builder.int64s(new int[0], 1));
            String positionVectors = builder.node("Gather", weight(p + "position_embeddings.weight"), positions);
            String typeVectors = builder.node("Gather", weight(p + "token_type_embeddings.weight"), types);
            String sum = builder.node("Add", builder.node("Add", words, positionVectors), typeVectors);
            String embedded = layerNorm(sum, p + "LayerNorm", config.layerNormEps());
            String hidden = linear(embedded, prefix + "encoder.embedding_hidden_mapping_in");

            // [batch, 1, 1, sequence]: 0 where attended, -10000 where padded (HF's extended attention mask).
            String attended = builder.node("Cast", "mask", new String[] {mask},
                    OnnxGraphBuilder.intAttribute("to", TensorProto.DataType.FLOAT_VALUE));
            String additive = builder.node("Mul", builder.node("Sub", builder.scalar(1f), attended),
                    builder.scalar(-10000f));
            maskAdd = builder.node("Unsqueeze", additive, builder.int64Vector(1, 2));

            for (int layer = 0; layer < config.numHiddenLayers(); layer++) {
                for (String[] block : blocksOf(layer)) {
                    hidden = block(hidden, block[0], block[1]);
                }
            }
            return hidden;
        }

        /** For each block a layer runs, the prefix of its attention half and of its feed-forward half. */
        private List<String[]> blocksOf(int layer) {
            String groups = prefix + "encoder.albert_layer_groups.";
            List<String[]> blocks = new ArrayList<>();
            ParameterSharing sharing = config.sharing();
            if (sharing == ParameterSharing.ALL) {
                int group = config.groupOfLayer(layer);
                for (int inner = 0; inner < config.innerGroupNum(); inner++) {
                    String block = groups + group + ".albert_layers." + inner + ".";
                    blocks.add(new String[] {block, block});
                }
                return blocks;
            }
            // The paper's ablations: one group per layer, the shared half stored under layer 0.
            String own = groups + layer + ".albert_layers.0.";
            String first = groups + "0.albert_layers.0.";
            blocks.add(new String[] {sharing == ParameterSharing.ATTENTION ? first : own,
                    sharing == ParameterSharing.FFN ? first : own});
            return blocks;
        }

        /** Post-LN Transformer block: attention, residual + LN, feed-forward, residual + LN. */
        private String block(String x, String attention, String feedForward) {
            int heads = config.numAttentionHeads();
            int headSize = config.hiddenSize() / heads;
            String split = builder.int64Vector(0, 0, heads, headSize);
            String q = builder.node("Transpose", "q", new String[] {builder.node("Reshape",
                    linear(x, attention + "attention.query"), split)}, OnnxGraphBuilder.intsAttribute("perm", 0, 2, 1, 3));
            String kT = builder.node("Transpose", "k", new String[] {builder.node("Reshape",
                    linear(x, attention + "attention.key"), split)}, OnnxGraphBuilder.intsAttribute("perm", 0, 2, 3, 1));
            String v = builder.node("Transpose", "v", new String[] {builder.node("Reshape",
                    linear(x, attention + "attention.value"), split)}, OnnxGraphBuilder.intsAttribute("perm", 0, 2, 1, 3));
            String scores = builder.node("Add", builder.node("Mul", builder.node("MatMul", q, kT),
                    builder.scalar((float) (1 / Math.sqrt(headSize)))), maskAdd);
            String probabilities = builder.node("Softmax", "softmax", new String[] {scores},
                    OnnxGraphBuilder.intAttribute("axis", -1));
            String context = builder.node("Transpose", "context", new String[] {builder.node("MatMul", probabilities, v)},
                    OnnxGraphBuilder.intsAttribute("perm", 0, 2, 1, 3));
            String merged = builder.node("Reshape", context, builder.int64Vector(0, 0, config.hiddenSize()));
            String attended = layerNorm(builder.node("Add", x, linear(merged, attention + "attention.dense")),
                    attention + "attention.LayerNorm", config.layerNormEps());
            String inner = activation(linear(attended, feedForward + "ffn"));
            return layerNorm(builder.node("Add", attended, linear(inner, feedForward + "ffn_output")),
                    feedForward + "full_layer_layer_norm", config.layerNormEps());
        }

        String pooler(String hidden) {
            String first = builder.node("Gather", "first_token", new String[] {hidden, builder.int64s(new int[0], 0)},
                    OnnxGraphBuilder.intAttribute("axis", 1));
            return builder.node("Tanh", linear(first, prefix + "pooler"));
        }

        /** HF AlbertMLMHead: dense H->E, activation, LayerNorm(E), logits against the tied word embeddings. */
        String mlmHead(String hidden) {
            String transformed = layerNorm(activation(linear(hidden, "predictions.dense")), "predictions.LayerNorm",
                    config.mlmLayerNormEps());
            String wordsT = builder.node("Transpose", "transposed", new String[] {
                    weight(prefix + "embeddings.word_embeddings.weight")}, OnnxGraphBuilder.intsAttribute("perm", 1, 0));
            return builder.node("Add", builder.node("MatMul", transformed, wordsT), weight("predictions.bias"));
        }

        String sopHead(String pooled) {
            return linear(pooled, "sop_classifier.classifier");
        }
    }
}
