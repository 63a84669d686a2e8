package io.albert4j.nn;

import io.albert4j.backend.Backends;
import io.albert4j.ops.Step;

import io.albert4j.backend.Backend;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * The memory of a model's parameters (and, when training, their gradient buffers): one shared {@link Arena} per
 * model, freed by {@link #close()}. Parameters are F32 and live on the backend's device.
 */
public final class ParameterMemory implements AutoCloseable {
    /** 60 s: far beyond any one kernel call; past it something holds the memory for good. */
    private static final long CLOSE_WAIT_NANOS = 60_000_000_000L;
    private final Backend backend;
    private final Arena arena = Arena.ofShared();
    private final LinkedHashMap<String, Parameter> parameters;

    /** Allocates every parameter of {@code root} (uninitialised) and binds it; tensors are named by their key. */
    public ParameterMemory(Module root, Backend backend) {
        this.backend = backend;
        this.parameters = root.parameterEntries();
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            e.getValue().bind(allocate(e.getKey(), e.getValue().shape()));
        }
    }

    private Tensor allocate(String name, int[] shape) {
        long bytes = Math.max(4, Tensor.numelOf(shape) * DType.F32.byteSize());
        MemorySegment segment = backend.allocate(bytes, arena);
        return new Tensor(segment, DType.F32, backend.device(), shape).withName(name);
    }

    public Backend backend() {
        return backend;
    }

    /** Key → parameter, in the module tree's (HF state-dict) order. */
    public LinkedHashMap<String, Parameter> parameters() {
        return new LinkedHashMap<>(parameters);
    }

    /**
     * Seeded initialisation: one {@link SplittableRandom}(seed) visits the parameters in key order; each NORMAL
     * parameter takes {@code numel} draws of {@code nextGaussian() * std} in row-major order, ZEROS and ONES take none.
     */
    public void initialize(long seed, float std) {
        initialize(seed, std, name -> true);
    }

    /**
     * As {@link #initialize(long, float)} for the parameters {@code which} accepts only (the others keep their
     * values): a loaded model whose checkpoint lacked a head. Each parameter gets the values it would get in a full
     * initialisation with the same seed.
     */
    public void initialize(long seed, float std, Predicate<String> which) {
        SplittableRandom random = new SplittableRandom(seed);
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            Parameter p = e.getValue();
            if (!which.test(e.getKey())) {
                if (p.init() == Init.NORMAL) {
                    for (long i = 0; i < p.numel(); i++) {
                        random.nextGaussian(); // keep the stream where a full initialisation has it
                    }
                }
                continue;
            }
            float[] values = new float[Math.toIntExact(p.numel())];
            switch (p.init()) {
                case NORMAL -> {
                    for (int i = 0; i < values.length; i++) {
                        values[i] = (float) (random.nextGaussian() * std);
                    }
                }
                case ONES -> Arrays.fill(values, 1f);
                case ZEROS -> { }
            }
            upload(values, p.tensor());
        }
        Step.parametersChanged();
    }

    /** Copies host values into a parameter tensor (directly on the CPU, through a staging tensor elsewhere). */
    public void upload(float[] values, Tensor target) {
        Backends.upload(backend, values, target);
        Step.parametersChanged();
    }

    /** Host copy of a parameter (or gradient) tensor. */
    public float[] download(Tensor source) {
        return Backends.hostFloats(source);
    }

    /** Gives every parameter a zeroed persistent gradient buffer (once) and marks it as requiring a gradient. */
    public void enableGradients() {
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            Tensor t = e.getValue().tensor();
            if (t.grad() == null) {
                Tensor grad = allocate("grad." + e.getKey(), t.shape());
                backend.fill(0f, grad);
                t.setGrad(grad);
            }
            t.setRequiresGrad(true);
        }
    }

    /** Marks every parameter as constant (gradient buffers are kept for a later {@link #enableGradients}). */
    public void disableGradients() {
        for (Parameter p : parameters.values()) {
            p.tensor().setRequiresGrad(false);
        }
    }

    /** Sets every gradient buffer to zero (kernels accumulate, so call this before each backward). */
    public void zeroGradients() {
        for (Parameter p : parameters.values()) {
            Tensor grad = p.tensor().grad();
            if (grad != null) {
                backend.fill(0f, grad);
            }
        }
    }

    /**
     * Frees every parameter and gradient buffer. A kernel that another thread is running on them holds the arena
     * for the call (the FFM linker keeps the segments it was passed alive), and closing it then fails with
     * "Session is acquired by N clients"; the close waits for such a call to return (a kernel, milliseconds)
     * rather than leave the memory allocated behind a model that looks closed.
     */
    @Override
    public void close() {
        long deadline = System.nanoTime() + CLOSE_WAIT_NANOS;
        while (arena.scope().isAlive()) {
            try {
                arena.close();
            } catch (IllegalStateException heldByAKernel) {
                if (!arena.scope().isAlive()) {
                    return;  // another thread closed it meanwhile
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("parameter memory still in use by a kernel after "
                            + CLOSE_WAIT_NANOS / 1_000_000_000L + " s: " + heldByAKernel.getMessage(), heldByAKernel);
                }
                Thread.onSpinWait();
                Thread.yield();
            }
        }
    }
}
