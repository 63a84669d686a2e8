package io.albert4j.io.tf;

import io.albert4j.io.CheckpointException;
import io.albert4j.io.CheckpointReader;
import io.albert4j.io.SafetensorsDType;
import io.albert4j.io.StoredTensor;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A google-research/albert TensorFlow checkpoint seen under HF's names ({@link GoogleResearchNames}): what {@code
 * load_tf_weights_in_albert} does, as a {@link CheckpointReader} that any loader can read. Kernels are transposed
 * as they are read; optimizer state ({@code adam_m}, {@code adam_v}, {@code global_step}) is left out and listed in
 * {@link #skipped()}; variables albert4j does not know keep their TF name (so a load reports them as unexpected).
 *
 * <p>GR creates {@code embedding_hidden_mapping_in} only when embedding_size differs from hidden_size, while HF's
 * AlbertModel always has it: for a checkpoint without it whose word embeddings are as wide as its hidden layers,
 * this view supplies the identity and a zero bias (what GR computes: no projection) and lists them in {@link
 * #synthesized()}; HF's converter would leave them random.
 */
public final class GoogleResearchCheckpoint implements CheckpointReader {
    private static final String PROJECTION = "albert.encoder.embedding_hidden_mapping_in.weight";
    private static final String PROJECTION_BIAS = "albert.encoder.embedding_hidden_mapping_in.bias";

    private record Source(String tfName, boolean transposed) {
    }

    private final TensorBundleReader bundle;
    private final Map<String, Source> sources;
    private final Map<String, StoredTensor> stored;
    private final List<String> skipped;
    private final List<String> synthesized;

    private GoogleResearchCheckpoint(TensorBundleReader bundle, Map<String, Source> sources,
                                     Map<String, StoredTensor> stored, List<String> skipped, List<String> synthesized) {
        this.bundle = bundle;
        this.sources = sources;
        this.stored = stored;
        this.skipped = skipped;
        this.synthesized = synthesized;
    }

    /** Opens the bundle at {@code prefix} (or its .index) and maps its names. */
    public static GoogleResearchCheckpoint open(Path prefix) {
        TensorBundleReader bundle = TensorBundleReader.open(prefix);
        try {
            return of(bundle);
        } catch (RuntimeException e) {
            bundle.close();
            throw e;
        }
    }

    private static GoogleResearchCheckpoint of(TensorBundleReader bundle) {
        Map<String, Source> sources = new LinkedHashMap<>();
        Map<String, StoredTensor> stored = new LinkedHashMap<>();
        List<String> skipped = new ArrayList<>(bundle.otherEntries().keySet());
        for (String tfName : bundle.names()) {
            if (GoogleResearchNames.isOptimizerState(tfName)) {
                skipped.add(tfName);
                continue;
            }
            Optional<GoogleResearchNames.HfName> hf = GoogleResearchNames.toHf(tfName);
            String name = hf.map(GoogleResearchNames.HfName::name).orElse(tfName);
            boolean transposed = hf.map(GoogleResearchNames.HfName::transposed).orElse(false);
            StoredTensor tf = bundle.stored(tfName);
            int[] shape = tf.shape();
            if (transposed) {
                if (shape.length != 2) {
                    throw new CheckpointException(bundle.indexFile(), "tensor '" + tfName + "' is a dense kernel of "
                            + "rank " + shape.length + "; a kernel is [in, out]");
                }
                shape = new int[] {shape[1], shape[0]};
            }
            if (sources.containsKey(name)) {
                throw new CheckpointException(bundle.indexFile(), "tensors '" + sources.get(name).tfName() + "' and '"
                        + tfName + "' both map to '" + name + "'");
            }
            sources.put(name, new Source(tfName, transposed));
            stored.put(name, new StoredTensor(name, tf.dtype(), shape, tf.file()));
        }
        List<String> synthesized = new ArrayList<>();
        StoredTensor word = stored.get("albert.embeddings.word_embeddings.weight");
        StoredTensor query = stored.get("albert.encoder.albert_layer_groups.0.albert_layers.0.attention.query.weight");
        if (!stored.containsKey(PROJECTION) && !stored.containsKey(PROJECTION_BIAS) && word != null && query != null
                && word.shape().length == 2 && word.shape()[1] == query.shape()[0]) {
            int width = word.shape()[1];
            stored.put(PROJECTION, new StoredTensor(PROJECTION, SafetensorsDType.F32,
                    new int[] {width, width}, bundle.indexFile()));
            stored.put(PROJECTION_BIAS, new StoredTensor(PROJECTION_BIAS, SafetensorsDType.F32,
                    new int[] {width}, bundle.indexFile()));
            synthesized.add(PROJECTION);
            synthesized.add(PROJECTION_BIAS);
        }
        return new GoogleResearchCheckpoint(bundle, Collections.unmodifiableMap(sources),
                Collections.unmodifiableMap(stored), List.copyOf(skipped), List.copyOf(synthesized));
    }

    /** Variables left out: optimizer state, the step counter, non-numeric entries. */
    public List<String> skipped() {
        return skipped;
    }

    /** HF tensors made up because GR has no variable for them (the identity projection, see above). */
    public List<String> synthesized() {
        return synthesized;
    }

    /** The TF variable an HF name is read from (empty for synthesized ones). */
    public Optional<String> tfName(String hfName) {
        Source source = sources.get(hfName);
        return source == null ? Optional.empty() : Optional.of(source.tfName());
    }

    public TensorBundleReader bundle() {
        return bundle;
    }

    @Override
    public Path path() {
        return bundle.path();
    }

    @Override
    public Set<String> names() {
        return stored.keySet();
    }

    @Override
    public boolean contains(String name) {
        return stored.containsKey(name);
    }

    @Override
    public StoredTensor stored(String name) {
        StoredTensor t = stored.get(name);
        if (t == null) {
            throw new CheckpointException(bundle.indexFile(), "no tensor maps to '" + name + "'");
        }
        return t;
    }

    @Override
    public Tensor read(String name, DType as) {
        StoredTensor t = stored(name);
        if (synthesized.contains(name)) {
            int width = t.shape()[0];
            float[] values = new float[(int) t.numel()];
            if (t.shape().length == 2) {
                for (int i = 0; i < width; i++) {
                    values[i * width + i] = 1f;
                }
            }
            return Tensor.ofFloats(values, t.shape()).withName(name);
        }
        Source source = sources.get(name);
        if (!source.transposed()) {
            return bundle.read(source.tfName(), as);
        }
        if (as != DType.F32) {
            throw new CheckpointException(bundle.indexFile(), "tensor '" + source.tfName() + "' is a kernel that is "
                    + "transposed on reading, which albert4j does as F32 (asked for " + as + ")");
        }
        try (Tensor kernel = bundle.read(source.tfName(), DType.F32)) {
            int in = kernel.shape()[0];
            int out = kernel.shape()[1];
            float[] values = kernel.toFloatArray();
            float[] transposed = new float[values.length];
            for (int i = 0; i < in; i++) {
                for (int o = 0; o < out; o++) {
                    transposed[o * in + i] = values[i * out + o];
                }
            }
            return Tensor.ofFloats(transposed, out, in).withName(name);
        }
    }

    @Override
    public void close() {
        bundle.close();
    }
}
