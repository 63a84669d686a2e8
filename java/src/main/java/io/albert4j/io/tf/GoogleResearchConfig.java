package io.albert4j.io.tf;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.albert4j.io.CheckpointException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A google-research/albert {@code albert_config.json} as an HF {@code config.json}. The keys are the same in both
 * (vocab_size, embedding_size, hidden_size, ...), and GR-only ones (net_structure_type, down_scale_factor, ...) are
 * kept, as HF's converter keeps them. Two things change: {@code model_type} and {@code architectures} are added,
 * and GR's {@code "gelu"}, which is the tanh approximation in GR's modeling.py, becomes HF's {@code "gelu_new"}
 * (HF's converter copies "gelu", which HF reads as the exact erf GELU: transformers#2395).
 */
public final class GoogleResearchConfig {
    private static final ObjectMapper JSON = new ObjectMapper();

    private GoogleResearchConfig() {
    }

    public static ObjectNode read(Path file) {
        JsonNode node;
        try {
            node = JSON.readTree(file.toFile());
        } catch (JacksonException e) {
            throw new CheckpointException(file, "is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot read: " + e, e);
        }
        if (node == null || !node.isObject()) {
            throw new CheckpointException(file, "is not a JSON object");
        }
        return toHuggingFace((ObjectNode) node);
    }

    public static ObjectNode toHuggingFace(ObjectNode gr) {
        ObjectNode hf = gr.deepCopy();
        if ("gelu".equals(hf.path("hidden_act").asText(null))) {
            hf.put("hidden_act", "gelu_new");
        }
        hf.put("model_type", "albert");
        if (!hf.has("architectures")) {
            hf.putArray("architectures").add("AlbertForPreTraining");
        }
        return hf;
    }
}
