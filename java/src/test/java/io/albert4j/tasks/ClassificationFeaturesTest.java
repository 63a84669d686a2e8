package io.albert4j.tasks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.albert4j.tokenizer.AlbertTokenizer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Examples to features: GR's single truncated sequence, windows over long texts, labels per problem type. */
class ClassificationFeaturesTest {
    private static final String LONG = "the congress of the united states shall meet at least once in every year and "
            + "such meeting shall be on the first monday in december unless they shall by law appoint a different day";

    @Test
    void oneTruncatedSequenceOrWindowsOfTheFirstText() throws Exception {
        AlbertTokenizer tok = TokenOffsetsTest.tokenizer();
        int[] all = tok.encode(LONG);
        TextExample e = new TextExample("x", LONG, null, List.of("b"), "test");
        ClassificationSpec single = new ClassificationSpec("text", ClassificationSpec.SINGLE_LABEL, List.of("a", "b"),
                12, null, List.of("accuracy"));
        List<ClassificationFeatures.Feature> one = ClassificationFeatures.encode(List.of(e), tok, single, true);
        assertEquals(1, one.size());
        assertArrayEquals(tok.encodeSingle(LONG, 12).ids(), one.get(0).ids());
        assertEquals(1, one.get(0).labelId());

        ClassificationSpec windows = new ClassificationSpec("text", ClassificationSpec.SINGLE_LABEL,
                List.of("a", "b"), 12, null, List.of("accuracy"), 10, 100);
        List<ClassificationFeatures.Feature> w = ClassificationFeatures.encode(List.of(e, e), tok, windows, true);
        int perExample = (all.length + 9) / 10;
        assertEquals(2 * perExample, w.size());
        for (int i = 0; i < perExample; i++) {
            ClassificationFeatures.Feature f = w.get(i);
            assertEquals(0, f.example());
            assertEquals(1, f.labelId());
            int[] expected = Arrays.copyOfRange(all, 10 * i, Math.min(all.length, 10 * i + 10));
            assertArrayEquals(expected, Arrays.copyOfRange(f.ids(), 1, f.ids().length - 1));
            assertEquals(tok.clsId(), f.ids()[0]);
            assertEquals(tok.sepId(), f.ids()[f.ids().length - 1]);
        }
        assertEquals(1, w.get(perExample).example());
        assertEquals(2, ClassificationFeatures.firstOfEach(w).size());
        ClassificationSpec capped = new ClassificationSpec("text", ClassificationSpec.SINGLE_LABEL, List.of("a", "b"),
                12, null, List.of("accuracy"), 5, 2);
        assertEquals(2, ClassificationFeatures.encode(List.of(e), tok, capped, true).size());
    }

    @Test
    void labelsByProblemType() throws Exception {
        AlbertTokenizer tok = TokenOffsetsTest.tokenizer();
        ClassificationSpec multi = new ClassificationSpec("text", ClassificationSpec.MULTI_LABEL,
                List.of("ads", "news", "spam"), 16, TextColumns.of(List.of("text"), List.of(), "label"),
                List.of("micro_f1"));
        ClassificationFeatures.Feature f = ClassificationFeatures.encode(List.of(new TextExample("x", "buy now", null,
                List.of("spam|ads"), "t")), tok, multi, true).get(0);
        assertArrayEquals(new float[] {1, 0, 1}, f.targets());
        ClassificationSpec regression = new ClassificationSpec("sts-b", ClassificationSpec.REGRESSION, List.of(), 16,
                null, List.of("pearson"));
        assertArrayEquals(new float[] {3.8f}, ClassificationFeatures.encode(List.of(new TextExample("x", "a", "b",
                List.of("3.8"), "t")), tok, regression, true).get(0).targets());
        TaskDataException bad = assertThrows(TaskDataException.class, () -> ClassificationFeatures.encode(
                List.of(new TextExample("x", "a", null, List.of("eggs"), "dev.tsv:7")), tok, multi, true));
        assertEquals("dev.tsv:7: label 'eggs' is not one of the model's classes [ads, news, spam]", bad.getMessage());
    }
}
