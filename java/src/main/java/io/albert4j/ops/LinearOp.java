package io.albert4j.ops;

import io.albert4j.autograd.Tape;
import io.albert4j.backend.Activation;
import io.albert4j.backend.Backend;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.util.Arrays;

/**
 * A dense layer in HuggingFace's {@code nn.Linear} layout: {@code y = x·weightᵀ + bias} for x {@code [..., in]},
 * weight {@code [out, in]}, bias {@code [out]} or null. One GEMM forward (a4j_gemm with op(B) = weightᵀ), two
 * backward; the weight gradient is a GEMM with beta = 1 into the weight's one gradient buffer, so a block whose
 * weights every ALBERT layer shares sums all layers' contributions there without an extra pass.
 * The bias and the activation run in the GEMM's epilogue (a4j_gemm_bias_activation), on each tile of the product
 * while it is in cache; the backward turns the activation's gradient into the product's with a4j_bias_gelu_backward,
 * which sums the bias gradient in the same pass.
 */
final class LinearOp {
    private static final String OP = "linear";

    private LinearOp() {
    }

    static Tensor apply(Tensor x, Tensor weight, Tensor bias, Activation activation) {
        Step step = Step.current();
        Backend backend = step.backend();
        OpChecks.require(OP, "x", x, DType.F32, backend.device());
        OpChecks.require(OP, "weight", weight, DType.F32, backend.device());
        OpChecks.requireRankAtLeast(OP, "x", x, 1);
        OpChecks.requireRank(OP, "weight", weight, 2);
        int in = x.dim(-1);
        int out = weight.dim(0);
        if (weight.dim(1) != in) {
            throw new IllegalArgumentException(OP + ": 'weight' " + Arrays.toString(weight.shape())
                    + " must be [out, " + in + "] to match the last dim of 'x' " + Arrays.toString(x.shape()));
        }
        if (bias != null) {
            OpChecks.require(OP, "bias", bias, DType.F32, backend.device());
            OpChecks.requireShape(OP, "bias", bias, "dim 0 of 'weight' " + Arrays.toString(weight.shape()), out);
        }
        if (activation == null) {
            throw new NullPointerException(OP + ": argument 'activation' is null (use Activation.IDENTITY)");
        }
        int rows = OpChecks.rows(x);
        int[] outShape = x.shape();
        outShape[outShape.length - 1] = out;
        // y = x·weightᵀ + bias; with an activation that a backward will need, y keeps the pre-activation and the
        // activation goes to its own tensor, else it overwrites y. One GEMM with both in its epilogue.
        boolean activated = activation != Activation.IDENTITY;
        Tensor y = step.allocate(DType.F32, outShape);
        Tensor result = activated && step.recording(x, weight, bias) ? step.allocate(DType.F32, outShape) : y;
        // op(B) = weightᵀ, packed once per step where the backend can: ALBERT layers share their weights.
        Tensor packedT = step.packedWeight(weight, true, in, out, in);
        backend.gemmBiasActivation(false, true, rows, out, in, 1.0f, x, in, packedT == null ? weight : null, in,
                packedT, 0.0f, y, out, bias, activation, result == y ? null : result);
        step.record(OP, result, (dResult, tape) -> {
            Tensor dBias = tape.gradFor(bias);
            Tensor dy = dResult;
            if (activated) {
                // dy = dResult · act'(y), its column sums into dBias in the same pass (y already holds the bias);
                // written, not added, so the fresh buffer needs no zeroing.
                dy = step.allocate(DType.F32, outShape);
                backend.biasGeluBackward(dResult, y, null, dy, dBias, rows, out, activation, false);
            } else if (dBias != null) {
                backend.biasAddBackward(dy, dBias, rows, out);
            }
            inputGradient(step, tape.gradTarget(x), dy, weight, rows, in, out);
            Tensor dWeight = tape.gradFor(weight);
            if (dWeight != null) {
                // dW[out, in] += dyᵀ[out, rows] · x[rows, in]
                backend.gemm(true, false, out, in, rows, 1.0f, dy, out, 0, x, in, 0, 1.0f, dWeight, in, 0, 1);
            }
        }, x, weight, bias);
        return result;
    }

    /**
     * dx[rows, in] (+)= dy[rows, out] · weight[out, in] into {@code dx} (none when null): overwritten when this is its
     * first contribution, with the weight packed once per step where the backend can.
     */
    static void inputGradient(Step step, Tape.GradTarget dx, Tensor dy, Tensor weight, int rows, int in, int out) {
        if (dx == null) {
            return;
        }
        Backend backend = step.backend();
        Tensor packed = step.packedWeight(weight, false, out, in, in);
        if (packed != null) {
            backend.gemmPackedB(false, rows, in, out, 1.0f, dy, out, packed, dx.beta(), dx.buffer(), in);
        } else {
            backend.gemm(false, false, rows, in, out, 1.0f, dy, out, 0, weight, in, 0, dx.beta(), dx.buffer(), in, 0,
                    1);
        }
    }
}
