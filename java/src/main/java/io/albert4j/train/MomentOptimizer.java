package io.albert4j.train;

import io.albert4j.ops.Step;

import io.albert4j.backend.Backend;
import io.albert4j.backend.Backends;
import io.albert4j.io.SafetensorsException;
import io.albert4j.io.SafetensorsReader;
import io.albert4j.io.SafetensorsWriter;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Device;
import io.albert4j.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What LAMB and AdamW share: first and second moments per parameter (F32, zero-initialised, on the parameters'
 * device), global-norm gradient clipping ({@code clip_by_global_norm}, passed to the fused kernels as
 * {@code grad_scale}), the non-finite-gradient guard, and checkpointable state.
 */
public abstract sealed class MomentOptimizer implements Optimizer permits Lamb, AdamW {
    static final String STEP_KEY = "step";
    static final String OPTIMIZER_KEY = "optimizer";

    protected final OptimizerConfig config;
    private final Map<String, Tensor> parameters;
    private final Map<String, Tensor> firstMoments = new LinkedHashMap<>();
    private final Map<String, Tensor> secondMoments = new LinkedHashMap<>();
    private final Backend backend;
    private final Device device;
    private final Arena stateArena = Arena.ofShared();
    private final Tensor normAccumulator;
    // Per parameter, GR's exclusion patterns matched once here rather than on every step.
    private final Map<String, Float> weightDecay = new LinkedHashMap<>();
    private final Map<String, Boolean> adaptLayer = new LinkedHashMap<>();
    private long steps;
    private long skippedSteps;
    private double lastGlobalNorm = Double.NaN;

    protected MomentOptimizer(Map<String, Tensor> parameters, OptimizerConfig config, Backend backend) {
        this.config = Objects.requireNonNull(config, "config");
        this.parameters = new LinkedHashMap<>(parameters);
        if (this.parameters.isEmpty()) {
            throw new IllegalArgumentException(name() + ": no parameters to optimise");
        }
        this.device = this.parameters.values().iterator().next().device();
        this.backend = backend != null ? backend : Backends.get(device);
        for (Map.Entry<String, Tensor> p : this.parameters.entrySet()) {
            Tensor t = p.getValue();
            if (t.dtype() != DType.F32 || !t.device().equals(device)) {
                throw new IllegalArgumentException(name() + ": parameter '" + p.getKey() + "' is " + t.describe()
                        + "; every parameter must be F32 on " + device);
            }
            firstMoments.put(p.getKey(), zeros(t.shape()));
            secondMoments.put(p.getKey(), zeros(t.shape()));
        }
        normAccumulator = zeros(1);
        for (String name : this.parameters.keySet()) {
            weightDecay.put(name, OptimizerConfig.matchesAny(config.excludeFromWeightDecay(), name) ? 0f
                    : config.weightDecay());
            adaptLayer.put(name, !OptimizerConfig.matchesAny(config.excludeFromLayerAdaptation(), name));
        }
    }

    private Tensor zeros(int... shape) {
        Tensor t = new Tensor(backend.allocate(Tensor.numelOf(shape) * DType.F32.byteSize(), stateArena), DType.F32,
                device, shape);
        backend.zero(t.data(), t.byteSize());
        return t;
    }

    /** "lamb" or "adamw": stored in the state file, checked on load. */
    public abstract String name();

    /**
     * The parameters a step updates (those with a gradient), in parameter order, with their moments, weight decay
     * and whether LAMB adapts their step (the trust ratio): the lists a multi-tensor kernel takes.
     */
    protected record UpdateBatch(List<String> names, List<Tensor> params, List<Tensor> grads, List<Tensor> m,
                                 List<Tensor> v, float[] weightDecay, boolean[] adaptLayer) {
    }

    /** One fused kernel call for the whole batch. */
    protected abstract void update(UpdateBatch batch, float lr, float gradScale);

    protected Backend backend() {
        return backend;
    }

    @Override
    public void step(float lr) {
        if (!Float.isFinite(lr) || lr < 0) {
            throw new IllegalArgumentException(name() + ": learning rate must be finite and >= 0, got " + lr);
        }
        UpdateBatch batch = withGradients();
        double norm = Math.sqrt(sumOfSquares(batch.grads()));
        lastGlobalNorm = norm;
        if (!Double.isFinite(norm)) {
            if (config.skipNonFiniteSteps()) {
                skippedSteps++;
                return;
            }
            throw new NonFiniteGradientException(steps, norm, nonFiniteParameters());
        }
        // tf.clip_by_global_norm: scale = clip_norm / max(global_norm, clip_norm)
        float gradScale = (float) (config.clipNorm() / Math.max(norm, config.clipNorm()));
        update(batch, lr, gradScale);
        steps++;
        Step.parametersChanged();  // a step still open (an update inside it) must not reuse weights packed before
    }

    private UpdateBatch withGradients() {
        List<String> names = new ArrayList<>();
        List<Tensor> params = new ArrayList<>();
        List<Tensor> grads = new ArrayList<>();
        List<Tensor> m = new ArrayList<>();
        List<Tensor> v = new ArrayList<>();
        for (Map.Entry<String, Tensor> p : parameters.entrySet()) {
            if (p.getValue().grad() != null) {
                names.add(p.getKey());
                params.add(p.getValue());
                grads.add(p.getValue().grad());
                m.add(firstMoments.get(p.getKey()));
                v.add(secondMoments.get(p.getKey()));
            }
        }
        float[] decay = new float[names.size()];
        boolean[] adapt = new boolean[names.size()];
        for (int i = 0; i < decay.length; i++) {
            decay[i] = weightDecay.get(names.get(i));
            adapt[i] = adaptLayer.get(names.get(i));
        }
        return new UpdateBatch(names, params, grads, m, v, decay, adapt);
    }

    private double sumOfSquares(List<Tensor> tensors) {
        backend.zero(normAccumulator.data(), normAccumulator.byteSize());
        backend.sumSquaresMulti(tensors, normAccumulator);
        return Backends.hostScalar(normAccumulator);
    }

    private List<String> nonFiniteParameters() {
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, Tensor> p : parameters.entrySet()) {
            Tensor grad = p.getValue().grad();
            if (grad != null && !Double.isFinite(sumOfSquares(List.of(grad)))) {
                names.add(p.getKey());
            }
        }
        return names;
    }

    @Override
    public void zeroGrad() {
        for (Tensor p : parameters.values()) {
            if (p.grad() != null) {
                backend.zero(p.grad().data(), p.grad().byteSize());
            }
        }
    }

    @Override
    public long stepCount() {
        return steps;
    }

    /** Steps refused because of non-finite gradients (only with {@code skipNonFiniteSteps}). */
    public long skippedSteps() {
        return skippedSteps;
    }

    /** The global gradient norm (before clipping) of the last {@link #step}, for logging. */
    public double lastGlobalNorm() {
        return lastGlobalNorm;
    }

    /** The moment tensors under their state-file names "m.PARAM" and "v.PARAM" (live views, not copies). */
    public Map<String, Tensor> stateTensors() {
        Map<String, Tensor> state = new LinkedHashMap<>();
        firstMoments.forEach((k, t) -> state.put("m." + k, t));
        secondMoments.forEach((k, t) -> state.put("v." + k, t));
        return state;
    }

    @Override
    public void saveState(Path file) throws IOException {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(OPTIMIZER_KEY, name());
        metadata.put(STEP_KEY, Long.toString(steps));
        metadata.put("skipped_steps", Long.toString(skippedSteps));
        metadata.put("config", config.toString());
        SafetensorsWriter.write(file, stateTensors(), metadata);
    }

    @Override
    public void loadState(Path file) {
        try (SafetensorsReader reader = SafetensorsReader.open(file)) {
            String stored = reader.metadata().get(OPTIMIZER_KEY);
            if (!name().equals(stored)) {
                throw new SafetensorsException(file, "optimizer state is for '" + stored + "', this optimizer is '"
                        + name() + "'");
            }
            long restoredSteps = parseCount(file, reader.metadata().get(STEP_KEY), STEP_KEY);
            long restoredSkipped = reader.metadata().containsKey("skipped_steps")
                    ? parseCount(file, reader.metadata().get("skipped_steps"), "skipped_steps") : 0;
            Map<String, Tensor> state = stateTensors();
            List<String> unexpected = new ArrayList<>(reader.names());
            unexpected.removeAll(state.keySet());
            if (!unexpected.isEmpty()) {
                throw new SafetensorsException(file, "optimizer state for unknown parameters: " + unexpected);
            }
            for (Map.Entry<String, Tensor> s : state.entrySet()) {
                if (!reader.contains(s.getKey())) {
                    throw new SafetensorsException(file, "optimizer state lacks '" + s.getKey() + "'");
                }
                int[] actual = reader.info(s.getKey()).shape();
                if (!Arrays.equals(actual, s.getValue().shape())) {
                    throw new SafetensorsException(file, "tensor '" + s.getKey() + "' has shape "
                            + Arrays.toString(actual) + ", parameter has " + Arrays.toString(s.getValue().shape()));
                }
            }
            for (Map.Entry<String, Tensor> s : state.entrySet()) {
                try (Tensor value = reader.readF32(s.getKey())) {
                    backend.copy(value, s.getValue());
                }
            }
            steps = restoredSteps;
            skippedSteps = restoredSkipped;
        }
    }

    private static long parseCount(Path file, String text, String key) {
        try {
            long value = Long.parseLong(Objects.requireNonNull(text, key));
            if (value < 0) {
                throw new NumberFormatException("negative");
            }
            return value;
        } catch (NumberFormatException | NullPointerException e) {
            throw new SafetensorsException(file, "optimizer state metadata '" + key + "' is missing or not a count: "
                    + text);
        }
    }

    @Override
    public void close() {
        if (stateArena.scope().isAlive()) {
            stateArena.close();
        }
    }
}
