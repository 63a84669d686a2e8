package io.albert4j.ops;

import io.albert4j.autograd.Tape;
import io.albert4j.backend.Activation;
import io.albert4j.backend.Backend;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.util.Arrays;

/**
 * Several dense layers of one input as one GEMM (attention's query, key and value projections): {@code y = x·[W₁;
 * W₂; …]ᵀ + [b₁; b₂; …]}, each layer's output a block of y's last dim, in the order given. The weights stay separate
 * parameters (HF names, checkpoints, optimizer); the step stacks them once ({@link Step#stackedWeight}), so every
 * application of a shared ALBERT layer multiplies by the same stacked tensor, packed once. One GEMM instead of three
 * reads x once, and one backward GEMM with depth 3·out instead of three with beta 1 writes dx once. The weight
 * gradients are one GEMM too, into a scratch whose row blocks are then added to each weight's gradient.
 */
final class StackedLinearOp {
    private static final String OP = "linear_stacked";

    private StackedLinearOp() {
    }

    static Tensor apply(Tensor x, Tensor[] weights, Tensor[] biases) {
        Step step = Step.current();
        Backend backend = step.backend();
        OpChecks.require(OP, "x", x, DType.F32, backend.device());
        OpChecks.requireRankAtLeast(OP, "x", x, 1);
        if (weights == null || weights.length == 0) {
            throw new IllegalArgumentException(OP + ": no weights");
        }
        if (biases != null && biases.length != weights.length) {
            throw new IllegalArgumentException(OP + ": " + biases.length + " biases for " + weights.length
                    + " weights");
        }
        int in = x.dim(-1);
        int[] offsets = new int[weights.length + 1];
        for (int i = 0; i < weights.length; i++) {
            String name = "weights[" + i + "]";
            OpChecks.require(OP, name, weights[i], DType.F32, backend.device());
            OpChecks.requireRank(OP, name, weights[i], 2);
            if (weights[i].dim(1) != in) {
                throw new IllegalArgumentException(OP + ": '" + name + "' " + Arrays.toString(weights[i].shape())
                        + " must be [out, " + in + "] to match the last dim of 'x' " + Arrays.toString(x.shape()));
            }
            if (biases != null) {
                OpChecks.require(OP, "biases[" + i + "]", biases[i], DType.F32, backend.device());
                OpChecks.requireShape(OP, "biases[" + i + "]", biases[i], "dim 0 of '" + name + "'",
                        weights[i].dim(0));
            }
            offsets[i + 1] = offsets[i] + weights[i].dim(0);
        }
        int out = offsets[weights.length];
        int rows = OpChecks.rows(x);
        int[] outShape = x.shape();
        outShape[outShape.length - 1] = out;

        Tensor weight = step.stackedWeight(weights);
        Tensor bias = biases == null ? null : step.stackedWeight(biases);
        Tensor y = step.allocate(DType.F32, outShape);
        Tensor packedT = step.packedWeight(weight, true, in, out, in);
        backend.gemmBiasActivation(false, true, rows, out, in, 1.0f, x, in, packedT == null ? weight : null, in,
                packedT, 0.0f, y, out, bias, Activation.IDENTITY, null);

        Tensor[] inputs = new Tensor[1 + 2 * weights.length];
        inputs[0] = x;
        System.arraycopy(weights, 0, inputs, 1, weights.length);
        if (biases != null) {
            System.arraycopy(biases, 0, inputs, 1 + weights.length, biases.length);
        }
        step.record(OP, y, (dy, tape) -> {
            if (biases != null) {
                // One pass over dy for every bias: column sums of the whole width, then each block to its bias.
                Tensor dBiases = null;
                for (int i = 0; i < biases.length; i++) {
                    Tensor dBias = tape.gradFor(biases[i]);
                    if (dBias != null) {
                        if (dBiases == null) {
                            dBiases = step.allocateZeroed(DType.F32, out);
                            backend.biasAddBackward(dy, dBiases, rows, out);
                        }
                        backend.axpy(1.0f, block(dBiases, offsets[i], weights[i].dim(0)), dBias);
                    }
                }
            }
            // dx: one GEMM of depth out against the stacked weight
            LinearOp.inputGradient(step, tape.gradTarget(x), dy, weight, rows, in, out);
            // dW[out, in] = dyᵀ · x for all layers in one GEMM (x packed once, not once per layer), then each block
            // added to its weight's gradient.
            Tensor[] dWeights = new Tensor[weights.length];
            boolean any = false;
            for (int i = 0; i < weights.length; i++) {
                dWeights[i] = tape.gradFor(weights[i]);
                any |= dWeights[i] != null;
            }
            if (any) {
                Tensor dWeight = step.allocate(DType.F32, out, in);
                backend.gemm(true, false, out, in, rows, 1.0f, dy, out, 0, x, in, 0, 0.0f, dWeight, in, 0, 1);
                for (int i = 0; i < weights.length; i++) {
                    if (dWeights[i] != null) {
                        backend.axpy(1.0f, rowsOf(dWeight, offsets[i], weights[i].dim(0), in), dWeights[i]);
                    }
                }
            }
        }, inputs);
        return y;
    }

    /** Rows [first, first + count) of a row-major matrix with {@code cols} columns. */
    private static Tensor rowsOf(Tensor matrix, int first, int count, int cols) {
        return new Tensor(matrix.data().asSlice((long) first * cols * Float.BYTES, (long) count * cols * Float.BYTES),
                DType.F32, matrix.device(), count, cols);
    }

    /** Elements [offset, offset + length) of a vector. */
    private static Tensor block(Tensor vector, int offset, int length) {
        return new Tensor(vector.data().asSlice((long) offset * Float.BYTES, (long) length * Float.BYTES),
                DType.F32, vector.device(), length);
    }
}
