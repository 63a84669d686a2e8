package io.albert4j.tokenizer;

import java.util.Objects;

/**
 * How an {@link AlbertTokenizer} pre-processes text and which pieces are its special tokens: the arguments of HF's
 * {@code AlbertTokenizer} that its {@code tokenizer_config.json} and {@code special_tokens_map.json} hold
 * ({@code io.albert4j.io.HfTokenizerConfig} reads and writes them).
 *
 * @param doLowerCase lower-case the text (all released English ALBERTs are uncased)
 * @param keepAccents keep accents: no NFKD decomposition, combining marks kept
 * @param removeSpace collapse runs of whitespace and trim, as GR's {@code preprocess_text}
 */
public record AlbertTokenizerSettings(boolean doLowerCase, boolean keepAccents, boolean removeSpace,
                                      String unkToken, String padToken, String clsToken, String sepToken,
                                      String maskToken) {
    /** ALBERT's released settings: uncased, accents stripped, {@code <unk> <pad> [CLS] [SEP] [MASK]}. */
    public static final AlbertTokenizerSettings ALBERT = new AlbertTokenizerSettings(true, false, true, "<unk>",
            "<pad>", "[CLS]", "[SEP]", "[MASK]");

    public AlbertTokenizerSettings {
        Objects.requireNonNull(unkToken, "unkToken");
        Objects.requireNonNull(padToken, "padToken");
        Objects.requireNonNull(clsToken, "clsToken");
        Objects.requireNonNull(sepToken, "sepToken");
        Objects.requireNonNull(maskToken, "maskToken");
    }

    public AlbertTokenizerSettings withDoLowerCase(boolean value) {
        return new AlbertTokenizerSettings(value, keepAccents, removeSpace, unkToken, padToken, clsToken, sepToken,
                maskToken);
    }

    public AlbertTokenizerSettings withKeepAccents(boolean value) {
        return new AlbertTokenizerSettings(doLowerCase, value, removeSpace, unkToken, padToken, clsToken, sepToken,
                maskToken);
    }
}
