package io.albert4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.albert4j.tensor.Tensor;
import io.albert4j.testing.KilledJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfModelDirectoryTest {
    @TempDir
    Path dir;

    private final SplittableRandom random = new SplittableRandom(7);

    private Tensor random(int... shape) {
        return random(random, shape);
    }

    private static Tensor random(SplittableRandom random, int... shape) {
        float[] v = new float[(int) Tensor.numelOf(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return Tensor.ofFloats(v, shape);
    }

    private Map<String, Tensor> parameters() {
        return parameters(random);
    }

    /** A few AlbertForPreTraining parameters with HF names, V=11, E=4, H=6. */
    static Map<String, Tensor> parameters(SplittableRandom random) {
        Map<String, Tensor> p = new LinkedHashMap<>();
        p.put("albert.embeddings.word_embeddings.weight", random(random, 11, 4));
        p.put("albert.embeddings.LayerNorm.weight", random(random, 4));
        p.put("albert.encoder.embedding_hidden_mapping_in.weight", random(random, 6, 4));
        p.put("albert.pooler.weight", random(random, 6, 6));
        p.put("albert.pooler.bias", random(random, 6));
        p.put("predictions.bias", random(random, 11));
        p.put("predictions.dense.weight", random(random, 4, 6));
        return p;
    }

    private static Map<String, Tensor> zerosLike(Map<String, Tensor> p) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        p.forEach((k, v) -> out.put(k, Tensor.ofFloats(new float[(int) v.numel()], v.shape())));
        return out;
    }

    private static ObjectNode config() {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.put("model_type", "albert").put("hidden_size", 6).put("embedding_size", 4).put("vocab_size", 11);
        return c;
    }

    @Test
    void savedDirectoryLoadsBackWithHfAliasesAndTokenizer() throws IOException {
        Path spiece = Files.writeString(dir.resolve("source.model"), "not really a sentencepiece model");
        Map<String, Tensor> saved = parameters();
        Path model = dir.resolve("model");
        HfModelDirectory.save(model, config(), saved, spiece);

        assertEquals(6, HfModelDirectory.readConfig(model).get("hidden_size").asInt());
        assertEquals("not really a sentencepiece model",
                Files.readString(HfModelDirectory.tokenizerModel(model).orElseThrow()));
        try (SafetensorsReader reader = SafetensorsReader.open(model.resolve(HfModelDirectory.WEIGHTS_FILE))) {
            assertTrue(reader.contains("predictions.decoder.bias"), "HF writes the decoder bias alias");
            assertEquals("pt", reader.metadata().get("format"), "transformers refuses files without format=pt");
        }
        Map<String, Tensor> loaded = zerosLike(saved);
        HfModelDirectory.LoadReport report = HfModelDirectory.loadWeights(model, loaded, false);
        for (String name : saved.keySet()) {
            assertArrayEquals(saved.get(name).toFloatArray(), loaded.get(name).toFloatArray(), name);
        }
        assertEquals(List.of("predictions.decoder.bias"), report.ignored());
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "only source.model and model/ remain: " + dir);
        }
    }

    @Test
    void shapeMismatchNamesFileTensorAndBothShapes() throws IOException {
        Map<String, Tensor> saved = parameters();
        saved.put("albert.pooler.weight", random(6, 5));
        HfModelDirectory.save(dir.resolve("m"), config(), saved, null);
        Map<String, Tensor> expected = zerosLike(parameters());
        SafetensorsException e = assertThrows(SafetensorsException.class,
                () -> HfModelDirectory.loadWeights(dir.resolve("m"), expected, false));
        assertTrue(e.getMessage().endsWith("model.safetensors: tensor 'albert.pooler.weight' has shape [6, 5], "
                + "config says [6, 6]"), e.getMessage());
        assertArrayEquals(new float[24], expected.get("albert.encoder.embedding_hidden_mapping_in.weight").toFloatArray(),
                "nothing is copied when the file does not fit");
    }

    @Test
    void aNonFiniteWeightIsRefusedNamingTheTensorAndElement() throws IOException {
        Map<String, Tensor> saved = parameters();
        float[] pooler = saved.get("albert.pooler.weight").toFloatArray();
        pooler[7] = Float.POSITIVE_INFINITY;
        saved.put("albert.pooler.weight", Tensor.ofFloats(pooler, 6, 6));
        HfModelDirectory.save(dir.resolve("m"), config(), saved, null);
        SafetensorsException e = assertThrows(SafetensorsException.class,
                () -> HfModelDirectory.loadWeights(dir.resolve("m"), zerosLike(parameters()), false));
        assertTrue(e.getMessage().endsWith("model.safetensors: tensor 'albert.pooler.weight' holds Infinity at element 7"
                + " of 36 (a non-finite weight makes every output it reaches NaN)"), e.getMessage());
    }

    @Test
    void missingAndUnexpectedTensorsAreReportedByName() throws IOException {
        Map<String, Tensor> saved = parameters();
        saved.remove("albert.pooler.bias");
        saved.put("sop_classifier.classifier.weight", random(2, 6));
        HfModelDirectory.save(dir.resolve("m"), config(), saved, null);

        SafetensorsException missing = assertThrows(SafetensorsException.class,
                () -> HfModelDirectory.loadWeights(dir.resolve("m"), zerosLike(parameters()), false));
        assertTrue(missing.getMessage().contains("missing: [albert.pooler.bias]"), missing.getMessage());

        Map<String, Tensor> expected = zerosLike(parameters());
        expected.remove("albert.pooler.bias");
        SafetensorsException unexpected = assertThrows(SafetensorsException.class,
                () -> HfModelDirectory.loadWeights(dir.resolve("m"), expected, false));
        assertTrue(unexpected.getMessage().contains("[sop_classifier.classifier.weight]"), unexpected.getMessage());

        HfModelDirectory.LoadReport report = HfModelDirectory.loadWeights(dir.resolve("m"), expected, true);
        assertEquals(List.of("sop_classifier.classifier.weight"), report.unexpected());
    }

    @Test
    void hfAliasesAndEncoderOnlyCheckpointsLoad() throws IOException {
        Map<String, Tensor> source = parameters();
        // An AlbertModel checkpoint as HF writes it: no "albert." prefix, a position_ids buffer, plus a head
        // stored under the decoder alias and a tied decoder weight.
        Map<String, Tensor> file = new LinkedHashMap<>();
        source.forEach((k, v) -> {
            if (k.startsWith("albert.")) {
                file.put(k.substring("albert.".length()), v);
            }
        });
        file.put("embeddings.position_ids", Tensor.ofInts(new int[] {0, 1, 2}, 1, 3));
        file.put("predictions.decoder.bias", source.get("predictions.bias"));
        file.put("predictions.decoder.weight", source.get("albert.embeddings.word_embeddings.weight"));
        file.put("predictions.dense.weight", source.get("predictions.dense.weight"));
        Path weights = dir.resolve("w.safetensors");
        SafetensorsWriter.write(weights, file, Map.of());

        Map<String, Tensor> loaded = zerosLike(source);
        HfModelDirectory.LoadReport report = HfModelDirectory.loadWeightsFile(weights, loaded, false);
        for (String name : source.keySet()) {
            assertArrayEquals(source.get(name).toFloatArray(), loaded.get(name).toFloatArray(), name);
        }
        assertEquals("pooler.weight", report.sources().get("albert.pooler.weight"));
        assertEquals("predictions.decoder.bias", report.sources().get("predictions.bias"));
        assertTrue(report.ignored().containsAll(List.of("embeddings.position_ids", "predictions.decoder.weight")));

        // A tied decoder weight must still have the embedding's shape.
        file.put("predictions.decoder.weight", random(11, 5));
        SafetensorsWriter.write(weights, file, Map.of());
        SafetensorsException e = assertThrows(SafetensorsException.class,
                () -> HfModelDirectory.loadWeightsFile(weights, zerosLike(source), false));
        assertTrue(e.getMessage().contains("'predictions.decoder.weight'") && e.getMessage().contains("[11, 5]"),
                e.getMessage());
    }

    @Test
    void tiedCopiesThatDifferAreRefusedNamingBothUnlessNoMlmHeadReadsThem() throws IOException {
        Map<String, Tensor> source = parameters();
        float[] decoder = source.get("albert.embeddings.word_embeddings.weight").toFloatArray();
        decoder[17] += 0.5f;
        decoder[30] = -decoder[30] + 1f;
        Map<String, Tensor> file = new LinkedHashMap<>(source);
        file.put("predictions.decoder.weight", Tensor.ofFloats(decoder, 11, 4));
        Path weights = dir.resolve("untied.safetensors");
        SafetensorsWriter.write(weights, file, Map.of());
        Map<String, Tensor> target = zerosLike(source);
        SafetensorsException e = assertThrows(SafetensorsException.class,
                () -> HfModelDirectory.loadWeightsFile(weights, target, false));
        assertTrue(e.getMessage().contains("untied.safetensors") && e.getMessage().contains("'predictions.decoder.weight'")
                && e.getMessage().contains("'albert.embeddings.word_embeddings.weight'")
                && e.getMessage().contains("2 of 44 elements") && e.getMessage().contains("element 17"), e.getMessage());
        assertArrayEquals(new float[44], target.get("albert.embeddings.word_embeddings.weight").toFloatArray(),
                "refused before anything was copied");

        // The decoder bias alias must match predictions.bias in the same way.
        float[] bias = source.get("predictions.bias").toFloatArray();
        bias[3] = 42f;
        file.put("predictions.decoder.weight", source.get("albert.embeddings.word_embeddings.weight"));
        file.put("predictions.decoder.bias", Tensor.ofFloats(bias, 11));
        SafetensorsWriter.write(weights, file, Map.of());
        e = assertThrows(SafetensorsException.class, () -> HfModelDirectory.loadWeightsFile(weights, zerosLike(source),
                false));
        assertTrue(e.getMessage().contains("'predictions.decoder.bias'") && e.getMessage().contains("'predictions.bias'"),
                e.getMessage());

        // Exact copies (what torch .bin files hold) load; -0.0 and 0.0 are the same value, as for torch.equal.
        float[] signed = source.get("albert.embeddings.word_embeddings.weight").toFloatArray();
        signed[5] = 0f;
        file.put("albert.embeddings.word_embeddings.weight", Tensor.ofFloats(signed.clone(), 11, 4));
        signed[5] = -0f;
        file.put("predictions.decoder.weight", Tensor.ofFloats(signed, 11, 4));
        file.put("predictions.decoder.bias", source.get("predictions.bias"));
        SafetensorsWriter.write(weights, file, Map.of());
        HfModelDirectory.LoadReport report = HfModelDirectory.loadWeightsFile(weights, zerosLike(source), false);
        assertTrue(report.ignored().contains("predictions.decoder.weight"));

        // A model without the MLM head (a classifier from a pretraining checkpoint) never reads the decoder: unused.
        Map<String, Tensor> encoderOnly = new LinkedHashMap<>(source);
        encoderOnly.remove("predictions.bias");
        encoderOnly.remove("predictions.dense.weight");
        file.put("predictions.decoder.weight", Tensor.ofFloats(decoder, 11, 4));
        SafetensorsWriter.write(weights, file, Map.of());
        report = HfModelDirectory.loadWeightsFile(weights, zerosLike(encoderOnly), true);
        assertTrue(report.ignored().contains("predictions.decoder.weight"), report.toString());
    }

    @Test
    void aFolderNamedLikeTheWeightsIsNamedAsSuch() throws IOException {
        Path model = Files.createDirectories(dir.resolve("m").resolve(HfModelDirectory.WEIGHTS_FILE)).getParent();
        CheckpointException e = assertThrows(CheckpointException.class, () -> HfModelDirectory.openWeights(model));
        assertTrue(e.getMessage().contains("no weights") && e.getMessage().contains("(model.safetensors is a folder, "
                + "not a file)"), e.getMessage());
    }

    @Test
    void failedSaveLeavesThePreviousDirectoryIntact() throws IOException {
        Path model = dir.resolve("m");
        Map<String, Tensor> first = parameters();
        HfModelDirectory.save(model, config(), first, null);
        Map<String, Tensor> broken = parameters();
        Tensor freed = random(3);
        freed.close();
        broken.put("zzz.freed", freed);
        assertThrows(RuntimeException.class, () -> HfModelDirectory.save(model, config(), broken, null));
        Map<String, Tensor> loaded = zerosLike(first);
        HfModelDirectory.loadWeights(model, loaded, false);
        assertArrayEquals(first.get("albert.pooler.weight").toFloatArray(), loaded.get("albert.pooler.weight").toFloatArray());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(model), files.toList(), "no temporary directory left behind");
        }
        // Saving again replaces the directory as a whole.
        Map<String, Tensor> second = parameters();
        HfModelDirectory.save(model, config().put("hidden_size", 6).put("marker", 2), second, null);
        assertEquals(2, HfModelDirectory.readConfig(model).get("marker").asInt());
        assertFalse(HfModelDirectory.tokenizerModel(model).isPresent());
    }

    @Test
    void aFolderWithOtherFilesIsRefusedAndOverwriteReplacesOnlyTheModelFiles() throws IOException {
        Path mine = Files.createDirectories(dir.resolve("mydir"));
        Path notes = Files.writeString(mine.resolve("notes.txt"), "precious\n");
        ForeignFilesException e = assertThrows(ForeignFilesException.class,
                () -> HfModelDirectory.save(mine, config(), parameters(), null));
        assertEquals(mine + ": holds 1 entry that is not part of a model directory (notes.txt); nothing was written",
                e.getMessage());
        assertEquals(List.of("notes.txt"), names(mine));

        // A lone spiece.model is the user's tokenizer, not an earlier save: refused as well.
        Path tokenizerOnly = Files.createDirectories(dir.resolve("tokenizer-only"));
        Files.writeString(tokenizerOnly.resolve(HfModelDirectory.TOKENIZER_FILE), "mine");
        assertThrows(ForeignFilesException.class, () -> HfModelDirectory.checkCanSave(tokenizerOnly, false));
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        assertTrue(assertThrows(IOException.class, () -> HfModelDirectory.checkCanSave(file, true)).getMessage()
                .contains("is a file"));

        Map<String, Tensor> first = parameters();
        HfModelDirectory.save(mine, config(), first, null, true);
        assertEquals("precious\n", Files.readString(notes));
        assertWeights(first, mine);
        Path spiece = Files.writeString(dir.resolve("source.model"), "tokenizer");
        Map<String, Tensor> second = parameters();
        HfModelDirectory.save(mine, config().put("marker", 2), second, spiece, true);
        assertEquals(List.of("config.json", "model.safetensors", "notes.txt", "special_tokens_map.json", "spiece.model",
                "tokenizer_config.json"), names(mine), "with a tokenizer come HF's tokenizer files");
        assertEquals("precious\n", Files.readString(notes));
        assertEquals(2, HfModelDirectory.readConfig(mine).get("marker").asInt());
        assertWeights(second, mine);
        assertEquals(List.of("a-file", "mydir", "source.model", "tokenizer-only"), names(dir), "no temporary left");
    }

    @Test
    void killsWhileReplacingAModelLeaveTheOldOneOrTheNewAndNeverTheUsersFiles() throws Exception {
        // A model directory and nothing else is swapped as a whole; killed after setting the old one aside, the
        // next write (or recover) puts it back.
        Path model = dir.resolve("m");
        HfModelDirectory.save(model, config(), parameters(new SplittableRandom(1)), null);
        KilledJvm.run(SaveModel.class, "after-set-aside:m", AtomicFiles.KILLED_EXIT_CODE, model.toString(), "2",
                "false");
        assertFalse(Files.exists(model));
        assertTrue(AtomicFiles.recover(model));
        assertWeights(parameters(new SplittableRandom(1)), model);
        assertEquals(List.of("m"), names(dir));
        KilledJvm.run(SaveModel.class, null, 0, model.toString(), "2", "false");
        assertWeights(parameters(new SplittableRandom(2)), model);

        // With other files, the model's files are renamed in one by one; a kill before or between those renames
        // leaves the user's file as it was, and the next save completes the model.
        Path mine = Files.createDirectories(dir.resolve("mydir"));
        Path notes = Files.writeString(mine.resolve("notes.txt"), "precious\n");
        HfModelDirectory.save(mine, config(), parameters(new SplittableRandom(1)), null, true);
        KilledJvm.run(SaveModel.class, "before-rename:mydir", AtomicFiles.KILLED_EXIT_CODE, mine.toString(), "2",
                "true");
        assertWeights(parameters(new SplittableRandom(1)), mine);
        assertTrue(names(dir).stream().anyMatch(n -> n.startsWith(".mydir.tmp-")), names(dir).toString());
        KilledJvm.run(SaveModel.class, "after-first-rename:mydir", AtomicFiles.KILLED_EXIT_CODE, mine.toString(),
                "2", "true");
        assertEquals("precious\n", Files.readString(notes));
        HfModelDirectory.save(mine, config(), parameters(new SplittableRandom(2)), null, true);
        assertWeights(parameters(new SplittableRandom(2)), mine);
        assertEquals("precious\n", Files.readString(notes));
        assertEquals(List.of("m", "mydir"), names(dir), "no temporary left");
    }

    /** Saves {@code parameters(new SplittableRandom(SEED))} into DIR: {@code SaveModel DIR SEED OVERWRITE}. */
    static final class SaveModel {
        public static void main(String[] args) throws IOException {
            HfModelDirectory.save(Path.of(args[0]), config(), parameters(new SplittableRandom(Long.parseLong(args[1]))),
                    null, Boolean.parseBoolean(args[2]));
        }
    }

    private static void assertWeights(Map<String, Tensor> expected, Path model) {
        Map<String, Tensor> loaded = zerosLike(expected);
        HfModelDirectory.loadWeights(model, loaded, false);
        for (String name : expected.keySet()) {
            assertArrayEquals(expected.get(name).toFloatArray(), loaded.get(name).toFloatArray(), name);
        }
    }

    private static List<String> names(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
