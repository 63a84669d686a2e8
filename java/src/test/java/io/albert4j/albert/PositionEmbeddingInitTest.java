package io.albert4j.albert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The demo's random-walk start of the position table, against what it promises; NORMAL keeps HF's draw. */
class PositionEmbeddingInitTest {
    private static final String TABLE = "albert.embeddings.position_embeddings.weight";
    private static final AlbertConfig CONFIG = AlbertModelTest.TINY.toBuilder().maxPositionEmbeddings(64)
            .embeddingSize(32).build();

    @Test
    void aRandomWalkTableIsCentredHasTheInitStdAndNeighboursAreAlike() {
        try (AlbertForPreTraining model = AlbertForPreTraining.create(CONFIG, 7)) {
            model.initializePositionEmbeddings(PositionEmbeddingInit.RANDOM_WALK, 3);
            float[] table = model.namedParameters().get(TABLE).toFloatArray();
            int positions = 64, width = 32;
            double sumSquares = 0;
            for (int c = 0; c < width; c++) {
                double mean = 0;
                for (int p = 0; p < positions; p++) {
                    mean += table[p * width + c] / (double) positions;
                    sumSquares += table[p * width + c] * (double) table[p * width + c];
                }
                assertEquals(0.0, mean, 1e-6, "column " + c + " is centred over the positions");
            }
            assertEquals(CONFIG.initializerRange(), Math.sqrt(sumSquares / table.length), 1e-6,
                    "the same scale as normal(0, initializer_range)");
            double near = 0, far = 0;
            for (int p = 0; p + 32 < positions; p++) {
                near += cosine(table, width, p, p + 1);
                far += cosine(table, width, p, p + 32);
            }
            assertTrue(near / 32 > 0.8, "neighbouring positions start alike: mean cosine " + near / 32);
            assertTrue(far / 32 < near / 32 - 0.5, "distant ones apart: " + far / 32 + " vs " + near / 32);
        }
    }

    @Test
    void theWalkFollowsTheSeedAndNormalLeavesTheDrawAlone() {
        try (AlbertForPreTraining a = AlbertForPreTraining.create(CONFIG, 7);
             AlbertForPreTraining b = AlbertForPreTraining.create(CONFIG, 7)) {
            float[] drawn = a.namedParameters().get(TABLE).toFloatArray();
            a.initializePositionEmbeddings(PositionEmbeddingInit.NORMAL, 3);
            assertArrayEquals(drawn, a.namedParameters().get(TABLE).toFloatArray());
            a.initializePositionEmbeddings(PositionEmbeddingInit.RANDOM_WALK, 3);
            b.initializePositionEmbeddings(PositionEmbeddingInit.RANDOM_WALK, 3);
            assertArrayEquals(a.namedParameters().get(TABLE).toFloatArray(),
                    b.namedParameters().get(TABLE).toFloatArray(), "same seed, same table (every rank alike)");
            b.initializePositionEmbeddings(PositionEmbeddingInit.RANDOM_WALK, 4);
            assertFalse(java.util.Arrays.equals(a.namedParameters().get(TABLE).toFloatArray(),
                    b.namedParameters().get(TABLE).toFloatArray()));
        }
    }

    @Test
    void labelsParseBothWaysAndAnUnknownOneIsNamed() {
        for (PositionEmbeddingInit v : PositionEmbeddingInit.values()) {
            assertEquals(v, PositionEmbeddingInit.parse(v.label()));
        }
        assertEquals(PositionEmbeddingInit.RANDOM_WALK, PositionEmbeddingInit.parse(" Random-Walk "));
        var e = assertThrows(IllegalArgumentException.class, () -> PositionEmbeddingInit.parse("sinusoid"));
        assertTrue(e.getMessage().contains("'sinusoid'"), e.getMessage());
    }

    private static double cosine(float[] table, int width, int p, int q) {
        double dot = 0, np = 0, nq = 0;
        for (int c = 0; c < width; c++) {
            double x = table[p * width + c], y = table[q * width + c];
            dot += x * y;
            np += x * x;
            nq += y * y;
        }
        return dot / Math.sqrt(np * nq);
    }
}
