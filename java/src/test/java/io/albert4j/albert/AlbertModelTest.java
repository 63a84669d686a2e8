package io.albert4j.albert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.albert4j.backend.Backends;
import io.albert4j.cli.AlbertCli;
import io.albert4j.io.SafetensorsReader;
import io.albert4j.io.SafetensorsWriter;
import io.albert4j.ops.Step;
import io.albert4j.tensor.StepArena;
import io.albert4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Initialisation, save/load, the inference API under concurrency, dropout seeding, and the CLI commands. */
class AlbertModelTest {
    static final AlbertConfig TINY = AlbertConfig.builder().vocabSize(50).embeddingSize(8).hiddenSize(16)
            .numHiddenLayers(2).numAttentionHeads(2).intermediateSize(24).maxPositionEmbeddings(16).build();
    static final int[][] IDS = {{2, 7, 9, 11, 3, 0}, {2, 5, 3, 0, 0, 0}};
    static final int[][] MASK = {{1, 1, 1, 1, 1, 0}, {1, 1, 1, 0, 0, 0}};
    static final int[][] TYPES = {{0, 0, 0, 1, 1, 0}, {0, 0, 1, 0, 0, 0}};

    @Test
    void initialisationIsHuggingFacesAndReproducible() {
        AlbertConfig config = TINY.toBuilder().vocabSize(2000).embeddingSize(32).build();
        try (AlbertForPreTraining a = AlbertForPreTraining.create(config, 7);
             AlbertForPreTraining b = AlbertForPreTraining.create(config, 7);
             AlbertForPreTraining c = AlbertForPreTraining.create(config, 8)) {
            Map<String, Tensor> pa = a.namedParameters();
            Map<String, Tensor> pb = b.namedParameters();
            for (String key : pa.keySet()) {
                assertArrayEquals(pa.get(key).toFloatArray(), pb.get(key).toFloatArray(), key + ": same seed");
                assertEquals(key, pa.get(key).name());
            }
            float[] word = pa.get("albert.embeddings.word_embeddings.weight").toFloatArray();
            assertFalse(java.util.Arrays.equals(word,
                    c.namedParameters().get("albert.embeddings.word_embeddings.weight").toFloatArray()));
            for (int i = 0; i < 32; i++) {
                assertEquals(0f, word[i], "pad row (pad_token_id 0) is zero");
            }
            double sum = 0;
            double sumSquares = 0;
            for (int i = 32; i < word.length; i++) {
                sum += word[i];
                sumSquares += word[i] * (double) word[i];
            }
            int n = word.length - 32;
            assertEquals(0.0, sum / n, 0.002);
            assertEquals(0.02, Math.sqrt(sumSquares / n), 0.001, "normal(0, initializer_range)");
            assertTrue(allEqual(pa.get("albert.embeddings.LayerNorm.weight"), 1f));
            assertTrue(allEqual(pa.get("predictions.LayerNorm.bias"), 0f));
            assertTrue(allEqual(pa.get("predictions.bias"), 0f));
            assertTrue(allEqual(pa.get("albert.pooler.bias"), 0f));
        }
    }

    @Test
    void saveThenLoadGivesIdenticalOutputs(@TempDir Path dir) {
        Path modelDir = dir.resolve("tiny");
        AlbertForPreTraining.Prediction before;
        try (AlbertForPreTraining model = AlbertForPreTraining.create(TINY, 3)) {
            before = model.predict(IDS, MASK, TYPES);
            model.save(modelDir, null);
        }
        try (AlbertForPreTraining loaded = AlbertForPreTraining.load(modelDir);
             AlbertForMaskedLM maskedLm = AlbertForMaskedLM.load(modelDir)) {
            assertEquals(TINY, loaded.config().toBuilder().extra(Map.of()).build());
            AlbertForPreTraining.Prediction after = loaded.predict(IDS, MASK, TYPES);
            assertArrayEquals(before.predictionLogits().values(), after.predictionLogits().values());
            assertArrayEquals(before.sopLogits().values(), after.sopLogits().values());
            assertArrayEquals(before.poolerOutput().values(), after.poolerOutput().values());
            assertArrayEquals(before.predictionLogits().values(), maskedLm.predict(IDS, MASK, TYPES).values(),
                    "the masked-LM model loads the pretraining checkpoint without its SOP head");
        }
    }

    @Test
    void predictIsThreadSafeAndMatchesTheTrainingForward() throws Exception {
        try (AlbertForPreTraining model = AlbertForPreTraining.create(TINY, 5)) {
            float[] expected = model.predict(IDS, MASK, TYPES).predictionLogits().values();
            assertArrayEquals(new int[] {2, 6, 50}, model.predict(IDS, MASK, TYPES).predictionLogits().shape());
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<float[]>> results = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    results.add(pool.submit(() -> model.predict(IDS, MASK, TYPES).predictionLogits().values()));
                }
                for (Future<float[]> r : results) {
                    assertArrayEquals(expected, r.get());
                }
            } finally {
                pool.shutdown();
            }
            try (StepArena arena = new StepArena(Backends.cpu(), 1 << 20);
                 Step step = Step.inference(Backends.cpu(), arena)) {
                AlbertForPreTrainingOutput out = model.forward(AlbertInputs.copyOf(IDS, MASK, TYPES), 0L);
                assertArrayEquals(expected, out.predictionLogits().toFloatArray());
                assertEquals(null, out.loss(), "no labels, no loss");
            }
        }
    }

    @Test
    void loadParametersRefusesATiedDecoderThatDiffersFromTheEmbeddings() {
        try (AlbertForPreTraining source = AlbertForPreTraining.create(TINY, 3);
             AlbertForPreTraining target = AlbertForPreTraining.create(TINY, 4)) {
            Map<String, Tensor> values = new LinkedHashMap<>();
            source.namedParameters().forEach((k, v) -> values.put(k, Tensor.ofFloats(v.toFloatArray(), v.shape())));
            Tensor table = values.get("albert.embeddings.word_embeddings.weight");
            values.put("predictions.decoder.weight", Tensor.ofFloats(table.toFloatArray(), table.shape()));
            target.loadParameters(values);  // an exact copy is what a tied checkpoint holds
            float[] other = table.toFloatArray();
            other[100] += 1f;
            values.put("predictions.decoder.weight", Tensor.ofFloats(other, table.shape()));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> target.loadParameters(values));
            assertTrue(e.getMessage().contains("'predictions.decoder.weight' differs from "
                    + "'albert.embeddings.word_embeddings.weight'"), e.getMessage());
        }
    }

    @Test
    void dropoutIsSeededPerStepAndOffInEval() {
        AlbertConfig config = TINY.toBuilder().hiddenDropoutProb(0.1f).attentionProbsDropoutProb(0.1f).build();
        try (AlbertForPreTraining model = AlbertForPreTraining.create(config, 1);
             StepArena arena = new StepArena(Backends.cpu(), 1 << 20)) {
            float[] eval = logits(model, arena, 11);
            model.train();
            float[] seed11 = logits(model, arena, 11);
            assertArrayEquals(seed11, logits(model, arena, 11), "same seed, same masks");
            assertFalse(java.util.Arrays.equals(seed11, logits(model, arena, 12)), "another seed, other masks");
            assertFalse(java.util.Arrays.equals(seed11, eval));
            model.eval();
            assertArrayEquals(eval, logits(model, arena, 12), "eval mode ignores the seed");
        }
    }

    private static float[] logits(AlbertForPreTraining model, StepArena arena, long seed) {
        try (Step step = Step.inference(Backends.cpu(), arena)) {
            return model.forward(AlbertInputs.copyOf(IDS, MASK, TYPES), seed).predictionLogits().toFloatArray();
        }
    }

    @Test
    void loadRejectsMismatchedWeights(@TempDir Path dir) {
        Path modelDir = dir.resolve("m");
        try (AlbertForPreTraining model = AlbertForPreTraining.create(TINY, 3)) {
            model.save(modelDir, null);
        }
        AlbertConfig wider = TINY.toBuilder().intermediateSize(32).build();
        wider.write(modelDir.resolve("config.json"));
        RuntimeException e = assertThrows(RuntimeException.class, () -> AlbertForPreTraining.load(modelDir));
        assertTrue(e.getMessage().contains("ffn.weight"), e.getMessage());
        try (AlbertForPreTraining model = AlbertForPreTraining.create(TINY, 3)) {
            Map<String, Tensor> partial = new LinkedHashMap<>(model.namedParameters());
            partial.remove("albert.pooler.bias");
            IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                    () -> model.loadParameters(partial));
            assertTrue(missing.getMessage().contains("missing tensor 'albert.pooler.bias'"), missing.getMessage());
        }
    }

    @Test
    void cliInitThenForwardWithGradients(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("tiny.json");
        TINY.write(config);
        Path modelDir = dir.resolve("model");
        assertEquals(0, AlbertCli.run("init", "--config", config.toString(), "--out", modelDir.toString(),
                "--seed", "9"));
        Path inputs = dir.resolve("in.safetensors");
        Map<String, Tensor> batch = new LinkedHashMap<>();
        batch.put("input_ids", Tensor.ofInts(AlbertInputs.flatten("ids", IDS, 2, 6), 2, 6));
        batch.put("attention_mask", Tensor.ofInts(AlbertInputs.flatten("mask", MASK, 2, 6), 2, 6));
        batch.put("token_type_ids", Tensor.ofInts(AlbertInputs.flatten("types", TYPES, 2, 6), 2, 6));
        batch.put("labels", Tensor.ofInts(new int[] {-100, 12, -100, -100, 4, -100, -100, 8, -100, -100, -100, -100},
                2, 6));
        batch.put("sentence_order_label", Tensor.ofInts(new int[] {0, 1}, 2));
        SafetensorsWriter.write(inputs, batch, Map.of());
        Path out = dir.resolve("out.safetensors");
        assertEquals(0, AlbertCli.run("forward", "--model", modelDir.toString(), "--inputs", inputs.toString(),
                "--out", out.toString(), "--grads"));
        try (AlbertForPreTraining model = AlbertForPreTraining.load(modelDir);
             SafetensorsReader result = SafetensorsReader.open(out)) {
            assertArrayEquals(model.predict(IDS, MASK, TYPES).predictionLogits().values(),
                    result.readF32("prediction_logits").toFloatArray());
            float loss = result.readF32("loss").getFloat(0);
            assertTrue(loss > 0 && Float.isFinite(loss));
            for (Map.Entry<String, int[]> p : model.parameterShapes().entrySet()) {
                assertArrayEquals(p.getValue(), result.info("grad." + p.getKey()).shape(), p.getKey());
            }
            assertNotEquals(0f, maxAbs(result.readF32("grad.albert.pooler.weight").toFloatArray()));
        }
        assertNotEquals(0, AlbertCli.run("init", "--config", "gigantic", "--out", dir.resolve("x").toString()));
    }

    private static boolean allEqual(Tensor t, float value) {
        for (float v : t.toFloatArray()) {
            if (v != value) {
                return false;
            }
        }
        return true;
    }

    private static float maxAbs(float[] values) {
        float m = 0;
        for (float v : values) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
