package io.albert4j.albert;

import io.albert4j.backend.Backend;
import io.albert4j.io.CheckpointReader;
import io.albert4j.io.HfModelDirectory;
import io.albert4j.nn.Embeddings;
import io.albert4j.nn.ForwardContext;
import io.albert4j.nn.Module;
import io.albert4j.nn.Parameter;
import io.albert4j.nn.ParameterMemory;
import io.albert4j.ops.Ops;
import io.albert4j.ops.PackedWeightCache;
import io.albert4j.ops.Step;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.StepArena;
import io.albert4j.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * What every ALBERT model shares (HF {@code AlbertPreTrainedModel}): the config, parameter memory and its
 * initialisation, HF-named parameter access, training/eval mode, gradients, and a pool of step arenas for
 * thread-safe inference.
 *
 * <p>A model built with a {@code shapesOnly} factory has names and shapes but no memory (parameter counts for any
 * config, instantly); the other factories allocate every parameter in one arena that {@link #close()} frees.
 */
public abstract class AlbertPreTrainedModel extends Module implements AutoCloseable {
    /** Keys in HF state dicts that are not parameters of their own: buffers and tied aliases (see below). */
    private static final Set<String> NON_PARAMETER_KEYS = Set.of("embeddings.position_ids",
            "embeddings.token_type_ids", "albert.embeddings.position_ids", "albert.embeddings.token_type_ids");
    /** 8 MiB: a first slab for small batches; the arena grows to the high-water mark of the first step. */
    private static final long INITIAL_ARENA_BYTES = 8L << 20;

    /**
     * Seed of the heads a checkpoint lacks (HF draws them from the global RNG): fixed, so that a folder loads into
     * the same model every time.
     */
    static final long MISSING_HEAD_SEED = 42;
    private static final System.Logger LOG = System.getLogger(AlbertPreTrainedModel.class.getName());

    protected final AlbertConfig config;
    private ParameterMemory memory;
    private HfModelDirectory.LoadReport loadReport;
    private boolean training;
    private Parameter wordEmbeddings;
    private final ConcurrentLinkedDeque<StepArena> idleArenas = new ConcurrentLinkedDeque<>();
    private final List<StepArena> allArenas = new ArrayList<>();
    /** Guarded by allArenas. */
    private PackedWeightCache packedWeights;
    /** The inference calls running now: close() refuses new ones, waits for these, then frees the memory once. */
    private final InFlightCalls calls = new InFlightCalls(getClass().getSimpleName());

    protected AlbertPreTrainedModel(AlbertConfig config) {
        this.config = config;
    }

    public AlbertConfig config() {
        return config;
    }

    // ---- parameters ----------------------------------------------------------------------------------------

    /** Allocates the parameters on {@code backend}; a model is built, then materialised once. */
    protected final void materialize(Backend backend) {
        if (memory != null) {
            throw new IllegalStateException("model parameters are already allocated");
        }
        memory = new ParameterMemory(this, backend);
    }

    /**
     * HF's initialisation (normal(0, initializer_range) for weights and tables, zero biases, LayerNorm 1/0) with
     * a seeded generator (order documented in {@link ParameterMemory#initialize}), then the pad row of the word
     * embeddings set to zero (HF {@code padding_idx}).
     */
    protected final void initialize(long seed) {
        initialize(seed, name -> true);
    }

    /** As {@link #initialize(long)} for the parameters {@code which} accepts; the others keep their values. */
    protected final void initialize(long seed, Predicate<String> which) {
        memory().initialize(seed, config.initializerRange(), which);
        int pad = config.padTokenId();
        if (pad >= 0 && which.test(wordEmbeddingsKey())) {
            Tensor word = wordEmbeddings().tensor();
            float[] values = memory.download(word);
            Arrays.fill(values, pad * config.embeddingSize(), (pad + 1) * config.embeddingSize(), 0f);
            memory.upload(values, word);
        }
    }

    /**
     * Re-initialises the position-embedding table as {@code init} says ({@link PositionEmbeddingInit#NORMAL} leaves
     * it as {@link #initialize} drew it). Seeded: the same seed gives the same table on every rank.
     */
    public final void initializePositionEmbeddings(PositionEmbeddingInit init, long seed) {
        if (init == PositionEmbeddingInit.NORMAL) {
            return;
        }
        Tensor table = modulesOf(Embeddings.class).getFirst().positionEmbeddings().weight().tensor();
        int positions = table.shape()[0];
        int width = table.shape()[1];
        float[] values = new float[positions * width];
        SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
        double sumSquares = 0;
        for (int c = 0; c < width; c++) {
            double[] walk = new double[positions];
            double x = 0;
            double mean = 0;
            for (int p = 0; p < positions; p++) {
                x += random.nextGaussian();
                walk[p] = x;
                mean += x / positions;
            }
            for (int p = 0; p < positions; p++) {
                double centred = walk[p] - mean;
                values[p * width + c] = (float) centred;
                sumSquares += centred * centred;
            }
        }
        double scale = config.initializerRange() / Math.sqrt(sumSquares / values.length);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (values[i] * scale);
        }
        memory().upload(values, table);
        Step.parametersChanged();
    }

    /**
     * The word embedding table (also the tied MLM decoder weight): that of the one {@link Embeddings} module every
     * ALBERT model has, found once (the module tree is fixed when the constructor returns).
     */
    protected final Parameter wordEmbeddings() {
        Parameter table = wordEmbeddings;
        if (table == null) {
            table = modulesOf(Embeddings.class).getFirst().wordEmbeddings().weight();
            wordEmbeddings = table;
        }
        return table;
    }

    private String wordEmbeddingsKey() {
        Parameter word = wordEmbeddings();
        for (Map.Entry<String, Parameter> e : parameterEntries().entrySet()) {
            if (e.getValue() == word) {
                return e.getKey();
            }
        }
        throw new IllegalStateException("the word embeddings are not a parameter of " + getClass().getSimpleName());
    }


    private ParameterMemory memory() {
        calls.requireNotClosed();
        if (memory == null) {
            throw new IllegalStateException(getClass().getSimpleName()
                    + " was built shapes-only: it has parameter names and counts but no memory");
        }
        return memory;
    }

    /**
     * Every parameter by its HF state-dict key, in HF order. Tied tensors appear once: the MLM decoder weight is
     * {@code albert.embeddings.word_embeddings.weight} and {@code predictions.decoder.bias} is
     * {@code predictions.bias} (see {@link #tiedAliases()}); buffers such as {@code position_ids} are not listed.
     */
    public LinkedHashMap<String, Tensor> namedParameters() {
        calls.requireNotClosed();
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : parameterEntries().entrySet()) {
            out.put(e.getKey(), e.getValue().tensor());
        }
        return out;
    }

    /** Names and shapes, without touching memory (works for shapes-only models). */
    public LinkedHashMap<String, int[]> parameterShapes() {
        LinkedHashMap<String, int[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : parameterEntries().entrySet()) {
            out.put(e.getKey(), e.getValue().shape());
        }
        return out;
    }

    /**
     * HF keys that name the same tensor as another key (alias → key in {@link #namedParameters()}): a model with
     * the MLM head has its decoder tied to the word embeddings ({@code predictions.decoder.*}).
     */
    public Map<String, String> tiedAliases() {
        return modulesOf(AlbertMLMHead.class).isEmpty() ? Map.of() : AlbertMLMHead.TIED_ALIASES;
    }

    /** The persistent gradient buffers by parameter key (after {@link #enableGradients()}). */
    public LinkedHashMap<String, Tensor> gradients() {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : namedParameters().entrySet()) {
            if (e.getValue().grad() == null) {
                throw new IllegalStateException("gradients: '" + e.getKey() + "' has no gradient buffer; call "
                        + "enableGradients() first");
            }
            out.put(e.getKey(), e.getValue().grad());
        }
        return out;
    }

    /**
     * Copies values into the parameters. Every parameter must be present with its exact shape; tied aliases
     * (e.g. {@code predictions.decoder.weight}) are accepted and skipped when they hold the values of the tensor
     * they are tied to (refused when they differ), buffers are skipped; other keys are errors.
     * Values may be F32 or BF16 (widened) and must be host tensors.
     */
    public void loadParameters(Map<String, Tensor> values) {
        LinkedHashMap<String, Tensor> own = namedParameters();
        Set<String> aliases = tiedAliases().keySet();
        List<String> problems = new ArrayList<>();
        for (String key : values.keySet()) {
            if (!own.containsKey(key) && !aliases.contains(key) && !NON_PARAMETER_KEYS.contains(key)) {
                problems.add("unexpected tensor '" + key + "'");
            }
        }
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            Tensor source = values.get(e.getKey());
            if (source == null) {
                problems.add("missing tensor '" + e.getKey() + "' " + Arrays.toString(e.getValue().shape()));
            } else if (!Arrays.equals(source.shape(), e.getValue().shape())) {
                problems.add("tensor '" + e.getKey() + "' has shape " + Arrays.toString(source.shape())
                        + ", config says " + Arrays.toString(e.getValue().shape()));
            } else if (source.dtype() == DType.I32) {
                problems.add("tensor '" + e.getKey() + "' is I32, expected F32 or BF16");
            }
        }
        for (Map.Entry<String, String> tied : tiedAliases().entrySet()) {
            Tensor copy = values.get(tied.getKey());
            Tensor kept = values.get(tied.getValue());
            if (copy != null && kept != null && !sameValues(copy, kept)) {
                // HF would load such a model untied; here the decoder IS the tensor it is tied to (see
                // HfModelDirectory.loadWeights), so one of the two would be silently dropped.
                problems.add("tensor '" + tied.getKey() + "' differs from '" + tied.getValue() + "', the tensor it "
                        + "is tied to (albert4j's MLM decoder is the word embeddings)");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ".loadParameters: "
                    + String.join("; ", problems));
        }
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            memory().upload(values.get(e.getKey()).toFloatArray(), e.getValue());
        }
    }

    /** Equal shapes and values, compared as {@code torch.equal} does (-0.0 equals 0.0). */
    private static boolean sameValues(Tensor a, Tensor b) {
        if (!Arrays.equals(a.shape(), b.shape()) || a.dtype() == DType.I32 || b.dtype() == DType.I32) {
            return false;
        }
        float[] x = a.toFloatArray();
        float[] y = b.toFloatArray();
        for (int i = 0; i < x.length; i++) {
            if (x[i] != y[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Writes a HuggingFace model directory (config.json, model.safetensors with HF's tied aliases), atomically; an
     * earlier model in {@code dir} is replaced, a folder holding anything else is refused. {@code tokenizerModel}
     * (may be null) is copied in as spiece.model.
     */
    public void save(Path dir, Path tokenizerModel) {
        save(dir, tokenizerModel, false);
    }

    /**
     * As {@link #save(Path, Path)}; with {@code overwrite} a folder holding other files is written too, and only
     * the model's files in it are replaced ({@link HfModelDirectory#save(Path, String, Map, Path, boolean)}).
     */
    public void save(Path dir, Path tokenizerModel, boolean overwrite) {
        try {
            HfModelDirectory.save(dir, config.toJson(), namedParameters(), tokenizerModel, overwrite);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save model to " + dir + ": " + e.getMessage(), e);
        }
    }

    // ---- factories ------------------------------------------------------------------------------------------
    // What every model's static create/fromParameters/load do, once. Java statics are not inherited (HF's
    // from_pretrained is a classmethod), so each model keeps one-line factories of its own type that call these
    // with its constructor.

    /** A model built by {@code constructor}, its parameters on {@code backend}, initialised from {@code seed}. */
    static <M extends AlbertPreTrainedModel> M createModel(Function<AlbertConfig, M> constructor,
                                                           AlbertConfig config, Backend backend, long seed) {
        return materialized(constructor.apply(config), backend, model -> model.initialize(seed));
    }

    /** A model holding the given HF-named tensors (see {@link #loadParameters}). */
    static <M extends AlbertPreTrainedModel> M modelFromParameters(Function<AlbertConfig, M> constructor,
                                                                   AlbertConfig config, Backend backend,
                                                                   Map<String, Tensor> values) {
        return materialized(constructor.apply(config), backend, model -> model.loadParameters(values));
    }

    /**
     * Reads a model directory's config, builds the model and fills it from the weights, whichever of HF's layouts
     * the folder has ({@link HfModelDirectory#openWeights}). As HF's {@code from_pretrained}: checkpoint tensors
     * that match no parameter are reported and ignored; with {@code initializeMissingHeads}, head parameters
     * (pooler, MLM, SOP, a fine-tuning head) the checkpoint lacks are initialised and reported, while a missing
     * embedding or encoder tensor is always an error. The report is logged (one warning line each, as HF's) and
     * kept in {@link #loadReport()}.
     */
    static <M extends AlbertPreTrainedModel> M loadModel(Function<AlbertConfig, M> constructor, Path dir,
                                                         Backend backend, boolean initializeMissingHeads) {
        AlbertConfig config = AlbertConfig.read(dir.resolve(HfModelDirectory.CONFIG_FILE));
        try (CheckpointReader reader = HfModelDirectory.openWeights(dir)) {
            return loadModel(constructor, reader, config, backend, initializeMissingHeads, dir);
        }
    }

    /** As {@link #loadModel(Function, Path, Backend, boolean)} from any checkpoint, with the config given. */
    static <M extends AlbertPreTrainedModel> M loadModel(Function<AlbertConfig, M> constructor,
                                                         CheckpointReader reader, AlbertConfig config,
                                                         Backend backend, boolean initializeMissingHeads,
                                                         Path source) {
        M shapes = constructor.apply(config);
        // Before any memory: a config whose sizes the checkpoint does not back is refused, not allocated.
        HfModelDirectory.checkShapes(reader, shapes.parameterShapes());
        return materialized(shapes, backend, model -> model.fillFrom(reader, initializeMissingHeads, source));
    }

    final void fillFrom(CheckpointReader reader, boolean initializeMissingHeads, Path source) {
        HfModelDirectory.LoadReport report = HfModelDirectory.loadWeights(reader, namedParameters(),
                initializeMissingHeads ? AlbertPreTrainedModel::isHeadParameter : name -> false, true);
        if (!report.initialized().isEmpty()) {
            Set<String> missing = Set.copyOf(report.initialized());
            initialize(MISSING_HEAD_SEED, missing::contains);
        }
        setLoadReport(report);
        for (String line : report.warnings(getClass().getSimpleName(), source)) {
            LOG.log(System.Logger.Level.WARNING, line);
        }
    }

    /** Allocates {@code model}'s parameters and fills them; a model that fails half-way is closed, not leaked. */
    private static <M extends AlbertPreTrainedModel> M materialized(M model, Backend backend, Consumer<M> fill) {
        try {
            model.materialize(backend);
            fill.accept(model);
            return model;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** Parameters outside the embeddings and the encoder: a pooler or a head, which HF initialises when missing. */
    static boolean isHeadParameter(String key) {
        String name = key.startsWith("albert.") ? key.substring("albert.".length()) : key;
        return !name.startsWith("embeddings.") && !name.startsWith("encoder.");
    }

    /**
     * What loading this model from a checkpoint did: which tensors were read, ignored, unexpected, and which
     * parameters were newly initialised; empty for a model that was created, not loaded.
     */
    public Optional<HfModelDirectory.LoadReport> loadReport() {
        return Optional.ofNullable(loadReport);
    }

    final void setLoadReport(HfModelDirectory.LoadReport report) {
        this.loadReport = report;
    }

    /**
     * Recompute each layer's activations during backward instead of keeping them from the forward pass (training
     * memory drops to about one layer's activations; a step costs roughly one extra forward). Off by default.
     */
    public void setActivationRecomputation(boolean on) {
        for (AlbertTransformer encoder : modulesOf(AlbertTransformer.class)) {
            encoder.setActivationRecomputation(on);
        }
    }

    /** Gives every parameter a zeroed gradient buffer; backward then accumulates into them. */
    public void enableGradients() {
        memory().enableGradients();
    }

    /** Parameters stop recording gradients (e.g. for evaluation inside a training loop). */
    public void disableGradients() {
        memory().disableGradients();
    }

    public void zeroGradients() {
        memory().zeroGradients();
    }

    public Backend backend() {
        return memory().backend();
    }

    // ---- modes ---------------------------------------------------------------------------------------------

    /** Training mode: dropout on. */
    public AlbertPreTrainedModel train() {
        training = true;
        return this;
    }

    /** Evaluation mode: dropout off (the default). */
    public AlbertPreTrainedModel eval() {
        training = false;
        return this;
    }

    public boolean isTraining() {
        return training;
    }

    /** The context of one forward pass: mode, additive mask from the attention mask, dropout seed. */
    protected static ForwardContext context(AlbertInputs inputs, boolean training, long dropoutSeed) {
        Tensor maskAdd = inputs.attentionMask() == null ? null : Ops.additiveMask(inputs.attentionMask());
        return new ForwardContext(training, maskAdd, dropoutSeed);
    }

    // ---- thread-safe inference ---------------------------------------------------------------------------

    /**
     * Runs {@code body} in an inference step of its own (dropout off whatever the mode), on an arena borrowed from
     * this model's pool; {@code body} must copy what it returns to the heap. Safe for concurrent callers; once
     * {@link #close()} has begun it fails with {@code IllegalStateException("<model> is closed")}.
     */
    protected final <R> R inInferenceStep(Supplier<R> body) {
        InFlightCalls.Call call = calls.enter();
        try {
            StepArena arena = idleArenas.pollFirst();
            if (arena == null) {
                arena = new StepArena(backend(), INITIAL_ARENA_BYTES);
                synchronized (allArenas) {
                    allArenas.add(arena);
                }
            }
            try (Step step = Step.inference(backend(), arena, packedWeights())) {
                return body.get();
            } finally {
                idleArenas.addFirst(arena);
            }
        } finally {
            call.close();
        }
    }

    /** The gate of this model's inference calls (tests watch how many are running when they close it). */
    final InFlightCalls inferenceCalls() {
        return calls;
    }

    /** The packed GEMM weights all this model's inference calls share (created on first use). */
    private PackedWeightCache packedWeights() {
        synchronized (allArenas) {
            if (packedWeights == null) {
                packedWeights = new PackedWeightCache(backend());
            }
            return packedWeights;
        }
    }

    /** Host copy of an activation tensor. */
    protected final HostArray toHost(Tensor t) {
        return new HostArray(t.shape(), memory().download(t));
    }

    /**
     * Frees the parameters and the inference arenas, once. Inference calls that other threads are running are
     * waited for (each is one forward pass); calls that start after close began, and every use afterwards, fail
     * with {@code IllegalStateException("<model> is closed")}. A second close returns when the first is done.
     */
    @Override
    public void close() {
        calls.close(this::release);
    }

    private void release() {
        setActivationRecomputation(false);
        synchronized (allArenas) {
            for (StepArena arena : allArenas) {
                arena.close();
            }
            allArenas.clear();
            idleArenas.clear();
            if (packedWeights != null) {
                packedWeights.close();
                packedWeights = null;
            }
        }
        if (memory != null) {
            memory.close();
        }
    }
}
