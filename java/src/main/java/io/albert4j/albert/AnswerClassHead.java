package io.albert4j.albert;

import io.albert4j.backend.Backends;
import io.albert4j.nn.ForwardContext;
import io.albert4j.nn.Init;
import io.albert4j.nn.Module;
import io.albert4j.nn.Parameter;
import io.albert4j.ops.Ops;
import io.albert4j.ops.Step;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;

/**
 * GR run_squad_v2's answerability head ({@code create_v2_model}, {@code answer_class}): the hidden states weighted
 * by the softmax of the start logits over the allowed positions (context and [CLS]), beside the [CLS] hidden state,
 * → dense(2H → H, tanh) → dropout → dense(H → 1, no bias): one logit per window, high when there is no answer.
 *
 * <p>There is no concatenation op, so the first dense layer is two weights summed, {@code dense_0_start} on the
 * weighted feature and {@code dense_0_cls} on [CLS] (the same function as GR's [2H, H] kernel). The softmax-weighted
 * sum is the fused attention kernel with one head: keys carry the start logits in their first coordinate and every
 * query is √H there, so each query's scores are the start logits; the output row is then Σ softmax(start)·h, with
 * gradients into the start logits, as in GR.
 */
final class AnswerClassHead extends Module {
    private final int hidden;
    private final Parameter startWeight;
    private final Parameter clsWeight;
    private final Parameter bias;
    private final Parameter outputWeight;

    AnswerClassHead(int hidden) {
        this.hidden = hidden;
        startWeight = parameter("dense_0_start.weight", Init.NORMAL, hidden, hidden);
        clsWeight = parameter("dense_0_cls.weight", Init.NORMAL, hidden, hidden);
        bias = parameter("dense_0.bias", Init.ZEROS, hidden);
        outputWeight = parameter("dense_1.weight", Init.NORMAL, 1, hidden);
    }

    /**
     * @param sequence     last hidden states {@code [B, S, H]}
     * @param startLogits  {@code [B, S]}
     * @param allowedAdd   additive mask {@code [B, S]}: 0 at [CLS] and context tokens, -10000 elsewhere
     * @return answerability logits {@code [B, 1]}
     */
    Tensor forward(Tensor sequence, Tensor startLogits, Tensor allowedAdd, ForwardContext context, float dropoutP) {
        int batch = sequence.dim(0);
        int seq = sequence.dim(1);
        Tensor firstColumn = constant(row(hidden, 0, 1f), 1, hidden);
        Tensor keys = Ops.reshape(Ops.matmul(Ops.reshape(startLogits, batch * seq, 1), false, firstColumn, false),
                batch, seq, hidden);
        float[] q = new float[batch * seq * hidden];
        for (int r = 0; r < batch * seq; r++) {
            q[r * hidden] = (float) Math.sqrt(hidden);
        }
        Tensor queries = constant(q, batch, seq, hidden);
        Tensor weighted = Ops.attention(queries, keys, sequence, allowedAdd, 1, 0f, 0L);
        int[] firstRows = new int[batch];
        for (int b = 0; b < batch; b++) {
            firstRows[b] = b * seq;
        }
        Tensor rows = FineTuningHeads.stepInts(firstRows, batch);
        Tensor startFeature = Ops.gatherRows(Ops.reshape(weighted, batch * seq, hidden), rows);
        Tensor clsFeature = Ops.gatherRows(Ops.reshape(sequence, batch * seq, hidden), rows);
        Tensor h = Ops.tanh(Ops.add(Ops.linear(startFeature, startWeight.tensor(), bias.tensor()),
                Ops.linear(clsFeature, clsWeight.tensor(), null)));
        return Ops.linear(context.dropout(h, dropoutP), outputWeight.tensor(), null);
    }

    private static float[] row(int n, int at, float value) {
        float[] r = new float[n];
        r[at] = value;
        return r;
    }

    /** A constant of the current step (no gradient), on the step's device. */
    private static Tensor constant(float[] values, int... shape) {
        Step step = Step.current();
        Tensor out = step.allocate(DType.F32, shape);
        Backends.upload(step.backend(), values, out);
        return out;
    }
}
