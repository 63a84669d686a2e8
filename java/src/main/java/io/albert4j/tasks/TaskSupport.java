package io.albert4j.tasks;

import io.albert4j.albert.AlbertConfig;
import io.albert4j.io.HfModelDirectory;
import io.albert4j.io.HfTokenizerConfig;
import io.albert4j.tokenizer.AlbertTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Checks and loads every task shares. */
final class TaskSupport {
    private TaskSupport() {
    }

    /** The tokenizer of a pretrained model directory, with its tokenizer_config.json settings when it has them. */
    static AlbertTokenizer tokenizerOf(Path pretrainedDir) {
        Path spiece = pretrainedDir.resolve(HfModelDirectory.TOKENIZER_FILE);
        if (!Files.isRegularFile(spiece)) {
            throw new TaskDataException(pretrainedDir + ": no " + HfModelDirectory.TOKENIZER_FILE
                    + " (the tokenizer the model was pretrained with)");
        }
        AlbertTokenizer tokenizer;
        try {
            tokenizer = AlbertTokenizer.load(spiece, HfTokenizerConfig.readOrDefault(pretrainedDir));
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
        AlbertConfig.read(pretrainedDir.resolve(HfModelDirectory.CONFIG_FILE))
                .requireTokenizerFits(tokenizer.vocabSize(), spiece);
        return tokenizer;
    }

    /** A sequence longer than the position table cannot be embedded: refuse before any work. */
    static void checkPositions(Path pretrainedDir, int maxSeqLength) {
        AlbertConfig config = AlbertConfig.read(pretrainedDir.resolve(HfModelDirectory.CONFIG_FILE));
        if (maxSeqLength > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("max sequence length " + maxSeqLength + " exceeds "
                    + pretrainedDir.resolve(HfModelDirectory.CONFIG_FILE) + "'s max_position_embeddings "
                    + config.maxPositionEmbeddings());
        }
    }

    /** Tokens in the given training features (for the progress bar's tokens/s). */
    static long tokens(List<? extends TokenizedFeature> train, int[] features) {
        long n = 0;
        for (int f : features) {
            n += train.get(f).ids().length;
        }
        return n;
    }

    /** The longest of the given features: the width a batch of them is padded to. */
    static int width(List<? extends TokenizedFeature> train, int[] features) {
        int width = 0;
        for (int f : features) {
            width = Math.max(width, train.get(f).ids().length);
        }
        return width;
    }
}
