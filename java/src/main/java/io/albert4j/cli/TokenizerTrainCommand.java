package io.albert4j.cli;

import io.albert4j.data.CorpusFiles;
import io.albert4j.data.CorpusFormat;
import io.albert4j.data.SentencePieceTraining;
import io.albert4j.tokenizer.SentencePieceModel;
import io.albert4j.tokenizer.UnigramTrainerConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code albert tokenizer train}: a SentencePiece unigram model with ALBERT's special pieces from plain-text files
 * (one sentence per line), written as {@code PREFIX.model} and {@code PREFIX.vocab} like spm_train.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a SentencePiece unigram model (ALBERT ids: <pad> 0, <unk> 1, [CLS] 2, [SEP] 3, [MASK] 4).")
final class TokenizerTrainCommand implements Callable<Integer> {
    @Option(names = "--corpus", required = true, split = ",",
            description = "Text files or folders (read recursively, sorted; hidden files left out), one sentence per line.")
    List<Path> corpus;

    @Option(names = "--vocab-size", required = true, description = "Total pieces, special ones included.")
    int vocabSize;

    @Option(names = "--model-prefix", description = "Writes PREFIX.model and PREFIX.vocab.")
    String modelPrefix;

    @Option(names = "--out", description = "The .model file to write (a .vocab is written next to it).")
    Path out;

    @Option(names = "--max-sentences", description = "Read at most this many sentences (default ${DEFAULT-VALUE}).",
            defaultValue = "10000000")
    long maxSentences;

    @Option(names = "--character-coverage", defaultValue = "0.99995",
            description = "Share of character occurrences to cover (default ${DEFAULT-VALUE}, as ALBERT).")
    double characterCoverage;

    @Option(names = "--format", defaultValue = "SENTENCE_PER_LINE",
            description = "SENTENCE_PER_LINE (default) or PROSE (each line a paragraph, split into sentences).")
    CorpusFormat format;

    @Option(names = "--albert-preprocess", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Train on ALBERT-preprocessed text (whitespace collapsed, accents stripped, lower-cased), "
                    + "as AlbertTokenizer sees it when encoding; default on. --no-albert-preprocess trains on the "
                    + "raw text, as spm_train does.")
    boolean albertPreprocess;

    @Override
    public Integer call() throws Exception {
        if ((modelPrefix == null) == (out == null)) {
            throw new IllegalArgumentException("give exactly one of --model-prefix or --out");
        }
        Path modelFile = out != null ? out : Path.of(modelPrefix + ".model");
        if (!format.isText()) {
            throw new IllegalArgumentException("--format " + format + ": a tokenizer trains on text");
        }
        long start = System.nanoTime();
        SentencePieceModel model;
        try (TokenizerProgress progress = new TokenizerProgress()) {
            UnigramTrainerConfig config = UnigramTrainerConfig.albert(vocabSize).withCharacterCoverage(characterCoverage)
                    .withMaxSentences(maxSentences).withProgress(progress);
            model = SentencePieceTraining.train(CorpusFiles.list(corpus), format, config, albertPreprocess);
        }
        SentencePieceTraining.save(model, modelFile);
        printWritten(modelFile, model, start);
        return 0;
    }

    /** The line spm_train users expect once the model and vocab are on disk. */
    static void printWritten(Path modelFile, SentencePieceModel model, long startNanos) {
        System.out.printf(Locale.ROOT, "wrote %s and %s: %d pieces in %.1f s%n", modelFile,
                SentencePieceTraining.vocabFileOf(modelFile), model.pieces().size(), (System.nanoTime() - startNanos) / 1e9);
    }
}
