package io.albert4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.albert4j.albert.AlbertConfig;
import io.albert4j.albert.AlbertForMaskedLM;
import io.albert4j.albert.AlbertForPreTraining;
import io.albert4j.albert.AlbertForSequenceClassification;
import io.albert4j.albert.HostArray;
import io.albert4j.albert.ParameterSharing;
import io.albert4j.cli.AlbertCli;
import io.albert4j.io.onnx.proto.ModelProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exported graph, run in ONNX Runtime, against albert4j's own outputs on padded batches: every output within
 * 1e-4, for sharing layouts and activations that change the graph.
 */
class AlbertOnnxExportTest {
    private static final double TOLERANCE = 1e-4;
    // Three rows of different lengths, padded to 7, with a second segment in the first.
    private static final int[][] IDS = {{2, 17, 9, 21, 3, 14, 3}, {2, 5, 3, 0, 0, 0, 0}, {2, 8, 8, 30, 3, 0, 0}};
    private static final int[][] MASK = {{1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 0, 0, 0, 0}, {1, 1, 1, 1, 1, 0, 0}};
    private static final int[][] TYPES = {{0, 0, 0, 0, 0, 1, 1}, {0, 0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 0, 0}};

    @TempDir
    Path dir;

    /**
     * ONNX Runtime is a test-scope dependency: Maven has it, the GPU bundle's jars (runtime scope) do not. No
     * signature here names its classes, so without it this class loads and skips.
     */
    @BeforeAll
    static void needsOnnxRuntime() {
        boolean present;
        try {
            Class.forName("ai.onnxruntime.OrtEnvironment", false, AlbertOnnxExportTest.class.getClassLoader());
            present = true;
        } catch (ClassNotFoundException e) {
            present = false;
        }
        assumeTrue(present, "ONNX Runtime (com.microsoft.onnxruntime, test scope) is not on the class path");
    }

    private static AlbertConfig.Builder base() {
        return AlbertConfig.builder().vocabSize(40).embeddingSize(8).hiddenSize(16).numHiddenLayers(3)
                .numAttentionHeads(4).intermediateSize(24).maxPositionEmbeddings(16).hiddenDropoutProb(0f)
                .attentionProbsDropoutProb(0f);
    }

    private static long[][] longs(int[][] values) {
        long[][] out = new long[values.length][];
        for (int i = 0; i < values.length; i++) {
            out[i] = java.util.Arrays.stream(values[i]).asLongStream().toArray();
        }
        return out;
    }

    /** Runs the file on the batch; outputs flattened by name. */
    private static Map<String, float[]> run(Path onnx, int[][] ids, int[][] mask, int[][] types) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(onnx.toString(), new OrtSession.SessionOptions());
             OnnxTensor i = OnnxTensor.createTensor(env, longs(ids));
             OnnxTensor m = OnnxTensor.createTensor(env, longs(mask));
             OnnxTensor t = OnnxTensor.createTensor(env, longs(types));
             OrtSession.Result result = session.run(Map.of("input_ids", i, "attention_mask", m, "token_type_ids", t))) {
            Map<String, float[]> out = new HashMap<>();
            for (Map.Entry<String, OnnxValue> e : result) {
                java.nio.FloatBuffer buffer = ((OnnxTensor) e.getValue()).getFloatBuffer();
                float[] values = new float[buffer.remaining()];
                buffer.get(values);
                out.put(e.getKey(), values);
            }
            return out;
        }
    }

    private static void assertClose(HostArray expected, float[] actual, String what) {
        assertEquals(expected.values().length, actual.length, what + ": size");
        double worst = 0;
        for (int i = 0; i < actual.length; i++) {
            worst = Math.max(worst, Math.abs(expected.values()[i] - actual[i]));
        }
        assertTrue(worst <= TOLERANCE, what + ": max abs difference " + worst);
    }

    private void assertMatches(AlbertConfig config, long seed) throws Exception {
        Path onnx = dir.resolve("m" + seed + ".onnx");
        try (AlbertForPreTraining model = AlbertForPreTraining.create(config, seed)) {
            AlbertOnnxExport.export(model, EnumSet.of(AlbertOnnxExport.Head.MLM, AlbertOnnxExport.Head.SOP), onnx);
            AlbertForPreTraining.Prediction expected = model.predict(IDS, MASK, TYPES);
            Map<String, float[]> actual = run(onnx, IDS, MASK, TYPES);
            assertClose(expected.lastHiddenState(), actual.get("last_hidden_state"), "last_hidden_state");
            assertClose(expected.poolerOutput(), actual.get("pooler_output"), "pooler_output");
            assertClose(expected.predictionLogits(), actual.get("prediction_logits"), "prediction_logits");
            assertClose(expected.sopLogits(), actual.get("sop_logits"), "sop_logits");
        }
    }

    @Test
    void sharedBlockWithGeluNewMatches() throws Exception {
        assertMatches(base().hiddenAct("gelu_new").build(), 1);
    }

    @Test
    void groupsAndInnerGroupsWithExactGeluMatch() throws Exception {
        assertMatches(base().numHiddenLayers(4).numHiddenGroups(2).innerGroupNum(2).hiddenAct("gelu").build(), 2);
    }

    @Test
    void sharedAttentionAblationWithReluMatches() throws Exception {
        assertMatches(base().sharing(ParameterSharing.ATTENTION).hiddenAct("relu").embeddingSize(16).build(), 3);
    }

    @Test
    void theFileHasDynamicAxesSharedInitializersAndAnotherBatchShapeRuns() throws Exception {
        AlbertConfig config = base().hiddenAct("gelu_new").build();
        Path folder = dir.resolve("model");
        try (AlbertForPreTraining model = AlbertForPreTraining.create(config, 4)) {
            model.save(folder, null);
        }
        Path onnx = dir.resolve("encoder.onnx");
        assertEquals(0, AlbertCli.run("export-onnx", "--model", folder.toString(), "--out", onnx.toString()));
        ModelProto proto = ModelProto.parseFrom(Files.readAllBytes(onnx));
        assertTrue(proto.getOpsetImport(0).getVersion() >= 14);
        assertEquals("batch", proto.getGraph().getInput(0).getType().getTensorType().getShape().getDim(0).getDimParam());
        assertEquals("sequence", proto.getGraph().getInput(0).getType().getTensorType().getShape().getDim(1).getDimParam());
        assertEquals(List.of("last_hidden_state", "pooler_output"),
                proto.getGraph().getOutputList().stream().map(o -> o.getName()).toList());
        long queries = proto.getGraph().getInitializerList().stream()
                .filter(t -> t.getName().endsWith("attention.query.weight")).count();
        assertEquals(1, queries, "three layers, one shared block: its weights are stored once");
        assertTrue(proto.getGraph().getInitializerList().stream()
                .anyMatch(t -> t.getName().equals("embeddings.word_embeddings.weight")), "AlbertModel's HF names");

        // One row of 3 tokens: another batch size and sequence length than any seen before.
        int[][] ids = {{2, 9, 3}};
        int[][] mask = {{1, 1, 1}};
        int[][] types = {{0, 0, 0}};
        try (io.albert4j.albert.AlbertModel model = io.albert4j.albert.AlbertModel.load(folder)) {
            Map<String, float[]> actual = run(onnx, ids, mask, types);
            io.albert4j.albert.AlbertModel.Prediction expected = model.predict(ids, mask, types);
            assertClose(expected.lastHiddenState(), actual.get("last_hidden_state"), "last_hidden_state");
            assertClose(expected.poolerOutput(), actual.get("pooler_output"), "pooler_output");
        }
    }

    @Test
    void aFineTunedClassifierExportsItsLogits() throws Exception {
        Path folder = dir.resolve("classifier");
        AlbertConfig config = base().hiddenAct("gelu_new").numLabels(3).build();
        try (AlbertForSequenceClassification model = AlbertForSequenceClassification.create(config, 6)) {
            model.save(folder, null);
        }
        Path onnx = dir.resolve("classifier.onnx");
        assertEquals(0, AlbertCli.run("export-onnx", "--model", folder.toString(), "--out", onnx.toString(),
                "--heads", "classifier"));
        try (AlbertForSequenceClassification model = AlbertForSequenceClassification.load(folder)) {
            assertClose(model.predict(IDS, MASK, TYPES), run(onnx, IDS, MASK, TYPES).get("logits"), "logits");
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AlbertOnnxExport.export(folder,
                dir.resolve("y.onnx"), Set.of(AlbertOnnxExport.Head.CLASSIFIER, AlbertOnnxExport.Head.MLM)));
        assertTrue(e.getMessage().contains("export CLASSIFIER alone"), e.getMessage());
    }

    @Test
    void headsTheCheckpointLacksAreRefused() throws IOException {
        Path folder = dir.resolve("mlm");
        try (AlbertForMaskedLM model = AlbertForMaskedLM.create(base().build(), 5)) {
            model.save(folder, null);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AlbertOnnxExport.export(folder,
                dir.resolve("x.onnx"), Set.of(AlbertOnnxExport.Head.SOP)));
        assertTrue(e.getMessage().contains("sop_classifier.classifier.weight"), e.getMessage());
        AlbertOnnxExport.export(folder, dir.resolve("mlm.onnx"), Set.of(AlbertOnnxExport.Head.MLM));
        assertTrue(Files.size(dir.resolve("mlm.onnx")) > 0);
    }
}
