package io.albert4j.testing;

import io.albert4j.backend.Backends;
import io.albert4j.data.DataCursor;
import io.albert4j.train.PretrainingOptions;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Run from the class path against albert4j on the module path (ModuleDescriptorTest): what a modular app sees.
 * Prints one line per check; exits 1 on the first that fails.
 */
public final class ModuleSmokeMain {
    private ModuleSmokeMain() {
    }

    public static void main(String[] args) throws Exception {
        if (!ModuleSmokeMain.class.getModule().isNamed() && Backends.class.getModule().isNamed()) {
            System.out.println("module " + Backends.class.getModule().getName());
        }
        // ServiceLoader through the module's uses/provides, and the native library from the jar's resources.
        System.out.println("backend " + Backends.cpu().description());
        // Jackson binds the records of the opened packages.
        DataCursor cursor = DataCursor.fromJson(DataCursor.start(7).toJson());
        System.out.println("cursor " + cursor.seed());
        System.out.println("options " + new ObjectMapper().valueToTree(PretrainingOptions.defaults()).get("seed"));
        // The checkpoint readers and the ONNX writer with their libraries (protobuf, snappy-java) as modules.
        java.nio.file.Path views = java.nio.file.Path.of(ModuleSmokeMain.class.getResource("/fixtures/torch/views.bin")
                .toURI());
        try (var reader = io.albert4j.io.torch.TorchCheckpointReader.open(views)) {
            System.out.println("torch scalar " + reader.readF32("scalar").toFloatArray()[0]);
        }
        var config = io.albert4j.albert.AlbertConfig.builder().vocabSize(10).embeddingSize(4).hiddenSize(8)
                .numHiddenLayers(1).numAttentionHeads(2).intermediateSize(8).maxPositionEmbeddings(8).build();
        java.nio.file.Path onnx = java.nio.file.Files.createTempFile("albert4j-module", ".onnx");
        try (var model = io.albert4j.albert.AlbertModel.create(config, 1)) {
            io.albert4j.io.onnx.AlbertOnnxExport.export(model, java.util.Set.of(), onnx);
            System.out.println("onnx written: " + (java.nio.file.Files.size(onnx) > 0));
        } finally {
            java.nio.file.Files.deleteIfExists(onnx);
        }
        java.nio.file.Path bundle = java.nio.file.Path.of(System.getProperty("albert4j.sharedData", "../shared/data"),
                "tf-checkpoints", "saved_model_half_plus_two_cpu", "variables");
        if (io.albert4j.io.tf.TensorBundleReader.isBundle(bundle)) {
            try (var reader = io.albert4j.io.tf.TensorBundleReader.open(bundle)) {  // a Snappy-compressed block
                System.out.println("tf bundle b = " + reader.readF32("b").toFloatArray()[0]);
            }
        } else {
            System.out.println("tf bundle absent (shared/data/tf-checkpoints)");
        }
        // The Panama plumbing is not exported: reflection from outside is refused.
        try {
            Class.forName("io.albert4j.backend.internal.NativeLibraries").getMethod("locate", String.class)
                    .invoke(null, "albert4j_cpu");
            System.out.println("internal reachable");
            System.exit(1);
        } catch (IllegalAccessException expected) {
            System.out.println("internal refused");
        }
    }
}
