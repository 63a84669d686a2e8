package io.albert4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.tokenizer.SentencePieceModel.Piece;
import io.albert4j.tokenizer.SentencePieceModel.PieceType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The unigram trainer on small generated corpora: model layout, coverage, determinism and bad input. */
class UnigramTrainerTest {
    private static final String[] SYLLABLES = {"ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "zen", "qua", "ber",
        "ing", "tion", "str", "ph", "é", "ü", "ß"};

    /** Sentences of made-up words with a Zipf-like word distribution, punctuation and a few rare characters. */
    static List<String> generatedCorpus(long seed, int sentences) {
        Random random = new Random(seed);
        String[] lexicon = new String[400];
        for (int i = 0; i < lexicon.length; i++) {
            StringBuilder word = new StringBuilder();
            int syllables = 1 + random.nextInt(4);
            for (int s = 0; s < syllables; s++) {
                word.append(SYLLABLES[random.nextInt(SYLLABLES.length)]);
            }
            if (random.nextInt(8) == 0) {
                word.setCharAt(0, Character.toUpperCase(word.charAt(0)));
            }
            lexicon[i] = word.toString();
        }
        String[] punctuation = {",", ".", "(", ")", "\"", "-", ";", "?", "£5", "€", "1990", "42%"};
        List<String> corpus = new ArrayList<>();
        for (int n = 0; n < sentences; n++) {
            StringBuilder sentence = new StringBuilder();
            int length = 3 + random.nextInt(12);
            for (int w = 0; w < length; w++) {
                if (w > 0) {
                    sentence.append(' ');
                }
                int rank = (int) Math.min(lexicon.length - 1, Math.floor(Math.exp(random.nextDouble() * Math.log(lexicon.length))));
                sentence.append(lexicon[rank]);
                if (random.nextInt(6) == 0) {
                    sentence.append(punctuation[random.nextInt(punctuation.length)]);
                }
            }
            if (n % 50 == 0) {
                sentence.append(" Ω文字 ＡＢＣ"); // rare scripts and a full-width form nmt_nfkc folds to ABC
            }
            corpus.add(sentence.toString());
        }
        return corpus;
    }

    @Test
    void modelHasAlbertLayoutAndRoundTrips() throws IOException {
        List<String> corpus = generatedCorpus(1, 1500);
        SentencePieceModel model = UnigramTrainer.train(corpus, UnigramTrainerConfig.albert(300).withCharacterCoverage(1.0));
        List<Piece> pieces = model.pieces();
        assertEquals(300, pieces.size());
        String[] special = {"<pad>", "<unk>", "[CLS]", "[SEP]", "[MASK]", "(", ")", "\"", "-", ".", "\u2013", "£", "€"};
        PieceType[] types = {PieceType.CONTROL, PieceType.UNKNOWN, PieceType.CONTROL, PieceType.CONTROL,
            PieceType.CONTROL};
        for (int id = 0; id < special.length; id++) {
            assertEquals(special[id], pieces.get(id).piece(), "piece " + id);
            assertEquals(id < 5 ? types[id] : PieceType.USER_DEFINED, pieces.get(id).type(), "type of " + special[id]);
        }
        for (int id = special.length; id < pieces.size(); id++) {
            Piece piece = pieces.get(id);
            assertEquals(PieceType.NORMAL, piece.type(), piece.piece());
            assertTrue(piece.score() < 0, "log-probability score of " + piece.piece());
            assertTrue(piece.piece().indexOf('\u2581', 1) < 0, "'▁' only in front: " + piece.piece());
            assertTrue(piece.piece().codePointCount(0, piece.piece().length()) <= 16, piece.piece());
            if (id > special.length) {
                assertTrue(piece.score() <= pieces.get(id - 1).score(), "scores sorted at " + id);
            }
        }
        SentencePieceModel reread = SentencePieceModel.parse(model.toByteArray(), "trained");
        assertEquals(pieces, reread.pieces());
        assertEquals("nmt_nfkc", reread.normalizerSpec().name());
        assertTrue(reread.normalizerSpec().addDummyPrefix() && reread.normalizerSpec().removeExtraWhitespaces());
        assertEquals(1, reread.trainerSpec().modelType());

        SentencePieceProcessor spm = new SentencePieceProcessor(reread);
        assertEquals(1, spm.unkId());
        assertEquals(2, spm.pieceToId("[CLS]"));
        assertEquals(4, spm.pieceToId("[MASK]"));
        long tokens = 0;
        for (String sentence : corpus) {
            int[] ids = spm.encodeIds(sentence);
            tokens += ids.length;
            assertTrue(Arrays.stream(ids).noneMatch(id -> id == 1), () -> "<unk> in " + sentence);
            assertEquals(spm.normalize(sentence).replace('\u2581', ' ').strip(), spm.decodeIds(ids));
        }
        long characters = corpus.stream().mapToLong(s -> s.replace(" ", "").length()).sum();
        assertTrue(tokens < characters / 2, "learned pieces are longer than characters: " + tokens + " tokens for "
                + characters + " characters");
    }

    @Test
    void trainingIsDeterministicAndSaves(@TempDir Path dir) throws IOException {
        List<String> corpus = generatedCorpus(2, 800);
        UnigramTrainerConfig config = UnigramTrainerConfig.albert(200);
        byte[] first = UnigramTrainer.train(corpus, config).toByteArray();
        SentencePieceModel second = UnigramTrainer.train(corpus.stream(), config);
        assertArrayEquals(first, second.toByteArray());
        second.save(dir.resolve("m.model"), dir.resolve("m.vocab"));
        assertEquals(second.pieces(), SentencePieceModel.load(dir.resolve("m.model")).pieces());
    }

    @Test
    void rareCharactersBecomeUnknownBelowCoverage() {
        List<String> corpus = generatedCorpus(3, 1500);
        SentencePieceProcessor spm = new SentencePieceProcessor(UnigramTrainer.train(corpus,
                UnigramTrainerConfig.albert(300).withCharacterCoverage(0.999)));
        assertEquals(-1, spm.findPiece("文"), "a character seen 30 times in ~70k is below 0.999 coverage");
        assertTrue(spm.findPiece("a") > 12, "frequent letters are pieces");
    }

    @Test
    void emptyCorpusIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> UnigramTrainer.train(List.of("", "   ", "\t"), UnigramTrainerConfig.albert(100)));
        assertTrue(e.getMessage().contains("corpus is empty"), e.getMessage());
    }

    @Test
    void vocabTooLargeNamesBothNumbers() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> UnigramTrainer.train(List.of("the cat sat on the mat", "the dog sat on the log"),
                        UnigramTrainerConfig.albert(5000)));
        assertTrue(e.getMessage().contains("vocab size 5000 is too large"), e.getMessage());
        assertTrue(e.getMessage().matches(".*at most \\d+ pieces can be learned.*"), e.getMessage());
    }

    @Test
    void vocabSmallerThanSpecialPiecesIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> UnigramTrainerConfig.albert(13));
        assertTrue(e.getMessage().contains("vocabSize 13"), e.getMessage());
    }

    @Test
    void digammaMatchesKnownValues() {
        double eulerGamma = 0.5772156649015329;
        assertEquals(-eulerGamma, UnigramTrainer.digamma(1), 1e-10);
        assertEquals(-eulerGamma - 2 * Math.log(2), UnigramTrainer.digamma(0.5), 1e-10);
        assertEquals(1 + 0.5 + 1.0 / 3 - eulerGamma, UnigramTrainer.digamma(4), 1e-10);
        assertEquals(Math.log(1000.0) - 1 / 2000.0 - 1 / 12e6, UnigramTrainer.digamma(1000), 1e-10);
    }
}
