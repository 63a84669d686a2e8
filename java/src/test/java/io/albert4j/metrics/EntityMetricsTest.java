package io.albert4j.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** seqeval's entity chunking and micro scores on hand-made sentences. */
class EntityMetricsTest {
    @Test
    void chunksOfIob2AndIob1AndIobes() {
        assertEquals(List.of(new EntityMetrics.Entity("PER", 0, 0, 1), new EntityMetrics.Entity("LOC", 0, 3, 3)),
                EntityMetrics.entities(List.of("B-PER", "I-PER", "O", "B-LOC"), 0));
        // IOB1: an I- after O starts a chunk; a type change ends one.
        assertEquals(List.of(new EntityMetrics.Entity("PER", 0, 1, 2), new EntityMetrics.Entity("LOC", 0, 3, 3)),
                EntityMetrics.entities(List.of("O", "I-PER", "I-PER", "I-LOC"), 0));
        assertEquals(List.of(new EntityMetrics.Entity("ORG", 0, 0, 2), new EntityMetrics.Entity("PER", 0, 3, 3)),
                EntityMetrics.entities(List.of("B-ORG", "I-ORG", "E-ORG", "S-PER"), 0));
    }

    @Test
    void microPrecisionRecallAndF1() {
        List<List<String>> gold = List.of(List.of("B-PER", "I-PER", "O", "B-LOC"), List.of("B-ORG", "O"));
        // PER right, LOC missed, ORG span wrong (ends late), one spurious MISC.
        List<List<String>> predicted = List.of(List.of("B-PER", "I-PER", "B-MISC", "O"), List.of("B-ORG", "I-ORG"));
        EntityMetrics.Scores s = EntityMetrics.score(predicted, gold);
        assertEquals(3, s.predictedEntities());
        assertEquals(3, s.goldEntities());
        assertEquals(1.0 / 3, s.precision(), 1e-12);
        assertEquals(1.0 / 3, s.recall(), 1e-12);
        assertEquals(1.0 / 3, s.f1(), 1e-12);
    }
}
