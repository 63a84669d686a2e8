package io.albert4j.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.tokenizer.AlbertTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Windows and n-best decoding on crafted logits: boundaries, the length cut, the null answer, offsets. */
class SpanDecoderTest {
    private static final int CLS = 2;
    private static final int SEP = 3;

    /** A context of {@code n} one-token words "w0 w1 ...", with offsets. */
    private static TokenOffsets words(int n) {
        int[] ids = new int[n];
        int[] starts = new int[n];
        int[] ends = new int[n];
        int[] word = new int[n];
        int at = 0;
        for (int i = 0; i < n; i++) {
            ids[i] = 100 + i;
            String w = "w" + i;
            starts[i] = at;
            ends[i] = at + w.length();
            word[i] = i;
            at += w.length() + 1;
        }
        return new TokenOffsets(ids, starts, ends, word);
    }

    private static String context(int n) {
        List<String> w = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            w.add("w" + i);
        }
        return String.join(" ", w);
    }

    /** Logits that pick context token {@code start}..{@code end} of the whole context in the window holding it. */
    private static List<float[][]> logits(List<SquadWindow> windows, int start, int end, float strength) {
        List<float[][]> out = new ArrayList<>();
        for (SquadWindow w : windows) {
            float[] s = new float[w.ids().length];
            float[] e = new float[w.ids().length];
            for (int p = 0; p < w.ids().length; p++) {
                if (w.contextToken(p) == start) {
                    s[p] = strength;
                }
                if (w.contextToken(p) == end) {
                    e[p] = strength;
                }
            }
            out.add(new float[][] {s, e});
        }
        return out;
    }

    private static SpanDecoder.Answer decode(SpanDecoder decoder, String context, TokenOffsets tokens,
                                             List<SquadWindow> windows, List<float[][]> logits) {
        return decoder.decode(context, tokens, windows, logits.stream().map(l -> l[0]).toList(),
                logits.stream().map(l -> l[1]).toList());
    }

    @Test
    void windowsOverlapByTheStrideAndLabelOnlyWholeAnswers() {
        TokenOffsets ctx = words(20);
        // seq 12 with a 2-token question: room for 7 context tokens; stride 4 → windows at 0, 4, 8, 12 (12..18 ends it)
        List<SquadWindow> windows = SquadWindow.of(0, new int[] {50, 51}, ctx, 12, 4,
                new SquadExample.Answer("w6 w7", context(20).indexOf("w6")), CLS, SEP);
        assertEquals(List.of(0, 4, 8, 12, 16), windows.stream().map(SquadWindow::firstToken).toList());
        assertEquals(4, windows.get(4).length()); // the last window is short: 16..19
        // The answer (tokens 6-7) crosses the first window's end (0..6): that window is labelled [CLS].
        assertEquals(0, windows.get(0).startPosition());
        assertEquals(0, windows.get(0).endPosition());
        // In the second window (4..10) it is whole: positions after [CLS] q q [SEP].
        assertEquals(4 + 6 - 4, windows.get(1).startPosition());
        assertEquals(4 + 7 - 4, windows.get(1).endPosition());
        assertEquals(windows.get(1).ids()[windows.get(1).startPosition()], ctx.ids()[6]);
        // Max context: token 6 is at 6 of window 0 (0 right), 2 of window 1 (left 2, right 4) → window 1
        assertTrue(windows.get(1).isMaxContext(windows.get(1).contextStart() + 2));
        assertTrue(!windows.get(0).isMaxContext(windows.get(0).contextStart() + 6));
        assertArrayEquals(new int[] {CLS, 50, 51, SEP}, Arrays.copyOf(windows.get(0).ids(), 4));
        assertEquals(SEP, windows.get(0).ids()[windows.get(0).ids().length - 1]);
        assertEquals(1, windows.get(0).tokenTypes()[4]);
    }

    private static void assertArrayEquals(int[] expected, int[] actual) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected, actual);
    }

    @Test
    void anAnswerAcrossAWindowBoundaryIsFoundInTheWindowThatHoldsIt() {
        TokenOffsets ctx = words(20);
        String text = context(20);
        List<SquadWindow> windows = SquadWindow.of(0, new int[] {50}, ctx, 11, 3, null, CLS, SEP);
        // Tokens 5..7 cross the boundary of window 0 (0..6) and are whole in window 1 (3..9).
        SpanDecoder.Answer a = decode(new SpanDecoder(20, 30, false, 0), text, ctx, windows, logits(windows, 5, 7, 8f));
        assertEquals("w5 w6 w7", a.text());
        assertEquals(text.indexOf("w5"), a.start());
        assertEquals(text.indexOf("w7") + 2, a.end());
        assertTrue(a.probability() > 0.5, a.toString());
    }

    @Test
    void spansLongerThanTheMaximumAreCut() {
        TokenOffsets ctx = words(10);
        String text = context(10);
        List<SquadWindow> windows = SquadWindow.of(0, new int[] {50}, ctx, 64, 32, null, CLS, SEP);
        List<float[][]> l = logits(windows, 1, 6, 10f);  // the best pair spans 6 tokens
        SpanDecoder.Answer longOk = decode(new SpanDecoder(20, 6, false, 0), text, ctx, windows, l);
        assertEquals("w1 w2 w3 w4 w5 w6", longOk.text());
        SpanDecoder.Answer cut = decode(new SpanDecoder(20, 5, false, 0), text, ctx, windows, l);
        assertTrue(cut.text().split(" ").length <= 5, cut.text());
        assertTrue(!cut.text().equals(longOk.text()));
        // End before start is never an answer.
        SpanDecoder.Answer reversed = decode(new SpanDecoder(20, 30, false, 0), text, ctx, windows,
                logits(windows, 6, 2, 10f));
        assertTrue(!reversed.text().equals("w2 w3 w4 w5 w6"), reversed.text());
    }

    @Test
    void theNullAnswerWinsOrLosesAgainstTheThreshold() {
        TokenOffsets ctx = words(8);
        String text = context(8);
        List<SquadWindow> windows = SquadWindow.of(0, new int[] {50}, ctx, 64, 32, null, CLS, SEP);
        List<float[][]> l = logits(windows, 2, 3, 3f);        // best span: 3 + 3 = 6
        l.get(0)[0][0] = 4f;                                   // null: 4 + 4 = 8
        l.get(0)[1][0] = 4f;
        // null − best span = 2
        SpanDecoder.Answer strict = decode(new SpanDecoder(20, 30, true, 0.0), text, ctx, windows, l);
        assertEquals("", strict.text());
        assertEquals(2.0, strict.nullScoreDiff(), 1e-6);
        SpanDecoder.Answer lenient = decode(new SpanDecoder(20, 30, true, 2.5), text, ctx, windows, l);
        assertEquals("w2 w3", lenient.text());
        assertTrue(lenient.nBest().stream().anyMatch(c -> c.text().isEmpty()), "the null answer stays in the n-best");
        double total = lenient.nBest().stream().mapToDouble(SpanDecoder.Candidate::probability).sum();
        assertEquals(1.0, total, 1e-9);
    }

    @Test
    void answersKeepTheOriginalCasingAndAccents() throws Exception {
        AlbertTokenizer tok = TokenOffsetsTest.tokenizer();
        String text = "In 1850 the CAFÉ of Zürich was opened by Mr. Müller.";
        TokenOffsets ctx = TokenOffsets.of(tok, text);
        List<SquadWindow> windows = SquadWindow.of(0, tok.encode("who opened it?"), ctx, 64, 32,
                new SquadExample.Answer("Mr. Müller", text.indexOf("Mr.")), tok.clsId(), tok.sepId());
        SquadWindow w = windows.get(0);
        int first = w.contextToken(w.startPosition());
        int last = w.contextToken(w.endPosition());
        assertEquals("Mr. Müller", text.substring(ctx.starts()[first], ctx.ends()[last]).replaceAll("\\.$", ""));
        // Decoding the labelled span returns the original characters, not the lower-cased, unaccented pieces.
        List<float[][]> l = logits(windows, first, last, 9f);
        SpanDecoder.Answer a = decode(new SpanDecoder(20, 30, false, 0), text, ctx, windows, l);
        assertTrue(a.text().startsWith("Mr. Müller"), a.text());
        assertEquals(text.indexOf("Mr."), a.start());
        int cafe = text.indexOf("CAFÉ");
        int cafeToken = -1;
        for (int i = 0; i < ctx.size(); i++) {
            if (ctx.starts()[i] == cafe) {
                cafeToken = i;
            }
        }
        int cafeLast = cafeToken;
        while (cafeLast + 1 < ctx.size() && ctx.words()[cafeLast + 1] == ctx.words()[cafeToken]) {
            cafeLast++;
        }
        SpanDecoder.Answer c = decode(new SpanDecoder(20, 30, false, 0), text, ctx, windows,
                logits(windows, cafeToken, cafeLast, 9f));
        assertEquals("CAFÉ", c.text());
    }
}
