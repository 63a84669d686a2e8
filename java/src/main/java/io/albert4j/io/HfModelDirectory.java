package io.albert4j.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.albert4j.backend.Backends;
import io.albert4j.io.torch.TorchCheckpointReader;
import io.albert4j.tensor.DType;
import io.albert4j.tokenizer.AlbertTokenizerSettings;
import io.albert4j.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
import java.util.function.Predicate;

/**
 * A HuggingFace model directory: {@code config.json}, the weights under their HF state-dict names, and, when the
 * model has one, the SentencePiece model {@code spiece.model} with HF's {@code tokenizer_config.json} and {@code
 * special_tokens_map.json}.
 *
 * <p>Weights are read from whichever of HF's layouts the folder has, in the order HF's {@code from_pretrained}
 * prefers them: {@code model.safetensors}, a sharded {@code model.safetensors.index.json}, {@code
 * pytorch_model.bin} (read without executing its pickle, {@link TorchCheckpointReader}), a sharded {@code
 * pytorch_model.bin.index.json}. albert4j writes {@code model.safetensors}.
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
    public static final String SAFETENSORS_INDEX_FILE = "model.safetensors.index.json";
    public static final String TORCH_WEIGHTS_FILE = "pytorch_model.bin";
    public static final String TORCH_INDEX_FILE = "pytorch_model.bin.index.json";
    public static final String TOKENIZER_FILE = "spiece.model";
    public static final String TOKENIZER_CONFIG_FILE = HfTokenizerConfig.TOKENIZER_CONFIG_FILE;
    public static final String SPECIAL_TOKENS_FILE = HfTokenizerConfig.SPECIAL_TOKENS_FILE;
    /** The weight files HF reads, in the order it prefers them. */
    public static final List<String> WEIGHT_FILES = List.of(WEIGHTS_FILE, SAFETENSORS_INDEX_FILE, TORCH_WEIGHTS_FILE,
            TORCH_INDEX_FILE);
    /** Every file a save writes, in the order an {@code overwrite} save renames them into place (weights last). */
    public static final List<String> MODEL_FILES = List.of(CONFIG_FILE, TOKENIZER_FILE, TOKENIZER_CONFIG_FILE,
            SPECIAL_TOKENS_FILE, WEIGHTS_FILE);

    static final String PREFIX = "albert.";
    static final String WORD_EMBEDDINGS = "albert.embeddings.word_embeddings.weight";
    static final String DECODER_WEIGHT = "predictions.decoder.weight";
    static final String MLM_BIAS = "predictions.bias";
    static final String DECODER_BIAS = "predictions.decoder.bias";
    static final String POSITION_IDS = "albert.embeddings.position_ids";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final System.Logger LOG = System.getLogger(HfModelDirectory.class.getName());

    private HfModelDirectory() {
    }

    /**
     * What a load did.
     *
     * @param sources     for each parameter read, the checkpoint tensor it was read from (differs for aliases and
     *                    prefixes)
     * @param ignored     checkpoint tensors skipped on purpose: buffers and tied or duplicate aliases
     * @param unexpected  checkpoint tensors that match no parameter (only non-empty when unexpected tensors are
     *                    allowed); they are not read
     * @param initialized parameters the checkpoint does not hold and the caller allowed to keep their own values
     *                    (HF's "newly initialized" weights: a head the checkpoint was saved without)
     */
    public record LoadReport(Map<String, String> sources, List<String> ignored, List<String> unexpected,
                             List<String> initialized) {
        public LoadReport {
            sources = Map.copyOf(sources);
            ignored = List.copyOf(ignored);
            unexpected = List.copyOf(unexpected);
            initialized = List.copyOf(initialized);
        }

        /**
         * HF's warnings for this load, one line each (none when every parameter was read and every tensor used):
         * {@code Some weights of AlbertForPreTraining were not initialized from the model checkpoint at DIR and are
         * newly initialized: [albert.pooler.weight, ...]}, and the same for checkpoint tensors not used.
         */
        public List<String> warnings(String model, Path checkpoint) {
            List<String> lines = new ArrayList<>();
            if (!initialized.isEmpty()) {
                lines.add("Some weights of " + model + " were not initialized from the model checkpoint at "
                        + checkpoint + " and are newly initialized: " + initialized);
            }
            if (!unexpected.isEmpty()) {
                lines.add("Some weights of the model checkpoint at " + checkpoint + " were not used when initializing "
                        + model + ": " + unexpected);
            }
            return lines;
        }
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

    /** The weight file of {@code dir} that {@link #openWeights} reads, by HF's preference ({@link #WEIGHT_FILES}). */
    public static Optional<Path> weightsFile(Path dir) {
        for (String name : WEIGHT_FILES) {
            Path file = dir.resolve(name);
            if (Files.isRegularFile(file)) {
                return Optional.of(file);
            }
        }
        return Optional.empty();
    }

    /** Opens the weights of a model directory, whichever of HF's layouts it has. */
    public static CheckpointReader openWeights(Path dir) {
        Path file = weightsFile(dir).orElseThrow(() -> new CheckpointException(dir, Files.isDirectory(dir)
                ? "no weights: the folder has none of " + WEIGHT_FILES + foldersNamedLikeWeights(dir)
                : "is not a model directory"));
        return openFile(file);
    }

    /** " (model.safetensors is a folder, not a file)" when one of the weight names is taken by a folder. */
    private static String foldersNamedLikeWeights(Path dir) {
        List<String> folders = WEIGHT_FILES.stream().filter(name -> Files.isDirectory(dir.resolve(name))).toList();
        return folders.isEmpty() ? "" : " (" + String.join(", ", folders) + (folders.size() == 1 ? " is a folder"
                : " are folders") + ", not a file)";
    }

    /**
     * Opens one checkpoint file by its name: {@code *.safetensors}, {@code *.bin}/{@code *.pt}/{@code *.pth}
     * (PyTorch), {@code *.index.json} (HF shards, each opened the same way).
     */
    public static CheckpointReader openFile(Path file) {
        String name = file.getFileName().toString();
        if (name.endsWith(".index.json")) {
            return ShardedCheckpointReader.open(file, HfModelDirectory::openFile);
        }
        if (name.endsWith(".safetensors")) {
            return SafetensorsReader.open(file);
        }
        if (name.endsWith(".bin") || name.endsWith(".pt") || name.endsWith(".pth")) {
            return TorchCheckpointReader.open(file);
        }
        throw new CheckpointException(file, "unknown checkpoint format (expected .safetensors, .bin, .pt, .pth or "
                + ".index.json)");
    }

    /**
     * Copies the weights of {@code dir} (any of {@link #WEIGHT_FILES}) into {@code parameters} (host or device
     * tensors, F32 are filled from F32/F16/BF16/F64 data). Every parameter must be found with its exact shape;
     * checkpoint tensors that match no parameter are an error unless {@code allowUnexpected}.
     */
    public static LoadReport loadWeights(Path dir, Map<String, Tensor> parameters, boolean allowUnexpected) {
        try (CheckpointReader reader = openWeights(dir)) {
            return loadWeights(reader, parameters, name -> false, allowUnexpected);
        }
    }

    /** As {@link #loadWeights} for a safetensors file anywhere. */
    public static LoadReport loadWeightsFile(Path file, Map<String, Tensor> parameters, boolean allowUnexpected) {
        try (CheckpointReader reader = openFile(file)) {
            return loadWeights(reader, parameters, name -> false, allowUnexpected);
        }
    }

    /**
     * Checks the shape of every tensor of {@code reader} that one of {@code shapes} (parameter name → shape, e.g.
     * from a shapes-only model) will be read from, before any parameter memory exists: a config that does not fit
     * its checkpoint (a lying {@code hidden_size}, {@code vocab_size}, ...) is refused naming the file and tensor
     * instead of allocating what the config claims. Missing tensors are left to {@link #loadWeights}.
     */
    public static void checkShapes(CheckpointReader reader, Map<String, int[]> shapes) {
        for (Map.Entry<String, int[]> p : shapes.entrySet()) {
            String source = findSource(reader, p.getKey());
            if (source != null) {
                checkShape(reader, source, p.getKey(), p.getValue());
            }
        }
    }

    /**
     * Copies the tensors of {@code reader} into {@code parameters}. A parameter the checkpoint lacks is an error
     * unless {@code mayBeMissing} accepts its name: it is then left as it is and listed in {@link
     * LoadReport#initialized()} (HF initialises a head that a checkpoint was saved without). Every shape is checked
     * before anything is copied, so a checkpoint that does not fit leaves the parameters untouched.
     */
    public static LoadReport loadWeights(CheckpointReader reader, Map<String, Tensor> parameters,
                                         Predicate<String> mayBeMissing, boolean allowUnexpected) {
        Path file = reader.path();
        Map<String, String> sources = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        List<String> initialized = new ArrayList<>();
        for (Map.Entry<String, Tensor> p : parameters.entrySet()) {
            String source = findSource(reader, p.getKey());
            if (source != null) {
                sources.put(p.getKey(), source);
            } else if (mayBeMissing.test(p.getKey())) {
                initialized.add(p.getKey());
            } else {
                missing.add(p.getKey());
            }
        }
        if (!missing.isEmpty()) {
            throw problem(file, missing.size() + " parameter(s) missing: " + missing
                    + " (the checkpoint holds " + reader.names().size() + " tensors"
                    + (reader.names().isEmpty() ? "" : ", e.g. '" + reader.names().iterator().next() + "'") + ")");
        }
        // Check every shape before copying anything, so a bad file leaves the parameters untouched.
        for (Map.Entry<String, String> s : sources.entrySet()) {
            checkShape(reader, s.getValue(), s.getKey(), parameters.get(s.getKey()).shape());
        }
        Set<String> consumed = new HashSet<>(sources.values());
        // Only an MLM head reads the tied copies; for any other model they are unused, as in HF.
        boolean hasMlmHead = parameters.containsKey(MLM_BIAS) || parameters.containsKey(DECODER_BIAS);
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
                int[] tiedShape = shapeOfLoaded(parameters, reader, WORD_EMBEDDINGS);
                if (tiedShape != null) {
                    checkShape(reader, name, WORD_EMBEDDINGS + " (tied)", tiedShape);
                }
                String table = sources.get(WORD_EMBEDDINGS);
                if (table != null && hasMlmHead) {
                    requireSameValues(reader, name, table);
                }
                ignored.add(name);
            } else if (isBiasAlias(name) && (consumed.contains(MLM_BIAS) || consumed.contains(DECODER_BIAS))) {
                String other = consumed.contains(MLM_BIAS) ? MLM_BIAS : DECODER_BIAS;
                checkShape(reader, name, other + " (same tensor)", reader.stored(other).shape());
                if (hasMlmHead) {
                    requireSameValues(reader, name, other);
                }
                ignored.add(name);
            } else {
                unexpected.add(name);
            }
        }
        if (!unexpected.isEmpty() && !allowUnexpected) {
            throw problem(file, unexpected.size() + " unexpected tensor(s) that match no parameter: " + unexpected);
        }
        for (Map.Entry<String, String> s : sources.entrySet()) {
            copyInto(reader, s.getValue(), parameters.get(s.getKey()));
        }
        return new LoadReport(sources, ignored, unexpected, initialized);
    }

    /**
     * A checkpoint that holds both names of one tied tensor must hold the same values under both. HF transformers
     * (5.x, {@code PreTrainedModel.tie_weights}) compares them with {@code torch.equal} and, when they differ, warns
     * and loads the model untied, its MLM decoder its own matrix. albert4j's decoder is the word embeddings (one
     * parameter, as in the paper and GR's code), so it cannot reproduce that model: loading one copy and dropping
     * the other would predict with a decoder the checkpoint does not have, so the checkpoint is refused, naming both.
     */
    private static void requireSameValues(CheckpointReader reader, String copy, String kept) {
        try (Tensor a = reader.read(copy, DType.F32); Tensor b = reader.read(kept, DType.F32)) {
            MemorySegment x = a.data();
            MemorySegment y = b.data();
            long n = Math.min(a.numel(), b.numel());
            long differing = 0;
            long first = -1;
            for (long i = 0; i < n; i++) {
                // == as torch.equal: -0.0 equals 0.0 (non-finite weights are refused when copied)
                if (x.getAtIndex(ValueLayout.JAVA_FLOAT, i) != y.getAtIndex(ValueLayout.JAVA_FLOAT, i)) {
                    differing++;
                    if (first < 0) {
                        first = i;
                    }
                }
            }
            if (differing > 0) {
                throw problem(reader.stored(copy).file(), "tensor '" + copy + "' differs from '" + kept
                        + "', the tensor it is tied to, in " + differing + " of " + n + " elements (first at element "
                        + first + ": " + x.getAtIndex(ValueLayout.JAVA_FLOAT, first) + " vs "
                        + y.getAtIndex(ValueLayout.JAVA_FLOAT, first) + "); albert4j's MLM decoder is the word "
                        + "embeddings (tied), so it cannot load a checkpoint whose decoder is a matrix of its own");
            }
        }
    }

    /** Errors about a safetensors file stay {@link SafetensorsException}s, as they were before other formats. */
    private static CheckpointException problem(Path file, String message) {
        return file.getFileName().toString().endsWith(".safetensors")
                ? new SafetensorsException(file, message) : new CheckpointException(file, message);
    }

    /** The tensor that holds parameter {@code name}: itself, an HF alias, or the name with/without "albert.". */
    private static String findSource(CheckpointReader reader, String name) {
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
        if (name.equals(WORD_EMBEDDINGS)) {
            // A checkpoint that kept only the tied decoder's name for the table (HF ties them, so either will do).
            names.add(DECODER_WEIGHT);
        }
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

    private static int[] shapeOfLoaded(Map<String, Tensor> parameters, CheckpointReader reader, String name) {
        for (String candidate : candidates(name)) {
            if (parameters.containsKey(candidate)) {
                return parameters.get(candidate).shape();
            }
            if (reader.contains(candidate)) {
                return reader.stored(candidate).shape();
            }
        }
        return null;
    }

    private static void checkShape(CheckpointReader reader, String source, String parameter, int[] expected) {
        StoredTensor stored = reader.stored(source);
        int[] actual = stored.shape();
        if (!Arrays.equals(actual, expected)) {
            String which = source.equals(parameter) ? "'" + source + "'" : "'" + source + "' (for " + parameter + ")";
            throw problem(stored.file(), "tensor " + which + " has shape " + Arrays.toString(actual)
                    + ", config says " + Arrays.toString(expected));
        }
    }

    private static void copyInto(CheckpointReader reader, String source, Tensor destination) {
        try (Tensor value = reader.read(source, destination.dtype())) {
            if (value.dtype() != destination.dtype()) {
                throw problem(reader.stored(source).file(), "tensor '" + source + "' is " + value.dtype()
                        + ", parameter " + destination.describe() + " needs " + destination.dtype());
            }
            if (value.dtype() == DType.F32) {
                requireFinite(reader, source, value);
            }
            Backends.get(destination.device()).copy(value, destination);
        }
    }

    /** A NaN or infinity in a weight makes every output it touches NaN: refused at load, naming where it is. */
    private static void requireFinite(CheckpointReader reader, String source, Tensor value) {
        MemorySegment data = value.data();
        long n = value.numel();
        for (long i = 0; i < n; i++) {
            float v = data.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            if (!Float.isFinite(v)) {
                throw problem(reader.stored(source).file(), "tensor '" + source + "' holds " + v + " at element " + i
                        + " of " + n + " (a non-finite weight makes every output it reaches NaN)");
            }
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
            HfTokenizerConfig.write(dir, tokenizerModel, tokenizerSettingsBeside(tokenizerModel),
                    config.path("max_position_embeddings").asInt(512));
        }
    }

    /**
     * The settings of the tokenizer files next to {@code tokenizerModel} (a model folder being re-saved or
     * converted keeps its casing and special tokens), else ALBERT's. A broken file there does not stop a save: the
     * model being written matters more, so it gets the defaults and a warning.
     */
    private static AlbertTokenizerSettings tokenizerSettingsBeside(Path tokenizerModel) {
        Path dir = tokenizerModel.toAbsolutePath().getParent();
        try {
            return HfTokenizerConfig.readOrDefault(dir);
        } catch (CheckpointException e) {
            LOG.log(System.Logger.Level.WARNING, "ignoring the tokenizer files beside " + tokenizerModel + ": "
                    + e.getMessage() + "; writing ALBERT's defaults");
            return AlbertTokenizerSettings.ALBERT;
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
