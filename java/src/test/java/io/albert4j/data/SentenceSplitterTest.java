package io.albert4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class SentenceSplitterTest {
    @Test
    void splitsOnTerminatorsButNotAfterAbbreviationsDecimalsOrInitials() {
        String paragraph = "Mr. Smith went to Washington. He met Dr. Jones at 3.5 p.m. in the U.S. Capitol! "
                + "Was it fun? \"Yes,\" he said. John F. Kennedy spoke. It cost $3.50. (Applause.) Thank you.";
        assertEquals(List.of(
                "Mr. Smith went to Washington.",
                "He met Dr. Jones at 3.5 p.m. in the U.S. Capitol!",
                "Was it fun?",
                "\"Yes,\" he said.",
                "John F. Kennedy spoke.",
                "It cost $3.50.",
                "(Applause.)",
                "Thank you."), SentenceSplitter.split(paragraph));
    }

    @Test
    void blankAndUnterminatedText() {
        assertEquals(List.of(), SentenceSplitter.split("   "));
        assertEquals(List.of("no full stop at the end"), SentenceSplitter.split("no full stop at the end "));
    }

    @Test
    void overlongSentencesAreCutAtSpacesOrBetweenCharacters() {
        assertEquals(List.of("aaa bbb", "ccc"), SentenceSplitter.cut("aaa bbb ccc", 8));
        assertEquals(List.of("short"), SentenceSplitter.cut("short", 8));
        assertEquals(List.of("abcd", "efgh", "ij"), SentenceSplitter.cut("abcdefghij", 4), "no space: cut anywhere");
        // A space in the first half of a piece is not used: pieces stay at least half the limit.
        assertEquals(List.of("a bcdefgh", "ij"), SentenceSplitter.cut("a bcdefghij", 9));
        // Never inside a surrogate pair (U+1F600 is two chars).
        String emoji = "\uD83D\uDE00";
        List<String> pieces = SentenceSplitter.cut("abc" + emoji + "defg", 4);
        assertEquals(List.of("abc", emoji + "de", "fg"), pieces);
        StringBuilder huge = new StringBuilder();
        for (int i = 0; i < 10_000; i++) {
            huge.append("word").append(i % 10).append(' ');
        }
        for (String piece : SentenceSplitter.cut(huge.toString(), 100)) {
            assertEquals(true, piece.length() <= 100 && piece.length() >= 50 && !piece.isBlank(), piece);
        }
    }
}
