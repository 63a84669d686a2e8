package io.albert4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.albert4j.tensor.Tensor;
import io.albert4j.tokenizer.AlbertTokenizer;
import io.albert4j.tokenizer.AlbertTokenizerSettings;
import io.albert4j.testing.TestResources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HF's tokenizer files beside spiece.model: written as HF writes them for ALBERT, and read back. */
class HfTokenizerConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path savedModel() throws IOException {
        Path spiece = TestResources.file("/tokenizer/sotu8k.model");
        Map<String, Tensor> parameters = HfModelDirectoryTest.parameters(new SplittableRandom(1));
        ObjectNode config = JSON.createObjectNode().put("model_type", "albert").put("max_position_embeddings", 64);
        Path model = dir.resolve("model");
        HfModelDirectory.save(model, config, parameters, spiece);
        return model;
    }

    @Test
    void aSavedModelHasHfsTokenizerFiles() throws IOException {
        Path model = savedModel();
        JsonNode config = JSON.readTree(model.resolve("tokenizer_config.json").toFile());
        assertEquals("AlbertTokenizer", config.get("tokenizer_class").asText());
        assertTrue(config.get("do_lower_case").asBoolean());
        assertFalse(config.get("keep_accents").asBoolean());
        assertTrue(config.get("remove_space").asBoolean());
        assertEquals(64, config.get("model_max_length").asInt());
        assertEquals("[CLS]", config.get("cls_token").asText());
        assertEquals("[CLS]", config.get("bos_token").asText());
        assertEquals("[SEP]", config.get("eos_token").asText());
        // The special pieces by their ids in sotu8k.model (<pad> 0, <unk> 1, [CLS] 2, [SEP] 3, [MASK] 4).
        JsonNode added = config.get("added_tokens_decoder");
        assertEquals("[MASK]", added.get("4").get("content").asText());
        assertTrue(added.get("4").get("lstrip").asBoolean(), "HF's ALBERT [MASK] strips the space before it");
        assertFalse(added.get("2").get("lstrip").asBoolean());
        assertEquals("<pad>", added.get("0").get("content").asText());

        JsonNode tokens = JSON.readTree(model.resolve("special_tokens_map.json").toFile());
        assertEquals("<unk>", tokens.get("unk_token").asText());
        assertEquals("[MASK]", tokens.get("mask_token").get("content").asText());
        assertTrue(tokens.get("mask_token").get("lstrip").asBoolean());

        assertEquals(AlbertTokenizerSettings.ALBERT, HfTokenizerConfig.read(model).orElseThrow());
    }

    @Test
    void settingsReadBackChangeTheTokenizerAndSurviveAResave() throws IOException {
        Path model = savedModel();
        ObjectNode config = (ObjectNode) JSON.readTree(model.resolve("tokenizer_config.json").toFile());
        config.put("do_lower_case", false).put("keep_accents", true);
        Files.writeString(model.resolve("tokenizer_config.json"), config.toString());
        AlbertTokenizerSettings settings = HfTokenizerConfig.read(model).orElseThrow();
        assertFalse(settings.doLowerCase());
        assertTrue(settings.keepAccents());
        AlbertTokenizer cased = HfTokenizerConfig.loadTokenizer(model);
        assertEquals("Café", cased.preprocess("Café"));
        assertEquals("cafe", AlbertTokenizer.load(model.resolve("spiece.model")).preprocess("Café"));

        // Re-saving with this folder's spiece.model keeps its settings.
        Path again = dir.resolve("again");
        HfModelDirectory.save(again, JSON.createObjectNode(), HfModelDirectoryTest.parameters(new SplittableRandom(2)),
                model.resolve("spiece.model"));
        assertEquals(settings, HfTokenizerConfig.read(again).orElseThrow());
    }

    @Test
    void tokensMayBeObjectsAndTheMapWins() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("f"));
        Files.writeString(folder.resolve("tokenizer_config.json"),
                "{\"mask_token\": {\"content\": \"<mask>\", \"lstrip\": true}, \"cls_token\": \"<s>\"}");
        Files.writeString(folder.resolve("special_tokens_map.json"), "{\"cls_token\": \"<cls>\"}");
        AlbertTokenizerSettings s = HfTokenizerConfig.read(folder).orElseThrow();
        assertEquals("<mask>", s.maskToken());
        assertEquals("<cls>", s.clsToken());
        assertEquals("[SEP]", s.sepToken(), "defaults for what neither file says");
        assertTrue(HfTokenizerConfig.read(Files.createDirectories(dir.resolve("none"))).isEmpty());
    }

    @Test
    void brokenFilesAreNamed() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("b"));
        Path file = Files.writeString(folder.resolve("tokenizer_config.json"), "{\"do_lower_case\": \"yes\"}");
        CheckpointException e = assertThrows(CheckpointException.class, () -> HfTokenizerConfig.read(folder));
        assertEquals(file + ": \"do_lower_case\" is \"yes\", not true or false", e.getMessage());
        Files.writeString(file, "{\"mask_token\": 4}");
        e = assertThrows(CheckpointException.class, () -> HfTokenizerConfig.read(folder));
        assertTrue(e.getMessage().contains("\"mask_token\" is 4"), e.getMessage());
        Files.writeString(file, "[1");
        e = assertThrows(CheckpointException.class, () -> HfTokenizerConfig.read(folder));
        assertTrue(e.getMessage().contains("is not valid JSON"), e.getMessage());
    }
}
