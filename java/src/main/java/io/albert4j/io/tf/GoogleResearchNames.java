package io.albert4j.io.tf;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * google-research/albert's TensorFlow variable names and their HF state-dict names, with the transposes HF's
 * {@code load_tf_weights_in_albert} applies (albert-spec.md §2): dense kernels are stored [in, out] and
 * transposed to PyTorch's [out, in]; embedding tables and {@code output_weights} are not. A TF-Hub module's
 * {@code module/} prefix is dropped; optimizer slots and the step counter are not weights.
 */
public final class GoogleResearchNames {
    /** An HF name and whether the TF array is transposed to get it. */
    public record HfName(String name, boolean transposed) {
    }

    private static final Pattern LAYER = Pattern.compile(
            "bert/encoder/transformer/group_(\\d+)/inner_group_(\\d+)/(.+)");

    private GoogleResearchNames() {
    }

    /** True for variables that are training state, not weights: Adam/LAMB moments, global_step. */
    public static boolean isOptimizerState(String tfName) {
        return tfName.contains("adam_m") || tfName.contains("adam_v") || tfName.contains("AdamWeightDecayOptimizer")
                || tfName.contains("LAMB") || tfName.endsWith("global_step") || tfName.contains("/Momentum");
    }

    /** The HF name of a GR variable, or empty when it is not one albert4j knows. */
    public static Optional<HfName> toHf(String tfName) {
        String name = tfName.startsWith("module/") ? tfName.substring("module/".length()) : tfName;
        Matcher layer = LAYER.matcher(name);
        if (layer.matches()) {
            String prefix = "albert.encoder.albert_layer_groups." + layer.group(1) + ".albert_layers."
                    + layer.group(2) + ".";
            return blockPart(layer.group(3)).map(p -> new HfName(prefix + p.name(), p.transposed()));
        }
        return Optional.ofNullable(switch (name) {
            case "bert/embeddings/word_embeddings" -> plain("albert.embeddings.word_embeddings.weight");
            case "bert/embeddings/position_embeddings" -> plain("albert.embeddings.position_embeddings.weight");
            case "bert/embeddings/token_type_embeddings" -> plain("albert.embeddings.token_type_embeddings.weight");
            case "bert/embeddings/LayerNorm/gamma" -> plain("albert.embeddings.LayerNorm.weight");
            case "bert/embeddings/LayerNorm/beta" -> plain("albert.embeddings.LayerNorm.bias");
            case "bert/encoder/embedding_hidden_mapping_in/kernel" ->
                    kernel("albert.encoder.embedding_hidden_mapping_in.weight");
            case "bert/encoder/embedding_hidden_mapping_in/bias" -> plain("albert.encoder.embedding_hidden_mapping_in.bias");
            case "bert/pooler/dense/kernel" -> kernel("albert.pooler.weight");
            case "bert/pooler/dense/bias" -> plain("albert.pooler.bias");
            case "cls/predictions/output_bias" -> plain("predictions.bias");
            case "cls/predictions/transform/dense/kernel" -> kernel("predictions.dense.weight");
            case "cls/predictions/transform/dense/bias" -> plain("predictions.dense.bias");
            case "cls/predictions/transform/LayerNorm/gamma" -> plain("predictions.LayerNorm.weight");
            case "cls/predictions/transform/LayerNorm/beta" -> plain("predictions.LayerNorm.bias");
            case "cls/seq_relationship/output_weights" -> plain("sop_classifier.classifier.weight");
            case "cls/seq_relationship/output_bias" -> plain("sop_classifier.classifier.bias");
            // GR run_classifier's head: [num_labels, H], applied as x @ W^T like PyTorch, so not transposed.
            case "output_weights" -> plain("classifier.weight");
            case "output_bias" -> plain("classifier.bias");
            default -> null;
        });
    }

    /** Inside {@code inner_group_K/}: LayerNorm is the attention's, LayerNorm_1 the block's (contrib's scopes). */
    private static Optional<HfName> blockPart(String part) {
        return Optional.ofNullable(switch (part) {
            case "attention_1/self/query/kernel" -> kernel("attention.query.weight");
            case "attention_1/self/query/bias" -> plain("attention.query.bias");
            case "attention_1/self/key/kernel" -> kernel("attention.key.weight");
            case "attention_1/self/key/bias" -> plain("attention.key.bias");
            case "attention_1/self/value/kernel" -> kernel("attention.value.weight");
            case "attention_1/self/value/bias" -> plain("attention.value.bias");
            case "attention_1/output/dense/kernel" -> kernel("attention.dense.weight");
            case "attention_1/output/dense/bias" -> plain("attention.dense.bias");
            case "LayerNorm/gamma" -> plain("attention.LayerNorm.weight");
            case "LayerNorm/beta" -> plain("attention.LayerNorm.bias");
            case "LayerNorm_1/gamma" -> plain("full_layer_layer_norm.weight");
            case "LayerNorm_1/beta" -> plain("full_layer_layer_norm.bias");
            case "ffn_1/intermediate/dense/kernel" -> kernel("ffn.weight");
            case "ffn_1/intermediate/dense/bias" -> plain("ffn.bias");
            case "ffn_1/intermediate/output/dense/kernel" -> kernel("ffn_output.weight");
            case "ffn_1/intermediate/output/dense/bias" -> plain("ffn_output.bias");
            default -> null;
        });
    }

    private static HfName plain(String name) {
        return new HfName(name, false);
    }

    private static HfName kernel(String name) {
        return new HfName(name, true);
    }

    /** The GR name of an HF parameter (the inverse of {@link #toHf}); empty for names GR has no variable for. */
    public static Optional<String> toTf(String hfName) {
        for (String candidate : GR_NAMES) {
            Optional<HfName> hf = toHf(candidate);
            if (hf.isPresent() && hf.get().name().equals(hfName)) {
                return Optional.of(candidate);
            }
        }
        Matcher m = Pattern.compile("albert\\.encoder\\.albert_layer_groups\\.(\\d+)\\.albert_layers\\.(\\d+)\\.(.+)")
                .matcher(hfName);
        if (m.matches()) {
            for (String part : BLOCK_PARTS) {
                Optional<HfName> hf = blockPart(part);
                if (hf.isPresent() && hf.get().name().equals(m.group(3))) {
                    return Optional.of("bert/encoder/transformer/group_" + m.group(1) + "/inner_group_" + m.group(2)
                            + "/" + part);
                }
            }
        }
        return Optional.empty();
    }

    private static final String[] GR_NAMES = {"bert/embeddings/word_embeddings", "bert/embeddings/position_embeddings",
            "bert/embeddings/token_type_embeddings", "bert/embeddings/LayerNorm/gamma", "bert/embeddings/LayerNorm/beta",
            "bert/encoder/embedding_hidden_mapping_in/kernel", "bert/encoder/embedding_hidden_mapping_in/bias",
            "bert/pooler/dense/kernel", "bert/pooler/dense/bias", "cls/predictions/output_bias",
            "cls/predictions/transform/dense/kernel", "cls/predictions/transform/dense/bias",
            "cls/predictions/transform/LayerNorm/gamma", "cls/predictions/transform/LayerNorm/beta",
            "cls/seq_relationship/output_weights", "cls/seq_relationship/output_bias", "output_weights",
            "output_bias"};
    private static final String[] BLOCK_PARTS = {"attention_1/self/query/kernel", "attention_1/self/query/bias",
            "attention_1/self/key/kernel", "attention_1/self/key/bias", "attention_1/self/value/kernel",
            "attention_1/self/value/bias", "attention_1/output/dense/kernel", "attention_1/output/dense/bias",
            "LayerNorm/gamma", "LayerNorm/beta", "LayerNorm_1/gamma", "LayerNorm_1/beta",
            "ffn_1/intermediate/dense/kernel", "ffn_1/intermediate/dense/bias",
            "ffn_1/intermediate/output/dense/kernel", "ffn_1/intermediate/output/dense/bias"};
}
