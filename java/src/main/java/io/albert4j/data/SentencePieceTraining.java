package io.albert4j.data;

import io.albert4j.tokenizer.AlbertTokenizer;
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
import java.util.List;
import java.util.stream.Stream;

/**
 * A SentencePiece unigram model trained on corpus files, as spm_train does, with ALBERT's special pieces: what
 * {@code albert tokenizer train} runs, and a pretraining run that is given no tokenizer
 * ({@code io.albert4j.train.PretrainingRun}).
 */
public final class SentencePieceTraining {
    private SentencePieceTraining() {
    }

    /**
     * Trains on the sentences of {@code files}, read lazily (malformed UTF-8 becomes U+FFFD; PROSE lines are split
     * into sentences). With {@code albertPreprocess} the text is trained on as {@link AlbertTokenizer} sees it when
     * encoding (whitespace collapsed, accents stripped, lower-cased); without it, raw, as spm_train does.
     */
    public static SentencePieceModel train(List<Path> files, CorpusFormat format, UnigramTrainerConfig config,
                                           boolean albertPreprocess) {
        try (Stream<String> raw = sentences(files, format);
             Stream<String> sentences = albertPreprocess
                     ? raw.map(line -> AlbertTokenizer.preprocess(line, true)) : raw) {
            return UnigramTrainer.train(sentences, config);
        }
    }

    /** Writes {@code modelFile} and spm's {@link #vocabFileOf vocab file} beside it, creating the folder. */
    public static void save(SentencePieceModel model, Path modelFile) throws IOException {
        Path parent = modelFile.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        model.save(modelFile, vocabFileOf(modelFile));
    }

    /** {@code NAME.model} → {@code NAME.vocab}, as spm_train names them. */
    public static Path vocabFileOf(Path modelFile) {
        String name = modelFile.getFileName().toString();
        return modelFile.resolveSibling((name.endsWith(".model") ? name.substring(0, name.length() - 6) : name)
                + ".vocab");
    }

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
            // Text has no NUL byte; a binary file (a prepared shard, say) would train a vocabulary of garbage.
            lines = lines.peek(line -> {
                if (line.indexOf('\0') >= 0) {
                    throw new DataException("corpus file '" + file + "' holds a 0x00 byte: it is a binary file, "
                            + "not text");
                }
            });
            return format == CorpusFormat.PROSE ? lines.flatMap(line -> SentenceSplitter.split(line).stream()) : lines;
        });
    }
}
