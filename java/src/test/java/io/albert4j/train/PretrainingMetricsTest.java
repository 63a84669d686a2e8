package io.albert4j.train;

import io.albert4j.albert.AlbertForPreTrainingOutput;
import io.albert4j.data.Batch;
import io.albert4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PretrainingMetricsTest {
    @Test
    void accuraciesCountOnlyLabelledRowsAndSeparateTheMaskedInputs() {
        // Row argmaxes: 1, 2, 3. Labels: row 0 → 1 (right, input [MASK]), row 1 ignored, row 2 → 0 (wrong, input kept).
        float[] logits = {0, 5, 0, 0, 0, 0, 5, 0, 0, 0, 0, 5};
        Batch batch = new Batch(1, 3, new int[] {PretrainingMetrics.ALBERT_MASK_ID, 7, 9}, new int[] {1, 1, 1},
                new int[] {0, 0, 1}, new int[] {1, Batch.IGNORE_INDEX, 0}, new int[] {1});
        try (Tensor predictions = Tensor.ofFloats(logits, 1, 3, 4);
             Tensor sop = Tensor.ofFloats(new float[] {0.1f, 0.9f}, 1, 2);
             Tensor loss = Tensor.ofFloats(new float[] {3f}, 1);
             Tensor mlm = Tensor.ofFloats(new float[] {2f}, 1);
             Tensor sopLoss = Tensor.ofFloats(new float[] {1f}, 1)) {
            PretrainingMetrics m = new PretrainingMetrics();
            AlbertForPreTrainingOutput out = new AlbertForPreTrainingOutput(loss, mlm, sopLoss, predictions, sop,
                    null, null);
            m.add(out, batch);
            m.add(out, batch);
            assertEquals(0.5, m.mlmAccuracy());
            assertEquals(1.0, m.maskedInputAccuracy());
            assertEquals(1.0, m.sopAccuracy());
            assertEquals(3.0, m.loss());
            assertEquals(Math.exp(2.0), m.perplexity(), 1e-12);
            assertEquals(4, m.maskedTokens());
            PretrainingMetrics merged = new PretrainingMetrics();
            merged.addAll(m);
            merged.addAll(m);
            assertEquals(0.5, merged.mlmAccuracy());
            assertEquals(8, merged.maskedTokens());
            assertEquals(4, merged.batches());
            m.reset();
            assertEquals(Double.NaN, m.mlmAccuracy());
        }
    }
}
