package io.albert4j.train;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Updates a model's parameters from their gradient buffers. Implementations: {@link Lamb} (pretraining) and
 * {@link AdamW} (fine-tuning), both as GR's optimization.py / lamb_optimizer.py.
 */
public interface Optimizer extends AutoCloseable {

    /** One update with learning rate {@code lr} from the gradients currently in the parameters' grad buffers. */
    void step(float lr);

    /** Sets every parameter's gradient buffer to zero. */
    void zeroGrad();

    /** Updates applied so far (skipped steps not counted). */
    long stepCount();

    /** Writes the moments ("m.PARAM", "v.PARAM") and the step count to a safetensors file, atomically. */
    void saveState(Path file) throws IOException;

    /** Restores what {@link #saveState} wrote; every moment must be present with its parameter's shape. */
    void loadState(Path file);

    /** Frees the optimizer state (moments). */
    @Override
    void close();
}
