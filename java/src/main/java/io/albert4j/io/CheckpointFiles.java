package io.albert4j.io;

import io.albert4j.io.tf.TensorBundleReader;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens whatever a user points at as a checkpoint: an HF model folder (any of its weight layouts), a safetensors
 * file, a {@code pytorch_model.bin}, a shard index, or a TensorFlow bundle by its prefix ({@code model.ckpt-1000})
 * or its {@code .index} file.
 */
public final class CheckpointFiles {
    private CheckpointFiles() {
    }

    public static CheckpointReader open(Path path) {
        if (Files.isDirectory(path)) {
            return HfModelDirectory.openWeights(path);
        }
        String name = path.getFileName().toString();
        if (name.endsWith(".index") || name.contains(".data-") || (!Files.exists(path)
                && TensorBundleReader.isBundle(path))) {
            return TensorBundleReader.open(path);
        }
        if (!Files.exists(path)) {
            throw new CheckpointException(path, "does not exist (nor is it a TensorFlow checkpoint prefix: there is no "
                    + path.getFileName() + ".index)");
        }
        return HfModelDirectory.openFile(path);
    }
}
