package io.albert4j.train;

import io.albert4j.albert.AlbertInputs;
import io.albert4j.data.Batch;

/** A pretraining batch as the model's inputs, in the current step: what the training loop and evaluation feed. */
final class PretrainingInputs {
    private PretrainingInputs() {
    }

    /**
     * Ids, mask, token types, SOP labels and the masked positions with their targets; the dense {@code [B, S]} MLM
     * labels stay on the host, since {@code forwardAtMaskedPositions} predicts only the masked positions.
     */
    static AlbertInputs of(Batch batch) {
        return AlbertInputs.copyOf(batch.batchSize(), batch.seqLen(), batch.inputIds(), batch.attentionMask(),
                        batch.tokenTypeIds(), null, batch.sentenceOrderLabels())
                .withMaskedPositions(batch.maskedPositions(), batch.maskedLabels());
    }
}
