package io.albert4j.tasks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.albert4j.testing.TestResources;
import io.albert4j.tokenizer.AlbertTokenizer;
import org.junit.jupiter.api.Test;

/** Pieces map back to the original characters through lower-casing, accents and odd spacing. */
class TokenOffsetsTest {
    static AlbertTokenizer tokenizer() throws Exception {
        return AlbertTokenizer.load(TestResources.file("/tokenizer/sotu8k.model"));
    }

    @Test
    void piecesCoverTheOriginalCharacters() throws Exception {
        AlbertTokenizer tok = tokenizer();
        String text = "  The Café  RÉSUMÉ\tof Zürich,\u00a01850s.";
        TokenOffsets t = TokenOffsets.of(tok, text);
        // The same ids as tokenizing the whole text at once.
        assertArrayEquals(tok.encode(text), t.ids());
        StringBuilder rebuilt = new StringBuilder();
        for (int i = 0; i < t.size(); i++) {
            rebuilt.append(text, t.starts()[i], t.ends()[i]);
            if (i + 1 < t.size() && t.words()[i + 1] != t.words()[i]) {
                rebuilt.append(' ');
            }
        }
        assertEquals("The Café RÉSUMÉ of Zürich, 1850s.", rebuilt.toString());
        // Every word's first piece starts at the word, its last ends at the word's end.
        int resume = text.indexOf("RÉSUMÉ");
        int first = -1;
        int last = -1;
        for (int i = 0; i < t.size(); i++) {
            if (t.starts()[i] >= resume && t.ends()[i] <= resume + 6) {
                first = first < 0 ? i : first;
                last = i;
            }
        }
        assertEquals(resume, t.starts()[first]);
        assertEquals(resume + 6, t.ends()[last]);
        assertEquals("RÉSUMÉ", text.substring(t.starts()[first], t.ends()[last]));
    }

    @Test
    void lcsAlignmentSkipsWhatDoesNotMatch() {
        assertArrayEquals(new int[] {0, 2, 3}, TokenOffsets.align("acd", "abcd"));
        assertArrayEquals(new int[] {0, -1, 1}, TokenOffsets.align("axb", "ab"));
    }
}
