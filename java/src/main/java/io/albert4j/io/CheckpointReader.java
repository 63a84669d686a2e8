package io.albert4j.io;

import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.Set;

/**
 * The named tensors of a checkpoint, whatever its format: a safetensors file ({@link SafetensorsReader}), a sharded
 * safetensors or {@code pytorch_model.bin} folder ({@link ShardedCheckpointReader}), a {@code pytorch_model.bin}
 * ({@code io.torch.TorchCheckpointReader}), a TensorFlow bundle ({@code io.tf.TensorBundleReader}).
 *
 * <p>Opening validates everything a reader can check without reading the tensors' bytes (names, types, shapes,
 * byte ranges against the files' sizes), so {@link #stored} never lies and {@link #read} allocates no more than the
 * file holds. A tensor's own checks (a checksum, a pickle's strides) run when it is read. Every problem is a
 * {@link CheckpointException} naming the file and the tensor.
 */
public interface CheckpointReader extends AutoCloseable {
    /** What was opened: a file, a shard index, a bundle prefix. */
    Path path();

    /** Tensor names in the checkpoint's own order. */
    Set<String> names();

    default boolean contains(String name) {
        return names().contains(name);
    }

    /** Type, shape and file of tensor {@code name}; a {@link CheckpointException} if there is none. */
    StoredTensor stored(String name);

    /**
     * The tensor as a host tensor of type {@code as}: F32 from F32, F16, BF16 or F64; I32 from I32 or I64
     * (range-checked); BF16 from BF16. It may be a view that dies with this reader: copy what must outlive it;
     * closing it is always safe.
     */
    Tensor read(String name, DType as);

    default Tensor readF32(String name) {
        return read(name, DType.F32);
    }

    @Override
    void close();
}
