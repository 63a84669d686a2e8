package io.albert4j.nn;

import io.albert4j.autograd.Tape;
import io.albert4j.ops.Step;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.StepArena;
import io.albert4j.tensor.Tensor;

/**
 * Per-layer activation recomputation (Chen et al. 2016, "sublinear memory", cited by the ALBERT paper): a block runs
 * forward in a scratch arena without recording, only its output is kept, and backward runs the block again with a
 * tape before back-propagating through it. The step then holds one block's activations instead of all layers'.
 * The replay uses the same dropout seeds and counters, so gradients are bitwise those of the plain forward.
 */
public final class ActivationRecomputation implements AutoCloseable {
    private StepArena scratch;
    private TransformerBlock parametersFor;
    private Tensor[] parameters;

    private Tensor[] parametersOf(TransformerBlock block) {
        if (block != parametersFor) {
            parameters = block.parameterEntries().values().stream().map(Parameter::tensor).toArray(Tensor[]::new);
            parametersFor = block;
        }
        return parameters;
    }

    /** {@code block.forward(x)} whose internals are recomputed in backward. */
    public Tensor forward(TransformerBlock block, Tensor x, ForwardContext context) {
        Step outer = Step.current();
        if (scratch == null) {
            scratch = new StepArena(outer.backend(), 16L << 20);
        }
        ForwardContext replay = context.fork();
        long randomStart = outer.randomPosition();
        Tensor y = outer.allocate(DType.F32, x.shape());
        try (Step inner = outer.nested(scratch, false, randomStart)) {
            Tensor out = block.forward(x, context);
            outer.backend().copy(out, y);
            outer.skipRandomTo(inner.randomPosition());
        }
        // The block's parameters are inputs too: their gradients are accumulated by this node's backward, so they
        // are final only after it (what Tape#onGradientFinal tells a gradient all-reduce).
        Tensor[] inputs = new Tensor[1 + parametersOf(block).length];
        inputs[0] = x;
        System.arraycopy(parametersOf(block), 0, inputs, 1, inputs.length - 1);
        outer.record("recomputed_layer", y, (gradY, tape) -> replayBackward(block, x, replay, randomStart, gradY,
                tape), inputs);
        return y;
    }

    private void replayBackward(TransformerBlock block, Tensor x, ForwardContext replay, long randomStart,
                                Tensor gradY, Tape outerTape) {
        Step outer = Step.current();
        try (Step inner = outer.nested(scratch, true, randomStart)) {
            Tensor out = block.forward(x, replay.fork());
            inner.tape().backward(out, gradY);
            Tensor gradX = inner.tape().gradOf(x);
            Tensor into = outerTape.gradFor(x);
            if (gradX != null && into != null) {
                outer.backend().axpy(1.0f, gradX, into);
            }
        }
    }

    @Override
    public void close() {
        if (scratch != null) {
            scratch.close();
            scratch = null;
        }
    }
}
