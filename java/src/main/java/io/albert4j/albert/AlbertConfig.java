package io.albert4j.albert;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.albert4j.backend.Activation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The hyper-parameters of an ALBERT model: every field of HuggingFace's {@code AlbertConfig} (config.json), plus
 * {@link ParameterSharing} for the paper's sharing ablations (written as {@code "sharing"} only when it is not the
 * default). Keys this class does not know ({@code architectures}, {@code model_type}, GR's {@code net_structure_type}
 * ...) are kept in {@link #extra()} and written back, so a config survives a read/write round trip.
 *
 * <p>Fine-tuning heads read {@code num_labels} (HF derives it from {@code id2label}, which is kept in
 * {@link #extra()} and must then have {@code num_labels} entries; default 2) and {@code problem_type} (null,
 * {@code regression}, {@code single_label_classification} or {@code multi_label_classification}).
 * {@code classifier_dropout_prob} may be JSON null; the heads then use {@code hidden_dropout_prob}
 * ({@link #effectiveClassifierDropoutProb()}).
 *
 * <p>The canonical constructor validates, so every instance is usable. Use {@link #builder()} or
 * {@link #toBuilder()} to make variants, {@link #preset(String)} for the released models.
 *
 * <p>LayerNorm eps of the MLM head: HF v4.x builds it with PyTorch's default 1e-5 while GR (TF) and newer HF use
 * {@code layer_norm_eps}; albert4j follows the spec and uses {@link #mlmLayerNormEps()} = {@code layer_norm_eps}.
 */
public record AlbertConfig(
        int vocabSize,
        int embeddingSize,
        int hiddenSize,
        int numHiddenLayers,
        int numHiddenGroups,
        int numAttentionHeads,
        int intermediateSize,
        int innerGroupNum,
        String hiddenAct,
        float hiddenDropoutProb,
        float attentionProbsDropoutProb,
        Float classifierDropoutProb,
        int maxPositionEmbeddings,
        int typeVocabSize,
        float initializerRange,
        float layerNormEps,
        int padTokenId,
        int bosTokenId,
        int eosTokenId,
        String positionEmbeddingType,
        ParameterSharing sharing,
        int numLabels,
        String problemType,
        Map<String, Object> extra) {

    /** Layers a config may apply; ALBERT's ablations go to 48. */
    static final int MAX_LAYERS = 4096;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Set<String> KNOWN_KEYS = Set.of("vocab_size", "embedding_size", "hidden_size",
            "num_hidden_layers", "num_hidden_groups", "num_attention_heads", "intermediate_size", "inner_group_num",
            "hidden_act", "hidden_dropout_prob", "attention_probs_dropout_prob", "classifier_dropout_prob",
            "max_position_embeddings", "type_vocab_size", "initializer_range", "layer_norm_eps", "pad_token_id",
            "bos_token_id", "eos_token_id", "position_embedding_type", "sharing", "num_labels", "problem_type");
    /** HF's {@code problem_type} values (null: inferred from num_labels and the labels' dtype). */
    public static final List<String> PROBLEM_TYPES = List.of("regression", "single_label_classification",
            "multi_label_classification");
    private static final String ID2LABEL = "id2label";
    private static final String LABEL2ID = "label2id";

    public AlbertConfig {
        extra = Collections.unmodifiableMap(new LinkedHashMap<>(extra == null ? Map.of() : extra));
        sharing = sharing == null ? ParameterSharing.ALL : sharing;
        List<String> problems = new ArrayList<>();
        positive(problems, "vocab_size", vocabSize);
        positive(problems, "embedding_size", embeddingSize);
        positive(problems, "hidden_size", hiddenSize);
        positive(problems, "num_hidden_layers", numHiddenLayers);
        if (numHiddenLayers > MAX_LAYERS) {
            // Shared layers cost no parameters, so no checkpoint can contradict a huge count: bound it instead.
            problems.add("num_hidden_layers " + numHiddenLayers + " is more than " + MAX_LAYERS
                    + " (the published ALBERTs have 12-24; a count this large is a corrupt config)");
        }
        positive(problems, "num_hidden_groups", numHiddenGroups);
        positive(problems, "num_attention_heads", numAttentionHeads);
        positive(problems, "intermediate_size", intermediateSize);
        positive(problems, "inner_group_num", innerGroupNum);
        positive(problems, "max_position_embeddings", maxPositionEmbeddings);
        positive(problems, "type_vocab_size", typeVocabSize);
        if (numAttentionHeads > 0 && hiddenSize % numAttentionHeads != 0) {
            problems.add("hidden_size " + hiddenSize + " is not a multiple of num_attention_heads " + numAttentionHeads);
        }
        if (numHiddenGroups > numHiddenLayers && numHiddenLayers > 0) {
            problems.add("num_hidden_groups " + numHiddenGroups + " > num_hidden_layers " + numHiddenLayers
                    + " (groups beyond the last layer would never be used)");
        }
        if (sharing != ParameterSharing.ALL && (numHiddenGroups != 1 || innerGroupNum != 1)) {
            problems.add("sharing '" + sharing.jsonName() + "' needs num_hidden_groups = 1 and inner_group_num = 1, got "
                    + numHiddenGroups + " and " + innerGroupNum);
        }
        try {
            Activation.fromHuggingFace(hiddenAct == null ? "null" : hiddenAct);
        } catch (IllegalArgumentException e) {
            problems.add("hidden_act: " + e.getMessage());
        }
        probability(problems, "hidden_dropout_prob", hiddenDropoutProb);
        probability(problems, "attention_probs_dropout_prob", attentionProbsDropoutProb);
        if (classifierDropoutProb != null) {
            probability(problems, "classifier_dropout_prob", classifierDropoutProb);
        }
        positive(problems, "num_labels", numLabels);
        if (problemType != null && !PROBLEM_TYPES.contains(problemType)) {
            problems.add("problem_type '" + problemType + "' is not one of " + PROBLEM_TYPES + " (or null)");
        }
        for (String key : List.of(ID2LABEL, LABEL2ID)) {
            Object labels = extra.get(key);
            if (labels != null && !(labels instanceof Map<?, ?> m && m.size() == numLabels)) {
                problems.add(key + " must be a map with num_labels = " + numLabels + " entries, got " + labels);
            }
        }
        if (!(initializerRange >= 0) || Float.isInfinite(initializerRange)) {
            problems.add("initializer_range must be >= 0, got " + initializerRange);
        }
        if (!(layerNormEps > 0) || Float.isInfinite(layerNormEps)) {
            problems.add("layer_norm_eps must be > 0, got " + layerNormEps);
        }
        if (vocabSize > 0 && (padTokenId < -1 || padTokenId >= vocabSize)) {
            problems.add("pad_token_id " + padTokenId + " is outside the vocabulary [0, " + vocabSize + ")");
        }
        if (!"absolute".equals(positionEmbeddingType)) {
            problems.add("position_embedding_type '" + positionEmbeddingType + "' is not supported (only 'absolute')");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid ALBERT config: " + String.join("; ", problems));
        }
    }

    private static void positive(List<String> problems, String name, int value) {
        if (value <= 0) {
            problems.add(name + " must be > 0, got " + value);
        }
    }

    private static void probability(List<String> problems, String name, float p) {
        if (!(p >= 0 && p < 1)) {
            problems.add(name + " must be in [0, 1), got " + p);
        }
    }

    /** The activation of the feed-forward and MLM-transform layers. */
    public Activation activation() {
        return Activation.fromHuggingFace(hiddenAct);
    }

    /** Width of one attention head. */
    public int headSize() {
        return hiddenSize / numAttentionHeads;
    }

    /** The dropout of the fine-tuning classifiers: {@code classifier_dropout_prob}, or {@code hidden_dropout_prob} when that is null (HF's token-classification rule, applied to every head). */
    public float effectiveClassifierDropoutProb() {
        return classifierDropoutProb == null ? hiddenDropoutProb : classifierDropoutProb;
    }

    /** LayerNorm eps of the MLM head: {@code layer_norm_eps} (the spec's choice, TF parity; HF v4.x used 1e-5). */
    public float mlmLayerNormEps() {
        return layerNormEps;
    }

    /** HF's {@code int(layer / (num_hidden_layers / num_hidden_groups))}, in the same double arithmetic as Python. */
    public int groupOfLayer(int layer) {
        return (int) (layer / ((double) numHiddenLayers / numHiddenGroups));
    }

    // ---- presets --------------------------------------------------------------------------------------------

    /**
     * A released English model: {@code base|large|xlarge|xxlarge} (= v2), with an optional {@code -v1} / {@code -v2}
     * suffix, or the HF hub names {@code albert-base-v2} etc. v1: "gelu" and dropout 0.1 (0 for xxlarge);
     * v2: "gelu_new" and no dropout (google-research/albert#23).
     */
    public static AlbertConfig preset(String name) {
        String n = name.startsWith("albert-") ? name.substring("albert-".length()) : name;
        boolean v1 = n.endsWith("-v1");
        String size = n.replaceFirst("-v[12]$", "");
        Builder b = builder();
        switch (size) {
            case "base" -> b.hiddenSize(768).numHiddenLayers(12).numAttentionHeads(12).intermediateSize(3072);
            case "large" -> b.hiddenSize(1024).numHiddenLayers(24).numAttentionHeads(16).intermediateSize(4096);
            case "xlarge" -> b.hiddenSize(2048).numHiddenLayers(24).numAttentionHeads(16).intermediateSize(8192);
            case "xxlarge" -> b.hiddenSize(4096).numHiddenLayers(12).numAttentionHeads(64).intermediateSize(16384);
            default -> throw new IllegalArgumentException("unknown preset '" + name
                    + "': expected base, large, xlarge or xxlarge, optionally with -v1 or -v2");
        }
        float dropout = v1 && !size.equals("xxlarge") ? 0.1f : 0f;
        return b.hiddenAct(v1 ? "gelu" : "gelu_new").hiddenDropoutProb(dropout).attentionProbsDropoutProb(dropout)
                .build();
    }

    /** Names {@link #preset} accepts (short forms). */
    public static List<String> presetNames() {
        List<String> names = new ArrayList<>();
        for (String size : List.of("base", "large", "xlarge", "xxlarge")) {
            names.add(size);
            names.add(size + "-v1");
            names.add(size + "-v2");
        }
        return names;
    }

    // ---- config.json ----------------------------------------------------------------------------------------

    public static AlbertConfig fromJson(String json) {
        Map<String, Object> map;
        try {
            map = JSON.readValue(json, new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (IOException e) {
            throw new IllegalArgumentException("config.json is not valid JSON: " + e.getMessage(), e);
        }
        Builder d = builder();
        Builder b = builder()
                .vocabSize(intField(map, "vocab_size", d.vocabSize))
                .embeddingSize(intField(map, "embedding_size", d.embeddingSize))
                .hiddenSize(intField(map, "hidden_size", d.hiddenSize))
                .numHiddenLayers(intField(map, "num_hidden_layers", d.numHiddenLayers))
                .numHiddenGroups(intField(map, "num_hidden_groups", d.numHiddenGroups))
                .numAttentionHeads(intField(map, "num_attention_heads", d.numAttentionHeads))
                .intermediateSize(intField(map, "intermediate_size", d.intermediateSize))
                .innerGroupNum(intField(map, "inner_group_num", d.innerGroupNum))
                .hiddenAct(stringField(map, "hidden_act", d.hiddenAct))
                .hiddenDropoutProb(floatField(map, "hidden_dropout_prob", d.hiddenDropoutProb))
                .attentionProbsDropoutProb(floatField(map, "attention_probs_dropout_prob", d.attentionProbsDropoutProb))
                .classifierDropoutProb(map.containsKey("classifier_dropout_prob")
                        && map.get("classifier_dropout_prob") == null ? null
                        : floatField(map, "classifier_dropout_prob", d.classifierDropoutProb))
                .maxPositionEmbeddings(intField(map, "max_position_embeddings", d.maxPositionEmbeddings))
                .typeVocabSize(intField(map, "type_vocab_size", d.typeVocabSize))
                .initializerRange(floatField(map, "initializer_range", d.initializerRange))
                .layerNormEps(floatField(map, "layer_norm_eps", d.layerNormEps))
                .padTokenId(intField(map, "pad_token_id", d.padTokenId))
                .bosTokenId(intField(map, "bos_token_id", d.bosTokenId))
                .eosTokenId(intField(map, "eos_token_id", d.eosTokenId))
                .positionEmbeddingType(stringField(map, "position_embedding_type", d.positionEmbeddingType))
                .sharing(ParameterSharing.fromJson(stringField(map, "sharing", "all")))
                .numLabels(numLabels(map, d.numLabels))
                .problemType(stringField(map, "problem_type", null));
        Map<String, Object> extra = new LinkedHashMap<>(map);
        extra.keySet().removeAll(KNOWN_KEYS);
        return b.extra(extra).build();
    }

    /** HF: the size of {@code id2label} when present (a {@code num_labels} key must then agree), else {@code num_labels}. */
    private static int numLabels(Map<String, Object> map, int fallback) {
        int declared = intField(map, "num_labels", fallback);
        if (map.get(ID2LABEL) instanceof Map<?, ?> id2label) {
            if (map.get("num_labels") != null && declared != id2label.size()) {
                throw new IllegalArgumentException("config.json: 'num_labels' " + declared + " disagrees with the "
                        + id2label.size() + " entries of 'id2label'");
            }
            return id2label.size();
        }
        return declared;
    }

    public static AlbertConfig read(Path configJson) {
        try {
            if (Files.isDirectory(configJson)) {
                throw new IOException("is a folder, not a config file");
            }
            return fromJson(Files.readString(configJson));
        } catch (java.nio.file.NoSuchFileException e) {
            boolean folderExists = Files.isDirectory(configJson.toAbsolutePath().getParent());
            throw new UncheckedIOException(configJson + ": no such file" + (folderExists
                    ? " (a model folder holds its config.json beside the weights)"
                    : " (its folder does not exist either)"), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + configJson + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            // fromJson's messages say "config.json: ..." for text without a file; here the path says it
            String message = e.getMessage().startsWith("config.json: ") ? e.getMessage().substring(13) : e.getMessage();
            throw new IllegalArgumentException(configJson + ": " + message, e);
        }
    }

    public String toJson() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.putAll(extra);
        map.put("vocab_size", vocabSize);
        map.put("embedding_size", embeddingSize);
        map.put("hidden_size", hiddenSize);
        map.put("num_hidden_layers", numHiddenLayers);
        map.put("num_hidden_groups", numHiddenGroups);
        map.put("num_attention_heads", numAttentionHeads);
        map.put("intermediate_size", intermediateSize);
        map.put("inner_group_num", innerGroupNum);
        map.put("hidden_act", hiddenAct);
        map.put("hidden_dropout_prob", hiddenDropoutProb);
        map.put("attention_probs_dropout_prob", attentionProbsDropoutProb);
        map.put("classifier_dropout_prob", classifierDropoutProb);
        map.put("max_position_embeddings", maxPositionEmbeddings);
        map.put("type_vocab_size", typeVocabSize);
        map.put("initializer_range", initializerRange);
        map.put("layer_norm_eps", layerNormEps);
        map.put("pad_token_id", padTokenId);
        map.put("bos_token_id", bosTokenId);
        map.put("eos_token_id", eosTokenId);
        map.put("position_embedding_type", positionEmbeddingType);
        if (sharing != ParameterSharing.ALL) {
            map.put("sharing", sharing.jsonName());
        }
        if (!extra.containsKey(ID2LABEL) && numLabels != 2) {
            map.put("num_labels", numLabels); // HF reads it; with id2label present that map says it
        }
        if (problemType != null) {
            map.put("problem_type", problemType);
        }
        map.putIfAbsent("model_type", "albert");
        try {
            return JSON.writeValueAsString(map) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Refuses a tokenizer that can emit ids this model has no embedding row for: {@code tokenizerVocabSize} pieces
     * against {@code vocab_size}. (A smaller tokenizer is fine: HF pads vocabularies to a multiple of 8 or 128.)
     */
    public void requireTokenizerFits(int tokenizerVocabSize, Object tokenizerSource) {
        if (tokenizerVocabSize > vocabSize) {
            throw new IllegalArgumentException(tokenizerSource + ": the tokenizer has " + tokenizerVocabSize
                    + " pieces but the model's vocab_size is " + vocabSize + " (ids from " + vocabSize
                    + " on have no embedding): the tokenizer is not this model's");
        }
    }

    public void write(Path configJson) {
        try {
            Files.writeString(configJson, toJson());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + configJson + ": " + e.getMessage(), e);
        }
    }

    private static int intField(Map<String, Object> map, String key, int fallback) {
        Object v = map.get(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
            if (n.doubleValue() < Integer.MIN_VALUE || n.doubleValue() > Integer.MAX_VALUE) {
                // intValue() would wrap 2^32 + 100 to 100 without a word
                throw new IllegalArgumentException("config.json: '" + key + "' = " + v
                        + " does not fit a 32-bit integer");
            }
            return n.intValue();
        }
        throw new IllegalArgumentException("config.json: '" + key + "' must be an integer, got " + v);
    }

    private static float floatField(Map<String, Object> map, String key, float fallback) {
        Object v = map.get(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Number n) {
            return n.floatValue();
        }
        throw new IllegalArgumentException("config.json: '" + key + "' must be a number, got " + v);
    }

    private static String stringField(Map<String, Object> map, String key, String fallback) {
        Object v = map.get(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException("config.json: '" + key + "' must be a string, got " + v);
    }

    // ---- builder --------------------------------------------------------------------------------------------

    /** HF {@code AlbertConfig()} defaults (= xxlarge with "gelu_new" and dropout 0). */
    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().vocabSize(vocabSize).embeddingSize(embeddingSize).hiddenSize(hiddenSize)
                .numHiddenLayers(numHiddenLayers).numHiddenGroups(numHiddenGroups)
                .numAttentionHeads(numAttentionHeads).intermediateSize(intermediateSize).innerGroupNum(innerGroupNum)
                .hiddenAct(hiddenAct).hiddenDropoutProb(hiddenDropoutProb)
                .attentionProbsDropoutProb(attentionProbsDropoutProb).classifierDropoutProb(classifierDropoutProb)
                .maxPositionEmbeddings(maxPositionEmbeddings).typeVocabSize(typeVocabSize)
                .initializerRange(initializerRange).layerNormEps(layerNormEps).padTokenId(padTokenId)
                .bosTokenId(bosTokenId).eosTokenId(eosTokenId).positionEmbeddingType(positionEmbeddingType)
                .sharing(sharing).extra(extra).numLabels(numLabels).problemType(problemType);
    }

    /** Mutable holder of the fields; {@link #build()} validates. Defaults are HF's. */
    public static final class Builder {
        private int vocabSize = 30000;
        private int embeddingSize = 128;
        private int hiddenSize = 4096;
        private int numHiddenLayers = 12;
        private int numHiddenGroups = 1;
        private int numAttentionHeads = 64;
        private int intermediateSize = 16384;
        private int innerGroupNum = 1;
        private String hiddenAct = "gelu_new";
        private float hiddenDropoutProb = 0f;
        private float attentionProbsDropoutProb = 0f;
        private Float classifierDropoutProb = 0.1f;
        private int maxPositionEmbeddings = 512;
        private int typeVocabSize = 2;
        private float initializerRange = 0.02f;
        private float layerNormEps = 1e-12f; // GR's hard-coded LayerNorm variance_epsilon
        private int padTokenId = 0;
        private int bosTokenId = 2;
        private int eosTokenId = 3;
        private String positionEmbeddingType = "absolute";
        private ParameterSharing sharing = ParameterSharing.ALL;
        private int numLabels = 2;
        private String problemType = null;
        private Map<String, Object> extra = new LinkedHashMap<>();

        private Builder() {
        }

        public Builder vocabSize(int v) { vocabSize = v; return this; }
        public Builder embeddingSize(int v) { embeddingSize = v; return this; }
        public Builder hiddenSize(int v) { hiddenSize = v; return this; }
        public Builder numHiddenLayers(int v) { numHiddenLayers = v; return this; }
        public Builder numHiddenGroups(int v) { numHiddenGroups = v; return this; }
        public Builder numAttentionHeads(int v) { numAttentionHeads = v; return this; }
        public Builder intermediateSize(int v) { intermediateSize = v; return this; }
        public Builder innerGroupNum(int v) { innerGroupNum = v; return this; }
        public Builder hiddenAct(String v) { hiddenAct = v; return this; }
        public Builder hiddenDropoutProb(float v) { hiddenDropoutProb = v; return this; }
        public Builder attentionProbsDropoutProb(float v) { attentionProbsDropoutProb = v; return this; }
        /** null: the heads use hidden_dropout_prob. */
        public Builder classifierDropoutProb(Float v) { classifierDropoutProb = v; return this; }
        public Builder maxPositionEmbeddings(int v) { maxPositionEmbeddings = v; return this; }
        public Builder typeVocabSize(int v) { typeVocabSize = v; return this; }
        public Builder initializerRange(float v) { initializerRange = v; return this; }
        public Builder layerNormEps(float v) { layerNormEps = v; return this; }
        public Builder padTokenId(int v) { padTokenId = v; return this; }
        public Builder bosTokenId(int v) { bosTokenId = v; return this; }
        public Builder eosTokenId(int v) { eosTokenId = v; return this; }
        public Builder positionEmbeddingType(String v) { positionEmbeddingType = v; return this; }
        public Builder sharing(ParameterSharing v) { sharing = v; return this; }
        public Builder extra(Map<String, Object> v) { extra = new LinkedHashMap<>(v); return this; }
        public Builder problemType(String v) { problemType = v; return this; }

        /**
         * The classifier width. As HF's {@code config.num_labels = n}, a different count drops a kept
         * {@code id2label}/{@code label2id} (their names belong to the old labels); HF then writes LABEL_i names.
         */
        public Builder numLabels(int v) {
            numLabels = v;
            for (String key : List.of(ID2LABEL, LABEL2ID)) {
                if (extra.get(key) instanceof Map<?, ?> m && m.size() != v) {
                    extra.remove(key);
                }
            }
            return this;
        }

        public AlbertConfig build() {
            return new AlbertConfig(vocabSize, embeddingSize, hiddenSize, numHiddenLayers, numHiddenGroups,
                    numAttentionHeads, intermediateSize, innerGroupNum, hiddenAct, hiddenDropoutProb,
                    attentionProbsDropoutProb, classifierDropoutProb, maxPositionEmbeddings, typeVocabSize,
                    initializerRange, layerNormEps, padTokenId, bosTokenId, eosTokenId, positionEmbeddingType,
                    sharing, numLabels, problemType, extra);
        }
    }
}
