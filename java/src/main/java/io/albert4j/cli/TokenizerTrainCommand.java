package io.albert4j.cli;

import io.albert4j.tokenizer.AlbertTokenizer;

import io.albert4j.data.CorpusFormat;
import io.albert4j.data.SentenceSplitter;
import io.albert4j.tokenizer.SentencePieceModel;
import io.albert4j.tokenizer.UnigramTrainer;
import io.albert4j.tokenizer.UnigramTrainerConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
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
            description = "Text files or folders (read recursively, sorted), one sentence per line.")
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
        String name = modelFile.getFileName().toString();
        Path vocabFile = modelFile.resolveSibling((name.endsWith(".model") ? name.substring(0, name.length() - 6) : name)
                + ".vocab");
        List<Path> files = corpusFiles(corpus);
        long start = System.nanoTime();
        SentencePieceModel model;
        try (Reporter reporter = new Reporter()) {
            UnigramTrainerConfig config = UnigramTrainerConfig.albert(vocabSize).withCharacterCoverage(characterCoverage)
                    .withMaxSentences(maxSentences).withProgress(reporter);
            try (Stream<String> raw = sentences(files, format);
                 Stream<String> sentences = albertPreprocess
                         ? raw.map(line -> AlbertTokenizer.preprocess(line, true)) : raw) {
                model = UnigramTrainer.train(sentences, config);
            }
        }
        if (modelFile.toAbsolutePath().getParent() != null) {
            Files.createDirectories(modelFile.toAbsolutePath().getParent());
        }
        model.save(modelFile, vocabFile);
        System.out.printf(Locale.ROOT, "wrote %s and %s: %d pieces in %.1f s%n", modelFile, vocabFile,
                model.pieces().size(), (System.nanoTime() - start) / 1e9);
        return 0;
    }

    /** The corpus files in order; a missing path or a folder without files is an error naming it. */
    static List<Path> corpusFiles(List<Path> roots) throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path root : roots) {
            if (Files.isDirectory(root)) {
                try (Stream<Path> walk = Files.walk(root)) {
                    List<Path> found = walk.filter(Files::isRegularFile).sorted().toList();
                    if (found.isEmpty()) {
                        throw new IllegalArgumentException("corpus folder '" + root + "' holds no files");
                    }
                    files.addAll(found);
                }
            } else if (Files.isRegularFile(root)) {
                files.add(root);
            } else {
                throw new IllegalArgumentException("corpus '" + root + "' does not exist");
            }
        }
        return files;
    }

    /** The sentences of all files, read lazily; malformed UTF-8 becomes U+FFFD. */
    private static Stream<String> sentences(List<Path> files, CorpusFormat format) {
        return files.stream().flatMap(file -> {
            BufferedReader reader;
            try {
                reader = new BufferedReader(new InputStreamReader(Files.newInputStream(file),
                        StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                                .onUnmappableCharacter(CodingErrorAction.REPLACE)));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read corpus file " + file + ": " + e.getMessage(), e);
            }
            Stream<String> lines = reader.lines().onClose(() -> {
                try {
                    reader.close();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            return format == CorpusFormat.PROSE ? lines.flatMap(line -> SentenceSplitter.split(line).stream()) : lines;
        });
    }

    /** A progress bar for the EM rounds on a terminal, plain stderr lines otherwise. */
    private static final class Reporter implements UnigramTrainerConfig.Progress, AutoCloseable {
        private final boolean terminal = System.console() != null && System.console().isTerminal();
        private ProgressBar bar;

        @Override
        public void update(String stage, long done, long total, String detail) {
            if (terminal && stage.equals("EM")) {
                if (bar == null) {
                    bar = new ProgressBarBuilder().setTaskName("unigram EM").setInitialMax(total).build();
                }
                bar.maxHint(total);
                bar.stepTo(done);
                bar.setExtraMessage(detail);
                return;
            }
            if (stage.equals("reading") && done != total) {
                if (!terminal) {
                    return; // one line at the end of reading is enough in logs
                }
            }
            System.err.println(stage + (total > 0 ? " " + done + "/" + total : "") + ": " + detail);
        }

        @Override
        public void close() {
            if (bar != null) {
                bar.close();
            }
        }
    }
}
