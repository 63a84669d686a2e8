package io.albert4j.data;

import java.text.BreakIterator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Splits an English paragraph into sentences: {@link BreakIterator}'s sentence rules plus a list of abbreviations
 * after which a break is suppressed.
 *
 * <p>Why this combination: BreakIterator already handles what a hand-written regex gets wrong (closing quotes and
 * brackets after the full stop, "?"/"!", decimals such as 3.5 and $3.50, lower-case continuations after "p.m.",
 * "e.g."), but it breaks after every abbreviation followed by a capital ("Mr. | Smith", "the U.S. | Capitol").
 * Suppressing breaks after known abbreviations and single-letter initials ("John F. Kennedy") is the approach of
 * ICU's sentence-break suppressions. Trade-off: a sentence that really ends in "U.S." is joined to the next one.
 */
public final class SentenceSplitter {
    private static final Set<String> ABBREVIATIONS = Set.of(
            "mr.", "mrs.", "ms.", "messrs.", "dr.", "prof.", "st.", "jr.", "sr.", "rev.", "hon.", "gen.", "gov.",
            "sen.", "rep.", "col.", "capt.", "lt.", "sgt.", "adm.", "maj.", "pres.", "supt.", "u.s.", "u.s.a.", "u.k.",
            "u.n.", "d.c.", "e.g.", "i.e.", "vs.", "cf.", "inc.", "co.", "corp.", "ltd.", "jan.", "feb.", "aug.",
            "sept.", "oct.", "nov.", "dec.", "no.", "art.", "sec.", "vol.", "fig.", "mt.", "ft.");
    /** A single capital initial like "F." in "John F. Kennedy". */
    private static final Pattern INITIAL = Pattern.compile("\\p{Lu}\\.");

    private SentenceSplitter() {
    }

    /** The sentences of {@code paragraph}, trimmed, without empty ones. */
    public static List<String> split(String paragraph) {
        BreakIterator breaks = BreakIterator.getSentenceInstance(Locale.US); // not thread-safe: one per call
        breaks.setText(paragraph);
        List<String> sentences = new ArrayList<>();
        int sentenceStart = 0;
        for (int end = breaks.next(); end != BreakIterator.DONE; end = breaks.next()) {
            if (end < paragraph.length() && endsWithAbbreviation(paragraph.substring(sentenceStart, end))) {
                continue;
            }
            addTrimmed(sentences, paragraph.substring(sentenceStart, end));
            sentenceStart = end;
        }
        if (sentenceStart < paragraph.length()) {
            addTrimmed(sentences, paragraph.substring(sentenceStart));
        }
        return sentences;
    }

    /**
     * {@code sentence} in pieces of at most {@code maxChars} characters, cut at the last whitespace in the second
     * half of each piece (or, with none there, between two characters, never inside a surrogate pair), trimmed.
     * A "sentence" that long is a corpus without line breaks, not a sentence: whole, it would be tokenized in one
     * go and give one training sequence, its tokens beyond the first few hundred truncated away.
     */
    public static List<String> cut(String sentence, int maxChars) {
        if (maxChars < 2) {
            throw new IllegalArgumentException("SentenceSplitter.cut: maxChars " + maxChars + " < 2");
        }
        List<String> pieces = new ArrayList<>();
        int from = 0;
        int length = sentence.length();
        while (length - from > maxChars) {
            int end = from + maxChars;
            int space = end;
            while (space > from + maxChars / 2 && !Character.isWhitespace(sentence.charAt(space))) {
                space--;
            }
            if (Character.isWhitespace(sentence.charAt(space))) {
                end = space;
            } else if (Character.isLowSurrogate(sentence.charAt(end))) {
                end--;
            }
            addTrimmed(pieces, sentence.substring(from, end));
            from = end;
        }
        addTrimmed(pieces, sentence.substring(from));
        return pieces;
    }

    private static boolean endsWithAbbreviation(String text) {
        String trimmed = text.strip();
        int space = trimmed.lastIndexOf(' ');
        String lastWord = trimmed.substring(space + 1);
        // Drop opening brackets/quotes: "(Mr." is still "Mr.".
        int first = 0;
        while (first < lastWord.length() && !Character.isLetterOrDigit(lastWord.charAt(first))) {
            first++;
        }
        lastWord = lastWord.substring(first);
        return ABBREVIATIONS.contains(lastWord.toLowerCase(Locale.ROOT)) || INITIAL.matcher(lastWord).matches();
    }

    private static void addTrimmed(List<String> sentences, String sentence) {
        String trimmed = sentence.strip();
        if (!trimmed.isEmpty()) {
            sentences.add(trimmed);
        }
    }
}
