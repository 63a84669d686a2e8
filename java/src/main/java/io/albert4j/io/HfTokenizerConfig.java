package io.albert4j.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.albert4j.tokenizer.AlbertTokenizer;
import io.albert4j.tokenizer.AlbertTokenizerSettings;
import io.albert4j.tokenizer.SentencePieceProcessor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * HF's tokenizer files of an ALBERT model folder, written next to {@code spiece.model} so that HF's {@code
 * AutoTokenizer.from_pretrained(DIR)} picks the folder up as it does a hub ALBERT, and read back into {@link
 * AlbertTokenizerSettings}:
 * <ul>
 *   <li>{@code tokenizer_config.json}: {@code tokenizer_class} AlbertTokenizer, {@code do_lower_case}, {@code
 *       remove_space}, {@code keep_accents}, {@code model_max_length}, the special tokens and, as HF 4.34+ writes
 *       it, {@code added_tokens_decoder} (the special pieces by id, {@code [MASK]} with {@code lstrip}: HF's
 *       AlbertTokenizer makes it an AddedToken that eats the space before it);</li>
 *   <li>{@code special_tokens_map.json}: the special tokens alone.</li>
 * </ul>
 * Reading takes the special tokens from either file (a token may be a string or HF's {@code {"content": ...}}
 * object), special_tokens_map.json winning as in HF; a folder without either file gets ALBERT's defaults.
 */
public final class HfTokenizerConfig {
    public static final String TOKENIZER_CONFIG_FILE = "tokenizer_config.json";
    public static final String SPECIAL_TOKENS_FILE = "special_tokens_map.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private HfTokenizerConfig() {
    }

    // ---- reading --------------------------------------------------------------------------------------------

    /** The settings of the tokenizer files in {@code dir}; empty when it has neither file. */
    public static Optional<AlbertTokenizerSettings> read(Path dir) {
        Path configFile = dir.resolve(TOKENIZER_CONFIG_FILE);
        Path tokensFile = dir.resolve(SPECIAL_TOKENS_FILE);
        boolean hasConfig = Files.isRegularFile(configFile);
        boolean hasTokens = Files.isRegularFile(tokensFile);
        if (!hasConfig && !hasTokens) {
            return Optional.empty();
        }
        AlbertTokenizerSettings d = AlbertTokenizerSettings.ALBERT;
        ObjectNode config = hasConfig ? readObject(configFile) : JSON.createObjectNode();
        ObjectNode tokens = hasTokens ? readObject(tokensFile) : JSON.createObjectNode();
        return Optional.of(new AlbertTokenizerSettings(
                bool(configFile, config, "do_lower_case", d.doLowerCase()),
                bool(configFile, config, "keep_accents", d.keepAccents()),
                bool(configFile, config, "remove_space", d.removeSpace()),
                token(configFile, config, tokensFile, tokens, "unk_token", d.unkToken()),
                token(configFile, config, tokensFile, tokens, "pad_token", d.padToken()),
                token(configFile, config, tokensFile, tokens, "cls_token", d.clsToken()),
                token(configFile, config, tokensFile, tokens, "sep_token", d.sepToken()),
                token(configFile, config, tokensFile, tokens, "mask_token", d.maskToken())));
    }

    /** The settings {@code dir}'s tokenizer files give, else ALBERT's defaults. */
    public static AlbertTokenizerSettings readOrDefault(Path dir) {
        return read(dir).orElse(AlbertTokenizerSettings.ALBERT);
    }

    /** The tokenizer of a model folder: {@code spiece.model} with the settings of its tokenizer files. */
    public static AlbertTokenizer loadTokenizer(Path dir) throws IOException {
        Path spiece = dir.resolve(HfModelDirectory.TOKENIZER_FILE);
        if (!Files.isRegularFile(spiece)) {
            throw new IOException(dir + ": no tokenizer (" + HfModelDirectory.TOKENIZER_FILE + " is missing)");
        }
        return AlbertTokenizer.load(spiece, readOrDefault(dir));
    }

    private static ObjectNode readObject(Path file) {
        try {
            JsonNode node = JSON.readTree(file.toFile());
            if (node == null || !node.isObject()) {
                throw new CheckpointException(file, "is not a JSON object");
            }
            return (ObjectNode) node;
        } catch (JacksonException e) {
            throw new CheckpointException(file, "is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot read: " + e, e);
        }
    }

    private static boolean bool(Path file, ObjectNode node, String key, boolean fallback) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isBoolean()) {
            throw new CheckpointException(file, "\"" + key + "\" is " + value + ", not true or false");
        }
        return value.booleanValue();
    }

    private static String token(Path configFile, ObjectNode config, Path tokensFile, ObjectNode tokens, String key,
                                String fallback) {
        if (tokens.hasNonNull(key)) {
            return tokenText(tokensFile, key, tokens.get(key));
        }
        if (config.hasNonNull(key)) {
            return tokenText(configFile, key, config.get(key));
        }
        return fallback;
    }

    private static String tokenText(Path file, String key, JsonNode value) {
        if (value.isTextual()) {
            return value.textValue();
        }
        if (value.isObject() && value.path("content").isTextual()) {
            return value.get("content").textValue();
        }
        throw new CheckpointException(file, "\"" + key + "\" is " + value
                + ", not a string or an object with a \"content\" string");
    }

    // ---- writing --------------------------------------------------------------------------------------------

    /**
     * Writes both files into {@code dir} for the SentencePiece model {@code spiece} (its piece ids go into {@code
     * added_tokens_decoder}); {@code modelMaxLength} is the model's max_position_embeddings.
     */
    public static void write(Path dir, Path spiece, AlbertTokenizerSettings settings, int modelMaxLength)
            throws IOException {
        SentencePieceProcessor spm;
        try {
            spm = SentencePieceProcessor.load(spiece);
        } catch (IOException | RuntimeException e) {
            spm = null; // not a model albert4j can parse: the ids are unknown, HF derives them from the file
        }
        Files.writeString(dir.resolve(TOKENIZER_CONFIG_FILE),
                JSON.writeValueAsString(tokenizerConfig(spm, settings, modelMaxLength)) + "\n");
        Files.writeString(dir.resolve(SPECIAL_TOKENS_FILE),
                JSON.writeValueAsString(specialTokensMap(settings)) + "\n");
    }

    static ObjectNode tokenizerConfig(SentencePieceProcessor spm, AlbertTokenizerSettings s, int modelMaxLength) {
        ObjectNode root = JSON.createObjectNode();
        if (spm != null) {
            ObjectNode added = root.putObject("added_tokens_decoder");
            // Each distinct special piece once, by id (bos = cls and eos = sep, as HF's ALBERT defaults).
            Map<Integer, String> byId = new TreeMap<>();
            for (String piece : specialTokens(s).values()) {
                int id = spm.findPiece(piece);
                if (id >= 0) {
                    byId.put(id, piece);
                }
            }
            byId.forEach((id, piece) -> added.set(Integer.toString(id), addedToken(piece, s, true)));
        }
        root.put("bos_token", s.clsToken());
        root.put("clean_up_tokenization_spaces", true);
        root.put("cls_token", s.clsToken());
        root.put("do_lower_case", s.doLowerCase());
        root.put("eos_token", s.sepToken());
        root.put("keep_accents", s.keepAccents());
        root.put("mask_token", s.maskToken());
        root.put("model_max_length", modelMaxLength);
        root.put("pad_token", s.padToken());
        root.put("remove_space", s.removeSpace());
        root.put("sep_token", s.sepToken());
        root.putObject("sp_model_kwargs");
        root.put("tokenizer_class", "AlbertTokenizer");
        root.put("unk_token", s.unkToken());
        return root;
    }

    static ObjectNode specialTokensMap(AlbertTokenizerSettings s) {
        ObjectNode root = JSON.createObjectNode();
        root.put("bos_token", s.clsToken());
        root.put("cls_token", s.clsToken());
        root.put("eos_token", s.sepToken());
        root.set("mask_token", addedToken(s.maskToken(), s, false));
        root.put("pad_token", s.padToken());
        root.put("sep_token", s.sepToken());
        root.put("unk_token", s.unkToken());
        return root;
    }

    /** HF's serialised AddedToken; only [MASK] strips the space on its left (AlbertTokenizer's lstrip=True). */
    private static ObjectNode addedToken(String piece, AlbertTokenizerSettings s, boolean withSpecial) {
        ObjectNode token = JSON.createObjectNode();
        token.put("content", piece);
        token.put("lstrip", piece.equals(s.maskToken()));
        token.put("normalized", false);
        token.put("rstrip", false);
        token.put("single_word", false);
        if (withSpecial) {
            token.put("special", true);
        }
        return token;
    }

    private static Map<String, String> specialTokens(AlbertTokenizerSettings s) {
        Map<String, String> tokens = new LinkedHashMap<>();
        tokens.put("pad_token", s.padToken());
        tokens.put("unk_token", s.unkToken());
        tokens.put("cls_token", s.clsToken());
        tokens.put("sep_token", s.sepToken());
        tokens.put("mask_token", s.maskToken());
        return tokens;
    }
}
