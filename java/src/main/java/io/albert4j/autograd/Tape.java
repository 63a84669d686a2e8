package io.albert4j.autograd;

import io.albert4j.backend.Backend;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.StepArena;
import io.albert4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Records, in order, the backward function of every op whose inputs need a gradient, and replays them in reverse.
 *
 * <p>Gradient buffers: a leaf that owns one ({@link Tensor#grad()}, i.e. a parameter) collects into it across every
 * use, which is how a layer shared by all of ALBERT's layers sums its gradients in one buffer; every other tensor
 * gets a zeroed buffer from the step arena on first need. Backward kernels accumulate, so fan-out needs no extra add;
 * a GEMM that writes a whole gradient asks {@link #gradTarget} instead and overwrites a fresh buffer.
 */
public final class Tape {
    /** The backward of one op: read {@code gradOutput}, accumulate into {@code tape.gradFor(input)}. */
    @FunctionalInterface
    public interface Backward {
        void apply(Tensor gradOutput, Tape tape);
    }

    private record Node(String op, Tensor output, Tensor[] inputs, Backward backward) {
    }

    /** Set on the thread while a tape replays its backward functions (for {@link #isReplaying()}). */
    private static final ThreadLocal<Boolean> REPLAYING = ThreadLocal.withInitial(() -> false);

    private final Backend backend;
    private final StepArena arena;
    private final List<Node> nodes = new ArrayList<>();
    private final Map<Tensor, Tensor> grads = new IdentityHashMap<>();
    private boolean consumed;
    private java.util.function.Consumer<Tensor> onGradientFinal;

    public Tape(Backend backend, StepArena arena) {
        this.backend = backend;
        this.arena = arena;
    }

    public Backend backend() {
        return backend;
    }

    /** Whether an op with these inputs must be recorded: some input needs a gradient and no NoGrad scope is open. */
    public static boolean needsGrad(Tensor... inputs) {
        if (NoGrad.isActive()) {
            return false;
        }
        for (Tensor t : inputs) {
            if (t != null && t.requiresGrad()) {
                return true;
            }
        }
        return false;
    }

    public void record(String op, Tensor output, Backward backward, Tensor... inputs) {
        if (consumed) {
            throw new IllegalStateException(op + ": this tape was already used by backward(); begin a new Step");
        }
        output.setRequiresGrad(true);
        nodes.add(new Node(op, output, inputs, backward));
    }

    /** Whether this thread is inside {@link #backward}: a kernel called now is part of the backward pass. */
    public static boolean isReplaying() {
        return REPLAYING.get();
    }

    public int size() {
        return nodes.size();
    }

    /**
     * The buffer that {@code t}'s gradient accumulates into, or null when {@code t} needs no gradient (the caller
     * then skips that part of the backward work).
     */
    public Tensor gradFor(Tensor t) {
        if (t == null || !t.requiresGrad()) {
            return null;
        }
        if (t.grad() != null) {
            return t.grad();
        }
        return grads.computeIfAbsent(t, key -> arena.allocateZeroed(DType.F32, key.shape()));
    }

    /**
     * Where a backward that writes all of {@code t}'s gradient in one pass puts it, or null when {@code t} needs no
     * gradient: a GEMM into {@link GradTarget#buffer()} with {@link GradTarget#beta()} as its beta, or a kernel with
     * an accumulate flag ({@link GradTarget#accumulate()}). The first contribution to a tensor without a persistent
     * buffer gets a fresh buffer that is not zeroed and beta 0 (the kernel overwrites it, which saves zeroing it:
     * ~1.6% of an ALBERT-base training step, 5% of the demo model's); any later one, or a parameter's own buffer,
     * gets beta 1.
     */
    public GradTarget gradTarget(Tensor t) {
        if (t == null || !t.requiresGrad()) {
            return null;
        }
        Tensor existing = t.grad() != null ? t.grad() : grads.get(t);
        if (existing != null) {
            return new GradTarget(existing, 1.0f);
        }
        Tensor fresh = arena.allocate(DType.F32, t.shape());
        grads.put(t, fresh);
        return new GradTarget(fresh, 0.0f);
    }

    /** A gradient buffer and the beta a product writing into it takes: 0 overwrites (fresh), 1 accumulates. */
    public record GradTarget(Tensor buffer, float beta) {
        /** Whether the buffer already holds gradient to add to (beta 1); if not, it holds garbage to overwrite. */
        public boolean accumulate() {
            return beta != 0.0f;
        }
    }

    /**
     * Hands {@code grad}, the gradient of a view of {@code t} (same element count), to {@code t}: when {@code t} has
     * no buffer yet, {@code grad} reshaped becomes its buffer (no zeroing, no copy), else it is added to {@code t}'s.
     * For a backward's own {@code gradOutput}, which is final when the backward runs: later contributions to
     * {@code t} then add into that buffer, which nothing reads any more as the view's gradient.
     */
    public void passGradient(Tensor t, Tensor grad) {
        if (t == null || !t.requiresGrad()) {
            return;
        }
        Tensor existing = t.grad() != null ? t.grad() : grads.get(t);
        if (existing == null) {
            grads.put(t, grad.view(t.shape()));
        } else {
            backend.axpy(1.0f, grad, existing);
        }
    }

    /** The gradient computed for a tensor that has no persistent buffer (e.g. a test input), or null. */
    public Tensor gradOf(Tensor t) {
        return t.grad() != null ? t.grad() : grads.get(t);
    }

    /**
     * Calls {@code listener} during {@link #backward} with each parameter (a tensor that owns its {@link
     * Tensor#grad()}) as soon as this tape adds nothing more to its gradient: right after the backward function of
     * the earliest recorded op that has it as an input. This is where a data-parallel step can start summing that
     * gradient over the ranks while the rest of the backward runs. It is called on the backward's thread, in a
     * fixed order for a fixed sequence of ops, and never for a parameter this tape did not use. Backward functions
     * accumulate only into the inputs they were recorded with, which is what makes the point exact (a node that
     * replays a nested tape lists the parameters that tape uses among its inputs).
     */
    public void onGradientFinal(java.util.function.Consumer<Tensor> listener) {
        this.onGradientFinal = listener;
    }

    /** Back-propagates from a scalar loss (d loss / d loss = 1). */
    public void backward(Tensor loss) {
        if (loss.numel() != 1) {
            throw new IllegalArgumentException("backward: the loss must be a scalar, got " + loss.describe()
                    + "; use backward(output, seed) for a vector output");
        }
        Tensor seed = arena.allocate(DType.F32, loss.shape());
        backend.fill(1.0f, seed);
        backward(loss, seed);
    }

    /** Back-propagates from {@code output} with the given upstream gradient (same shape). */
    public void backward(Tensor output, Tensor seed) {
        if (consumed) {
            throw new IllegalStateException("backward: this tape was already replayed; record a new step");
        }
        if (!output.requiresGrad()) {
            throw new IllegalStateException("backward: " + output.describe() + " was computed without gradient "
                    + "tracking (inside NoGrad, an inference Step, or from inputs that need no gradient)");
        }
        boolean produced = false;
        for (Node node : nodes) {
            if (node.output == output) {
                produced = true;
                break;
            }
        }
        if (!produced) {
            throw new IllegalStateException("backward: " + output.describe() + " was not produced on this tape");
        }
        backend.axpy(1.0f, seed, gradFor(output));
        consumed = true;
        boolean outer = REPLAYING.get();  // a nested tape (activation recomputation) replays inside another
        REPLAYING.set(true);
        try {
            replay();
        } finally {
            REPLAYING.set(outer);
        }
        nodes.clear();
    }

    private void replay() {
        List<List<Tensor>> finalAfter = onGradientFinal == null ? null : parametersFinalAfter();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            replay(nodes.get(i));
            if (finalAfter != null && finalAfter.get(i) != null) {
                finalAfter.get(i).forEach(onGradientFinal);
            }
        }
    }

    /** For each node, the parameters whose earliest use it is (null for most nodes). */
    private List<List<Tensor>> parametersFinalAfter() {
        List<List<Tensor>> after = new ArrayList<>(java.util.Collections.nCopies(nodes.size(), null));
        Map<Tensor, Boolean> seen = new IdentityHashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (Tensor input : nodes.get(i).inputs) {
                if (input != null && input.grad() != null && seen.putIfAbsent(input, Boolean.TRUE) == null) {
                    if (after.get(i) == null) {
                        after.set(i, new ArrayList<>(2));
                    }
                    after.get(i).add(input);
                }
            }
        }
        return after;
    }

    private void replay(Node node) {
        Tensor gradOutput = gradOf(node.output);
        if (gradOutput == null) {
            return;
        }
        for (Tensor input : node.inputs) {
            if (input != null && !input.isAlive()) {
                throw new IllegalStateException("backward through '" + node.op + "': its input " + input.describe()
                        + " was freed before backward() (was its Step closed?)");
            }
        }
        node.backward.apply(gradOutput, this);
    }
}
