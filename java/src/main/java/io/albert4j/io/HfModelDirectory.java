package io.albert4j.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.albert4j.backend.Backends;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A HuggingFace model directory: {@code config.json}, {@code model.safetensors} (parameters under their HF
 * state-dict names) and, when the model has one, the SentencePiece model {@code spiece.model}.
 *
 * <p>Loading fills parameters the caller already allocated (the model knows its shapes from its config), so every
 * mismatch is reported against the config: {@code "model.safetensors: tensor 'albert.pooler.weight' has shape
 * [768, 512], config says [768, 768]"}. The names HF itself treats as one tensor are accepted either way
 * (albert-spec.md §2): {@code predictions.decoder.bias} = {@code predictions.bias}, {@code
 * predictions.decoder.weight} = the word embeddings (tied), and the {@code position_ids} buffer is ignored. An
 * {@code AlbertModel} checkpoint (keys without {@code albert.}) loads into {@code albert.}-prefixed parameters and
 * the other way round.
 */
public final class HfModelDirectory {
    public static final String CONFIG_FILE = "config.json";
    public static final String WEIGHTS_FILE = "model.safetensors";
    public static final String TOKENIZER_FILE = "spiece.model";
    /** Every file a save writes, in the order an {@code overwrite} save renames them into place (weights last). */
    public static final List<String> MODEL_FILES = List.of(CONFIG_FILE, TOKENIZER_FILE, WEIGHTS_FILE);

    static final String PREFIX = "albert.";
    static final String WORD_EMBEDDINGS = "albert.embeddings.word_embeddings.weight";
    static final String DECODER_WEIGHT = "predictions.decoder.weight";
    static final String MLM_BIAS = "predictions.bias";
    static final String DECODER_BIAS = "predictions.decoder.bias";
    static final String POSITION_IDS = "albert.embeddings.position_ids";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private HfModelDirectory() {
    }

    /**
     * What a load did.
     *
     * @param sources    for each parameter, the file tensor it was read from (differs for aliases and prefixes)
     * @param ignored    file tensors skipped on purpose: buffers and tied or duplicate aliases
     * @param unexpected file tensors that match no parameter (only non-empty when unexpected tensors are allowed)
     */
    public record LoadReport(Map<String, String> sources, List<String> ignored, List<String> unexpected) {
    }

    // ---- reading --------------------------------------------------------------------------------------------

    /** The parsed {@code config.json}; the model helper turns it into its config class. */
    public static ObjectNode readConfig(Path dir) {
        Path file = dir.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(file)) {
            throw new SafetensorsException(file, "missing: " + dir + " is not a HuggingFace model directory");
        }
        try {
            JsonNode node = JSON.readTree(file.toFile());
            if (node == null || !node.isObject()) {
                throw new SafetensorsException(file, "is not a JSON object");
            }
            return (ObjectNode) node;
        } catch (JacksonException e) {
            throw new SafetensorsException(file, "is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new SafetensorsException(file, "cannot read: " + e, e);
        }
    }

    /** {@code DIR/spiece.model} when the directory has one. */
    public static Optional<Path> tokenizerModel(Path dir) {
        Path file = dir.resolve(TOKENIZER_FILE);
        return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
    }

    /**
     * Copies the weights of {@code DIR/model.safetensors} into {@code parameters} (host or device tensors, F32 are
     * filled from F32/F16/BF16 data). Every parameter must be found with its exact shape; file tensors that match
     * no parameter are an error unless {@code allowUnexpected}.
     */
    public static LoadReport loadWeights(Path dir, Map<String, Tensor> parameters, boolean allowUnexpected) {
        return loadWeightsFile(dir.resolve(WEIGHTS_FILE), parameters, allowUnexpected);
    }

    /** As {@link #loadWeights} for a safetensors file anywhere. */
    public static LoadReport loadWeightsFile(Path file, Map<String, Tensor> parameters, boolean allowUnexpected) {
        try (SafetensorsReader reader = SafetensorsReader.open(file)) {
            Map<String, String> sources = new LinkedHashMap<>();
            List<String> missing = new ArrayList<>();
            for (Map.Entry<String, Tensor> p : parameters.entrySet()) {
                String source = findSource(reader, p.getKey());
                if (source == null) {
                    missing.add(p.getKey());
                    continue;
                }
                sources.put(p.getKey(), source);
            }
            if (!missing.isEmpty()) {
                throw new SafetensorsException(file, missing.size() + " parameter(s) missing: " + missing
                        + " (the file holds " + reader.names().size() + " tensors"
                        + (reader.names().isEmpty() ? "" : ", e.g. '" + reader.names().iterator().next() + "'") + ")");
            }
            // Check every shape before copying anything, so a bad file leaves the parameters untouched.
            for (Map.Entry<String, String> s : sources.entrySet()) {
                checkShape(reader, s.getValue(), s.getKey(), parameters.get(s.getKey()).shape());
            }
            Set<String> consumed = new HashSet<>(sources.values());
            List<String> ignored = new ArrayList<>();
            List<String> unexpected = new ArrayList<>();
            for (String name : reader.names()) {
                if (consumed.contains(name)) {
                    continue;
                }
                String canonical = withPrefix(name);
                if (canonical.equals(POSITION_IDS)) {
                    ignored.add(name);
                } else if (canonical.equals(DECODER_WEIGHT) || canonical.equals(PREFIX + DECODER_WEIGHT)) {
                    int[] tiedShape = shapeOfLoaded(parameters, sources, reader, WORD_EMBEDDINGS);
                    if (tiedShape != null) {
                        checkShape(reader, name, WORD_EMBEDDINGS + " (tied)", tiedShape);
                    }
                    ignored.add(name);
                } else if (isBiasAlias(name) && (consumed.contains(MLM_BIAS) || consumed.contains(DECODER_BIAS))) {
                    String other = consumed.contains(MLM_BIAS) ? MLM_BIAS : DECODER_BIAS;
                    checkShape(reader, name, other + " (same tensor)", reader.info(other).shape());
                    ignored.add(name);
                } else {
                    unexpected.add(name);
                }
            }
            if (!unexpected.isEmpty() && !allowUnexpected) {
                throw new SafetensorsException(file, unexpected.size() + " unexpected tensor(s) that match no parameter: "
                        + unexpected);
            }
            for (Map.Entry<String, String> s : sources.entrySet()) {
                copyInto(reader, s.getValue(), parameters.get(s.getKey()));
            }
            return new LoadReport(sources, List.copyOf(ignored), List.copyOf(unexpected));
        }
    }

    /** The file tensor that holds parameter {@code name}: itself, an HF alias, or the name with/without "albert.". */
    private static String findSource(SafetensorsReader reader, String name) {
        for (String candidate : candidates(name)) {
            if (reader.contains(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static List<String> candidates(String name) {
        List<String> names = new ArrayList<>();
        names.add(name);
        if (name.equals(MLM_BIAS)) {
            names.add(DECODER_BIAS);
        } else if (name.equals(DECODER_BIAS)) {
            names.add(MLM_BIAS);
        } else if (name.equals(DECODER_WEIGHT)) {
            names.add(WORD_EMBEDDINGS);
        }
        names.add(name.startsWith(PREFIX) ? name.substring(PREFIX.length()) : PREFIX + name);
        return names;
    }

    private static boolean isBiasAlias(String name) {
        return name.equals(MLM_BIAS) || name.equals(DECODER_BIAS);
    }

    /** Head tensors never carry the prefix; encoder tensors of an AlbertModel checkpoint lack it. */
    private static String withPrefix(String name) {
        return name.startsWith(PREFIX) || name.startsWith("predictions.") || name.startsWith("sop_classifier.")
                ? name : PREFIX + name;
    }

    private static int[] shapeOfLoaded(Map<String, Tensor> parameters, Map<String, String> sources,
                                       SafetensorsReader reader, String name) {
        for (String candidate : candidates(name)) {
            if (parameters.containsKey(candidate)) {
                return parameters.get(candidate).shape();
            }
            if (reader.contains(candidate)) {
                return reader.info(candidate).shape();
            }
        }
        return null;
    }

    private static void checkShape(SafetensorsReader reader, String source, String parameter, int[] expected) {
        int[] actual = reader.info(source).shape();
        if (!Arrays.equals(actual, expected)) {
            String which = source.equals(parameter) ? "'" + source + "'" : "'" + source + "' (for " + parameter + ")";
            throw new SafetensorsException(reader.file(), "tensor " + which + " has shape " + Arrays.toString(actual)
                    + ", config says " + Arrays.toString(expected));
        }
    }

    private static void copyInto(SafetensorsReader reader, String source, Tensor destination) {
        try (Tensor value = switch (destination.dtype()) {
            case F32 -> reader.readF32(source);
            case I32 -> reader.readI32(source);
            case BF16 -> reader.read(source);
        }) {
            if (value.dtype() != destination.dtype()) {
                throw new SafetensorsException(reader.file(), "tensor '" + source + "' is " + value.dtype()
                        + ", parameter " + destination.describe() + " needs " + destination.dtype());
            }
            Backends.get(destination.device()).copy(value, destination);
        }
    }

    // ---- writing --------------------------------------------------------------------------------------------

    /**
     * Writes a complete model directory; an earlier model there is replaced as a whole. {@code tokenizerModel}
     * (may be null) is copied as spiece.model. Refuses ({@link ForeignFilesException}) a folder that holds
     * anything else: see {@link #save(Path, JsonNode, Map, Path, boolean)}.
     */
    public static void save(Path dir, JsonNode config, Map<String, Tensor> parameters, Path tokenizerModel)
            throws IOException {
        save(dir, config, parameters, tokenizerModel, false);
    }

    /**
     * Writes a complete model directory. The files are built in a temporary sibling, and nothing in {@code dir}
     * changes before all of them are on disk:
     * <ul>
     *   <li>{@code dir} missing, empty or a model directory (config.json and model.safetensors, nothing but {@link
     *       #MODEL_FILES}): the new directory is renamed into place, so {@code dir} is never seen half written
     *       ({@link AtomicFiles#writeDirectory});</li>
     *   <li>{@code dir} holds anything else: refused with {@link ForeignFilesException} naming what is there,
     *       unless {@code overwrite}; then each file this save writes replaces its namesake and every other entry is
     *       left alone ({@link AtomicFiles#replaceFiles}).</li>
     * </ul>
     */
    public static void save(Path dir, JsonNode config, Map<String, Tensor> parameters, Path tokenizerModel,
                            boolean overwrite) throws IOException {
        AtomicFiles.recover(dir);
        AtomicFiles.Writer filler = temp -> writeInto(temp, config, parameters, tokenizerModel);
        if (holdsOnlyAModel(dir)) {
            AtomicFiles.writeDirectory(dir, filler);
        } else {
            checkCanSave(dir, overwrite);
            AtomicFiles.replaceFiles(dir, MODEL_FILES, filler);
        }
    }

    /** As {@link #save(Path, JsonNode, Map, Path)} with config.json given as JSON text. */
    public static void save(Path dir, String configJson, Map<String, Tensor> parameters, Path tokenizerModel)
            throws IOException {
        save(dir, parseConfig(configJson), parameters, tokenizerModel);
    }

    /** As {@link #save(Path, JsonNode, Map, Path, boolean)} with config.json given as JSON text. */
    public static void save(Path dir, String configJson, Map<String, Tensor> parameters, Path tokenizerModel,
                            boolean overwrite) throws IOException {
        save(dir, parseConfig(configJson), parameters, tokenizerModel, overwrite);
    }

    /**
     * Throws what {@link #save(Path, JsonNode, Map, Path, boolean) save} would refuse, before any work is done: a
     * command checks its output folder before hours of training, not after.
     */
    public static void checkCanSave(Path dir, boolean overwrite) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new FileAlreadyExistsException(dir.toString(), null, "is a file, not a folder to write a model into");
        }
        if (overwrite || holdsOnlyAModel(dir)) {
            return;
        }
        // Not a model directory: even a lone spiece.model or config.json is the user's, not an earlier save's.
        throw new ForeignFilesException(dir, "a model directory", ForeignFilesException.foreignEntries(dir, name -> false));
    }

    /** True when {@code dir} is missing, empty, or a model directory and nothing else. */
    private static boolean holdsOnlyAModel(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return true;
        }
        if (!Files.isDirectory(dir)) {
            return false;
        }
        List<String> all = ForeignFilesException.foreignEntries(dir, name -> false);
        if (all.isEmpty()) {
            return true;
        }
        return Files.isRegularFile(dir.resolve(CONFIG_FILE)) && Files.isRegularFile(dir.resolve(WEIGHTS_FILE))
                && ForeignFilesException.foreignEntries(dir, MODEL_FILES::contains).isEmpty();
    }

    /** Writes the directory's files into an existing directory (callers that build a larger atomic directory). */
    public static void writeInto(Path dir, JsonNode config, Map<String, Tensor> parameters, Path tokenizerModel)
            throws IOException {
        Objects.requireNonNull(config, "config");
        if (!config.isObject()) {
            throw new IllegalArgumentException(CONFIG_FILE + " must be a JSON object, got " + config.getNodeType());
        }
        Files.writeString(dir.resolve(CONFIG_FILE), JSON.writeValueAsString(config) + "\n");
        SafetensorsWriter.write(dir.resolve(WEIGHTS_FILE), withHfAliases(parameters), Map.of("format", "pt"));
        if (tokenizerModel != null && Files.isRegularFile(tokenizerModel)) {
            Files.copy(tokenizerModel, dir.resolve(TOKENIZER_FILE), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * The parameters plus the duplicate names HF's own state dict has: {@code predictions.decoder.bias} (the same
     * tensor as {@code predictions.bias}). The tied decoder weight is left out, as HF's save_pretrained does.
     */
    static Map<String, Tensor> withHfAliases(Map<String, Tensor> parameters) {
        Map<String, Tensor> out = new LinkedHashMap<>(parameters);
        if (out.containsKey(MLM_BIAS) && !out.containsKey(DECODER_BIAS)) {
            out.put(DECODER_BIAS, out.get(MLM_BIAS));
        }
        for (Tensor t : out.values()) {
            if (t.dtype() != DType.F32 && t.dtype() != DType.BF16 && t.dtype() != DType.I32) {
                throw new IllegalArgumentException("cannot save " + t.describe());
            }
        }
        return out;
    }

    private static JsonNode parseConfig(String configJson) {
        try {
            return JSON.readTree(configJson);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(CONFIG_FILE + " text is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }
}
