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
}
