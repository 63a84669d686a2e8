package io.albert4j.cli;

import io.albert4j.albert.AlbertConfig;
import io.albert4j.io.HfModelDirectory;
import io.albert4j.io.HfTokenizerConfig;
import io.albert4j.tokenizer.AlbertTokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The tokenizer of a command that takes {@code --model DIR [--tokenizer FILE]}: the explicit one, else DIR's
 * spiece.model; either way with the settings of DIR's tokenizer_config.json / special_tokens_map.json when it has
 * them (e.g. a cased model), ALBERT's otherwise.
 */
final class ModelTokenizer {
    private ModelTokenizer() {
    }

    static AlbertTokenizer load(Path modelDir, Path explicit) throws IOException {
        Path spiece = explicit != null ? explicit : modelDir.resolve(HfModelDirectory.TOKENIZER_FILE);
        if (explicit == null && !Files.isDirectory(modelDir)) {
            throw new IllegalArgumentException(modelDir + ": no such model folder");
        }
        if (Files.isDirectory(spiece)) {
            throw new IllegalArgumentException(spiece + " is a folder, not a SentencePiece model");
        }
        if (!Files.isRegularFile(spiece)) {
            throw new IllegalArgumentException("no tokenizer: " + spiece + " does not exist (pass --tokenizer)");
        }
        AlbertTokenizer tokenizer = AlbertTokenizer.load(spiece, HfTokenizerConfig.readOrDefault(modelDir));
        Path config = modelDir.resolve(HfModelDirectory.CONFIG_FILE);
        if (Files.isRegularFile(config)) {
            AlbertConfig.read(config).requireTokenizerFits(tokenizer.vocabSize(), spiece);
        }
        return tokenizer;
    }
}
