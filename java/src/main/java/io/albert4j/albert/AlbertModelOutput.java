package io.albert4j.albert;

import io.albert4j.tensor.Tensor;

/** HF {@code BaseModelOutputWithPooling}: {@code [B, S, H]} and {@code [B, H]} (null without a pooler). */
public record AlbertModelOutput(Tensor lastHiddenState, Tensor poolerOutput) {
}
