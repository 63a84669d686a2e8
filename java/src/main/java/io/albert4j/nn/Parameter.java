package io.albert4j.nn;

import io.albert4j.tensor.Tensor;
import java.util.Arrays;

/**
 * A learnable tensor of a {@link Module}: its shape and initialisation are known when the module is built, its
 * memory only once the owning model materialises it. This split lets the model count and name parameters for a
 * config without allocating anything (e.g. xxlarge on a laptop).
 */
public final class Parameter {
    private final int[] shape;
    private final Init init;
    private Tensor tensor;

    public Parameter(Init init, int... shape) {
        this.init = init;
        this.shape = shape.clone();
        Tensor.numelOf(shape); // rejects negative dimensions
    }

    public int[] shape() {
        return shape.clone();
    }

    public long numel() {
        return Tensor.numelOf(shape);
    }

    public Init init() {
        return init;
    }

    public boolean isMaterialized() {
        return tensor != null;
    }

    /** The values; fails when the model was built shapes-only. */
    public Tensor tensor() {
        if (tensor == null) {
            throw new IllegalStateException("parameter of shape " + Arrays.toString(shape)
                    + " has no memory: the model was built shapes-only");
        }
        return tensor;
    }

    /** Binds the memory (done once, by the owning model). */
    public void bind(Tensor values) {
        if (tensor != null) {
            throw new IllegalStateException("parameter " + values.describe() + " is already bound");
        }
        if (!Arrays.equals(values.shape(), shape)) {
            throw new IllegalArgumentException("parameter of shape " + Arrays.toString(shape) + " bound to "
                    + values.describe());
        }
        tensor = values;
    }
}
