package io.albert4j.train;

import io.albert4j.albert.AlbertForPreTrainingOutput;
import io.albert4j.data.Batch;
import io.albert4j.ops.Step;
import io.albert4j.tensor.Tensor;
import io.albert4j.testing.OpTestSupport;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PretrainingMetricsTest {
    @Test
    void accuraciesCountOnlyLabelledRowsAndSeparateTheMaskedInputs() {
        // Row argmaxes: 1, 2, 3. Labels: row 0 → 1 (right, input [MASK]), row 1 ignored, row 2 → 0 (wrong, input kept).
        float[] logits = {0, 5, 0, 0, 0, 0, 5, 0, 0, 0, 0, 5};
        Batch batch = new Batch(1, 3, new int[] {PretrainingMetrics.ALBERT_MASK_ID, 7, 9}, new int[] {1, 1, 1},
                new int[] {0, 0, 1}, new int[] {1, Batch.IGNORE_INDEX, 0}, new int[] {1});
        // Metrics run inside the evaluation's step: the per-row log-sum-exp is a native op.
        try (OpTestSupport support = new OpTestSupport(1);
             Step step = support.step();
             Tensor predictions = Tensor.ofFloats(logits, 1, 3, 4);
             Tensor sop = Tensor.ofFloats(new float[] {0.1f, 0.9f}, 1, 2);
             Tensor loss = Tensor.ofFloats(new float[] {3f}, 1);
             Tensor mlm = Tensor.ofFloats(new float[] {2f}, 1);
             Tensor sopLoss = Tensor.ofFloats(new float[] {1f}, 1)) {
            PretrainingMetrics m = PretrainingMetrics.forEvaluation();
            PretrainingMetrics training = new PretrainingMetrics();
            AlbertForPreTrainingOutput out = new AlbertForPreTrainingOutput(loss, mlm, sopLoss, predictions, sop,
                    null, null);
            m.add(out, batch);
            m.add(out, batch);
            training.add(out, batch);
            assertEquals(Double.NaN, training.maskedInputPerplexity(), "not measured in the training loop");
            assertEquals(1.0, training.maskedInputAccuracy());
            assertEquals(0.5, m.mlmAccuracy());
            assertEquals(1.0, m.maskedInputAccuracy());
            assertEquals(1.0, m.sopAccuracy());
            assertEquals(3.0, m.loss());
            assertEquals(Math.exp(2.0), m.perplexity(), 1e-12);
            assertEquals(4, m.maskedTokens());
            // Row 0 alone has a [MASK] input: -log softmax([0, 5, 0, 0])[1] = log(3e-5 + 1).
            double rowLoss = Math.log(3 * Math.exp(-5) + 1);
            assertEquals(Math.exp(rowLoss), m.maskedInputPerplexity(), 1e-6);
            PretrainingMetrics merged = PretrainingMetrics.forEvaluation();
            merged.addAll(m);
            merged.addAll(m);
            assertEquals(0.5, merged.mlmAccuracy());
            assertEquals(8, merged.maskedTokens());
            assertEquals(4, merged.batches());
            assertEquals(Math.exp(rowLoss), merged.maskedInputPerplexity(), 1e-6);
            m.reset();
            assertEquals(Double.NaN, m.mlmAccuracy());
            assertEquals(Double.NaN, m.maskedInputPerplexity());
        }
    }

    @Test
    void unigramPerplexityAtMaskCountsTheVisibleTokensOnly() {
        // Visible word tokens: 7, 7, 8 (ids 2 and 3 are [CLS]/[SEP]; position 4 is labelled, so not counted).
        // The one [MASK] target is 7: p = (2 + 0.5) / (3 + 0.5 * 10).
        Batch batch = new Batch(1, 6, new int[] {2, 7, 7, 8, PretrainingMetrics.ALBERT_MASK_ID, 3},
                new int[] {1, 1, 1, 1, 1, 1}, new int[6],
                new int[] {Batch.IGNORE_INDEX, Batch.IGNORE_INDEX, Batch.IGNORE_INDEX, Batch.IGNORE_INDEX, 7,
                        Batch.IGNORE_INDEX}, new int[] {0});
        HeldOutEvaluation evaluation = HeldOutEvaluation.of(java.util.List.of(batch));
        assertEquals(8.0 / 2.5, evaluation.unigramPerplexityAtMask(10), 1e-12);
        assertEquals(1.0, evaluation.unigramBaselineAtMask());
    }

    @Test
    void copyOrUnigramBaselineCopiesVisibleTargetsAndGuessesAtMask() {
        int mask = PretrainingMetrics.ALBERT_MASK_ID;
        int ignore = Batch.IGNORE_INDEX;
        // Targets: 7 at a [MASK] (the guess: 7 and 8 tie, the smaller id wins), 7 kept (copied: right),
        // 5 swapped for 9 (copied: wrong), 8 at a [MASK] (guessed 7: wrong).
        Batch batch = new Batch(1, 6, new int[] {2, mask, 7, 9, mask, 3}, new int[] {1, 1, 1, 1, 1, 1}, new int[6],
                new int[] {ignore, 7, 7, 5, 8, ignore}, new int[] {0});
        HeldOutEvaluation evaluation = HeldOutEvaluation.of(java.util.List.of(batch));
        assertEquals(0.5, evaluation.copyOrUnigramBaseline(), 1e-12);
        assertEquals(0.5, evaluation.unigramBaselineAtMask(), 1e-12);
    }
}
