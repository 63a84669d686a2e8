package io.albert4j.albert;

import io.albert4j.tensor.Tensor;

/**
 * HF {@code AlbertForPreTrainingOutput}: {@code loss} (MLM + SOP, or whichever labels were given; null without
 * labels), {@code predictionLogits [B, S, V]}, {@code sopLogits [B, 2]}, plus the base model's outputs.
 */
public record AlbertForPreTrainingOutput(Tensor loss, Tensor mlmLoss, Tensor sopLoss, Tensor predictionLogits,
                                         Tensor sopLogits, Tensor lastHiddenState, Tensor poolerOutput) {
}
