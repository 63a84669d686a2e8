package io.albert4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class AlbertTokenizerTest {
    private static AlbertTokenizer tokenizer() throws IOException {
        return new AlbertTokenizer(SentencePieceParityTest.sotuModel(), true);
    }

    @Test
    void specialIdsAreAlbertsOwn() throws IOException {
        AlbertTokenizer albert = tokenizer();
        assertEquals(0, albert.padId());
        assertEquals(1, albert.unkId());
        assertEquals(2, albert.clsId());
        assertEquals(3, albert.sepId());
        assertEquals(4, albert.maskId());
        assertEquals(8000, albert.vocabSize());
        assertTrue(albert.isControl(2) && albert.isControl(5) && !albert.isControl(20));
        assertEquals("\u2581the", albert.idToPiece(albert.pieceToId("\u2581the")));
    }

    @Test
    void preprocessCollapsesSpacesStripsAccentsLowercasesAndMapsQuotes() throws IOException {
        AlbertTokenizer albert = tokenizer();
        assertEquals("cafe \"creme\" brulee naive", albert.preprocess("  Café\u00a0 ``Crème''\t\nBRÛLÉE   naïve "));
        assertEquals("", albert.preprocess(" \t "));
        assertEquals("fi 1/2", albert.preprocess("\uFB01 \u00BD").replace('\u2044', '/'));
    }

    @Test
    void digitCommaPiecesAreResplitAsInEncodePieces() throws IOException {
        AlbertTokenizer albert = tokenizer();
        String text = "The budget rose from 1,250 to 3,400,000 dollars";
        List<String> plain = Arrays.asList(albert.sentencePiece().encodePieces(albert.preprocess(text)));
        assertTrue(plain.contains("\u25811,") && plain.contains("\u25813,"), plain.toString());
        List<String> resplit = Arrays.asList(albert.encodeAsPieces(text));
        for (String piece : resplit) {
            assertFalse(piece.length() > 1 && piece.endsWith(",") && Character.isDigit(piece.charAt(piece.length() - 2)),
                    piece);
        }
        int one = resplit.indexOf("\u25811");
        assertEquals(",", resplit.get(one + 1));
        assertEquals(String.join("", plain), String.join("", resplit));
        int[] ids = albert.encode(text);
        assertEquals(resplit.size(), ids.length);
        assertEquals(albert.pieceToId(","), ids[one + 1]);
    }

    @Test
    void pairsGetClsSepAndTokenTypesAndAreTruncatedLongestFirst() throws IOException {
        AlbertTokenizer albert = tokenizer();
        int[] a = albert.encode("the people of the united states");
        int[] b = albert.encode("congress");
        AlbertTokenizer.Encoding pair = albert.encodePair("the people of the united states", "congress", 100);
        assertEquals(a.length + b.length + 3, pair.ids().length);
        assertEquals(2, pair.ids()[0]);
        assertEquals(3, pair.ids()[a.length + 1]);
        assertEquals(3, pair.ids()[pair.ids().length - 1]);
        for (int i = 0; i < pair.ids().length; i++) {
            assertEquals(i <= a.length + 1 ? 0 : 1, pair.tokenTypeIds()[i], "position " + i);
        }
        int max = b.length + 3 + 2;
        AlbertTokenizer.Encoding cut = albert.encodePair("the people of the united states", "congress", max);
        assertEquals(max, cut.ids().length);
        assertArrayEquals(new int[] {2, a[0], a[1], 3}, Arrays.copyOfRange(cut.ids(), 0, 4));
        AlbertTokenizer.Encoding single = albert.encodeSingle("the people", 3);
        assertArrayEquals(new int[] {2, a[0], 3}, single.ids());
        assertArrayEquals(new int[] {0, 0, 0}, single.tokenTypeIds());
    }

    @Test
    void decodeDropsControlSymbols() throws IOException {
        AlbertTokenizer albert = tokenizer();
        AlbertTokenizer.Encoding pair = albert.encodePair("Hello there", "General", 32);
        assertEquals("hello there general", albert.decode(pair.ids()));
    }
}
