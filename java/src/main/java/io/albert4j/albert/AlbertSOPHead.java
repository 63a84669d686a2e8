package io.albert4j.albert;

import io.albert4j.nn.ForwardContext;
import io.albert4j.nn.Linear;
import io.albert4j.nn.Module;
import io.albert4j.tensor.Tensor;

/**
 * HF {@code AlbertSOPHead}: {@code classifier(dropout(pooled))}, 2 classes (0 = original order, 1 = swapped). The
 * dropout ({@code classifier_dropout_prob}) is HF's; GR applies none.
 */
final class AlbertSOPHead extends Module {
    private final Linear classifier;
    private final float dropoutProb;

    AlbertSOPHead(AlbertConfig config) {
        classifier = child("classifier", new Linear(config.hiddenSize(), 2));
        dropoutProb = config.effectiveClassifierDropoutProb();
    }

    /** pooled {@code [B, H]} → logits {@code [B, 2]}. */
    Tensor forward(Tensor pooled, ForwardContext context) {
        return classifier.forward(context.dropout(pooled, dropoutProb));
    }
}
