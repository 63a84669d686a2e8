package io.albert4j.tokenizer;

import java.util.List;

/**
 * Settings of {@link UnigramTrainer}, named and defaulted like {@code spm_train}'s flags with ALBERT's choices
 * (albert-spec §3): {@code <pad>} 0, {@code <unk>} 1, control symbols [CLS] [SEP] [MASK], then the user-defined
 * symbols, then the learned pieces. Use {@link #albert(int)} and the {@code with...} methods.
 *
 * @param vocabSize            total pieces, special ones included
 * @param characterCoverage    share of character occurrences the vocabulary must cover; rarer characters become unknown
 * @param maxPieceLength       longest piece in characters ({@code max_sentencepiece_length})
 * @param seedSize             most seed pieces before EM ({@code seed_sentencepiece_size})
 * @param shrinkingFactor      share of pieces kept by each pruning round
 * @param subIterations        EM iterations between prunings ({@code num_sub_iterations})
 * @param maxSentences         most input sentences read ({@code input_sentence_size}; the first ones, not a sample)
 * @param maxSentenceBytes     longer sentences are skipped, as spm does ({@code max_sentence_length})
 * @param controlSymbols       control pieces after {@code <pad>} and {@code <unk>}
 * @param userDefinedSymbols   pieces always cut out of the text as one token
 * @param progress             told about each stage; {@link Progress#NONE} for silence
 */
public record UnigramTrainerConfig(int vocabSize, double characterCoverage, int maxPieceLength, int seedSize,
        double shrinkingFactor, int subIterations, long maxSentences, int maxSentenceBytes,
        List<String> controlSymbols, List<String> userDefinedSymbols, Progress progress) {

    /** ALBERT's spm_train flags (README): control [CLS] [SEP] [MASK] and these 8 user-defined symbols. */
    public static final List<String> ALBERT_CONTROL_SYMBOLS = List.of("[CLS]", "[SEP]", "[MASK]");
    public static final List<String> ALBERT_USER_DEFINED_SYMBOLS = List.of("(", ")", "\"", "-", ".", "\u2013", "\u00a3",
            "\u20ac");

    /** Receives training progress: a stage name, the units done and the units in that stage. */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = (stage, done, total, detail) -> { };

        void update(String stage, long done, long total, String detail);

        /** Training is over, done or failed: a display may close (a progress bar gives the terminal back). */
        default void finished() {
        }
    }

    public UnigramTrainerConfig {
        if (vocabSize <= 0) {
            throw new IllegalArgumentException("unigram trainer: vocabSize must be > 0, got " + vocabSize);
        }
        if (!(characterCoverage > 0 && characterCoverage <= 1)) {
            throw new IllegalArgumentException("unigram trainer: characterCoverage must be in (0, 1], got "
                    + characterCoverage);
        }
        if (maxPieceLength < 1 || seedSize < 1 || subIterations < 1 || maxSentences < 1 || maxSentenceBytes < 1) {
            throw new IllegalArgumentException("unigram trainer: maxPieceLength, seedSize, subIterations, maxSentences"
                    + " and maxSentenceBytes must be >= 1, got " + maxPieceLength + ", " + seedSize + ", "
                    + subIterations + ", " + maxSentences + ", " + maxSentenceBytes);
        }
        if (!(shrinkingFactor > 0 && shrinkingFactor < 1)) {
            throw new IllegalArgumentException("unigram trainer: shrinkingFactor must be in (0, 1), got "
                    + shrinkingFactor);
        }
        controlSymbols = List.copyOf(controlSymbols);
        userDefinedSymbols = List.copyOf(userDefinedSymbols);
        for (String symbol : userDefinedSymbols) {
            if (symbol.isEmpty()) {
                throw new IllegalArgumentException("unigram trainer: empty user-defined symbol");
            }
        }
        progress = progress == null ? Progress.NONE : progress;
        int special = 2 + controlSymbols.size() + userDefinedSymbols.size();
        if (vocabSize <= special) {
            throw new IllegalArgumentException("unigram trainer: vocabSize " + vocabSize + " leaves no room for"
                    + " learned pieces after the " + special + " special pieces");
        }
    }

    /** ALBERT's settings (character coverage 0.99995) for a vocabulary of {@code vocabSize} pieces. */
    public static UnigramTrainerConfig albert(int vocabSize) {
        return new UnigramTrainerConfig(vocabSize, 0.99995, 16, 1_000_000, 0.75, 2, 10_000_000, 4192,
                ALBERT_CONTROL_SYMBOLS, ALBERT_USER_DEFINED_SYMBOLS, Progress.NONE);
    }

    public UnigramTrainerConfig withCharacterCoverage(double coverage) {
        return new UnigramTrainerConfig(vocabSize, coverage, maxPieceLength, seedSize, shrinkingFactor, subIterations,
                maxSentences, maxSentenceBytes, controlSymbols, userDefinedSymbols, progress);
    }

    public UnigramTrainerConfig withMaxSentences(long limit) {
        return new UnigramTrainerConfig(vocabSize, characterCoverage, maxPieceLength, seedSize, shrinkingFactor,
                subIterations, limit, maxSentenceBytes, controlSymbols, userDefinedSymbols, progress);
    }

    public UnigramTrainerConfig withSymbols(List<String> control, List<String> userDefined) {
        return new UnigramTrainerConfig(vocabSize, characterCoverage, maxPieceLength, seedSize, shrinkingFactor,
                subIterations, maxSentences, maxSentenceBytes, control, userDefined, progress);
    }

    public UnigramTrainerConfig withProgress(Progress listener) {
        return new UnigramTrainerConfig(vocabSize, characterCoverage, maxPieceLength, seedSize, shrinkingFactor,
                subIterations, maxSentences, maxSentenceBytes, controlSymbols, userDefinedSymbols, listener);
    }
}
