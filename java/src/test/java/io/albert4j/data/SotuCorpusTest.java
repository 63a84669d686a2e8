package io.albert4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pipeline in prose mode on the State of the Union corpus (../shared/data/sotu), when present. */
class SotuCorpusTest {
    @Test
    void proseCorpusGivesBalancedSopAndFifteenPercentMasks() {
        Path sotu = Path.of(System.getProperty("albert4j.sharedData", "../shared/data")).resolve("sotu");
        assumeTrue(Files.isDirectory(sotu), "skipped: shared corpus " + sotu + " not present");
        DocumentSource source = DocumentSource.text(List.of(sotu), CorpusFormat.PROSE, new FakeTokenizer());
        PretrainingConfig config = new PretrainingConfig(128, 0.1, 0.15, 20, 3, 1, false, 12, 16, 4, 2, 12345);
        long rows = 0;
        long swapped = 0;
        long tokens = 0;
        long masked = 0;
        try (PretrainingDataLoader loader = PretrainingDataLoader.open(source, config)) {
            for (int b = 0; b < 60; b++) {
                Batch batch = loader.next();
                for (int r = 0; r < batch.batchSize(); r++) {
                    rows++;
                    swapped += batch.sentenceOrderLabels()[r];
                    for (int i = 0; i < batch.seqLen(); i++) {
                        tokens += batch.attentionMask()[r * batch.seqLen() + i];
                        masked += batch.mlmLabels()[r * batch.seqLen() + i] != Batch.IGNORE_INDEX ? 1 : 0;
                    }
                }
            }
            assertEquals(12, loader.maxDocumentsHeld());
        }
        // Above one half, as in the original: a chunk of one long sentence (>= the target length with this
        // two-letter-piece tokenizer) always takes B from another document (label 1). The 50/50 swap itself is
        // checked on multi-sentence chunks in SegmentPairBuilderTest.
        double sop = (double) swapped / rows;
        assertTrue(sop > 0.45 && sop < 0.8, "SOP label rate " + sop);
        assertEquals(0.15, (double) masked / tokens, 0.02, "masked fraction (19 of 128 per full row)");
    }
}
