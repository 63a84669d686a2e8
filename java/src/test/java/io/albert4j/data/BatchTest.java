package io.albert4j.data;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A batch says once which tokens are predicted: as HF's dense labels and as GR's masked positions, which agree. */
class BatchTest {
    private static final int I = Batch.IGNORE_INDEX;

    @Test
    void paddedRowsCarryFlatMaskedPositionsInOrder() {
        PretrainingInstance first = new PretrainingInstance(new int[] {2, 4, 9, 3}, new int[4], 0, new int[] {1, 2},
                new int[] {7, 9});
        PretrainingInstance second = new PretrainingInstance(new int[] {2, 8, 4, 3, 6, 3}, new int[6], 1,
                new int[] {2}, new int[] {5});
        Batch batch = Batch.of(List.of(first, second), 6);
        assertArrayEquals(new int[] {1, 2, 8}, batch.maskedPositions(), "row 1 starts at cell 6");
        assertArrayEquals(new int[] {7, 9, 5}, batch.maskedLabels());
        assertArrayEquals(new int[] {I, 7, 9, I, I, I, I, I, 5, I, I, I}, batch.mlmLabels());
    }

    @Test
    void denseLabelsAloneGiveTheSamePositionsAndDisagreementIsRefused() {
        int[] ids = {2, 4, 9, 3};
        int[] ones = {1, 1, 1, 1};
        Batch dense = new Batch(1, 4, ids, ones, new int[4], new int[] {I, 7, I, 3}, new int[] {0});
        assertArrayEquals(new int[] {1, 3}, dense.maskedPositions());
        assertArrayEquals(new int[] {7, 3}, dense.maskedLabels());

        var e = assertThrows(IllegalArgumentException.class, () -> new Batch(1, 4, ids, ones, new int[4],
                new int[] {I, 7, I, 3}, new int[] {0}, new int[] {1, 3}, new int[] {7, 4}));
        assertTrue(e.getMessage().contains("masked position 3 has label 4 but mlmLabels[3] = 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Batch(1, 4, ids, ones, new int[4],
                new int[] {I, 7, I, 3}, new int[] {0}, new int[] {1}, new int[] {7}));
        assertTrue(e.getMessage().contains("label 2 cells but 1 masked positions"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Batch(1, 4, ids, ones, new int[4],
                new int[] {I, 7, I, 3}, new int[] {0}, new int[] {3, 1}, new int[] {3, 7}));
        assertTrue(e.getMessage().contains("increasing"), e.getMessage());
    }
}
