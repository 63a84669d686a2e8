package io.albert4j.ops;

import io.albert4j.tensor.DType;
import io.albert4j.tensor.Device;
import io.albert4j.tensor.Tensor;
import java.util.Arrays;

/**
 * Argument checks every op runs before any downcall. Messages name the op, the argument and the shapes involved:
 * {@code layer_norm: 'gamma' has shape [5], expected [4] (last dim of 'x' [2, 4])}.
 */
public final class OpChecks {
    private OpChecks() {
    }

    /** Non-null, alive, of the dtype, on the step's device. */
    public static Tensor require(String op, String argument, Tensor t, DType dtype, Device device) {
        if (t == null) {
            throw new NullPointerException(op + ": argument '" + argument + "' is null");
        }
        if (!t.isAlive()) {
            throw new IllegalStateException(op + ": argument '" + argument + "' " + t.describe()
                    + " was freed (its step arena was reset or it was closed)");
        }
        if (t.dtype() != dtype) {
            throw new IllegalArgumentException(op + ": argument '" + argument + "' must be " + dtype + ", got "
                    + t.describe());
        }
        if (!t.device().equals(device)) {
            throw new IllegalArgumentException(op + ": argument '" + argument + "' " + t.describe()
                    + " is not on the step's device " + device);
        }
        return t;
    }

    public static void requireRank(String op, String argument, Tensor t, int rank) {
        if (t.rank() != rank) {
            throw new IllegalArgumentException(op + ": argument '" + argument + "' must have rank " + rank
                    + ", got shape " + Arrays.toString(t.shape()));
        }
    }

    public static void requireRankAtLeast(String op, String argument, Tensor t, int rank) {
        if (t.rank() < rank) {
            throw new IllegalArgumentException(op + ": argument '" + argument + "' must have rank >= " + rank
                    + ", got shape " + Arrays.toString(t.shape()));
        }
    }

    /** Exact shape, with the reason it is expected (e.g. "last dim of 'x' [2, 4]"). */
    public static void requireShape(String op, String argument, Tensor t, String because, int... expected) {
        if (!Arrays.equals(t.shape(), expected)) {
            throw new IllegalArgumentException(op + ": '" + argument + "' has shape " + Arrays.toString(t.shape())
                    + ", expected " + Arrays.toString(expected) + (because == null ? "" : " (" + because + ")"));
        }
    }

    public static void requireSameShape(String op, String argumentA, Tensor a, String argumentB, Tensor b) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException(op + ": '" + argumentA + "' " + Arrays.toString(a.shape()) + " and '"
                    + argumentB + "' " + Arrays.toString(b.shape()) + " must have the same shape");
        }
    }

    public static void requireDim(String op, String argument, Tensor t, int axis, int expected, String because) {
        if (t.dim(axis) != expected) {
            throw new IllegalArgumentException(op + ": '" + argument + "' " + Arrays.toString(t.shape()) + " has "
                    + t.dim(axis) + " in dim " + axis + ", expected " + expected + " (" + because + ")");
        }
    }

    /** Every id in {@code [0, limit)}; reads the ids on the host. */
    public static void requireIdsInRange(String op, String argument, Tensor ids, int limit, int allowedOutside) {
        if (!ids.device().isCpu()) {
            return; // device ids are validated where they were created (data pipeline / loaders)
        }
        int[] values = ids.toIntArray();
        for (int i = 0; i < values.length; i++) {
            int id = values[i];
            if ((id < 0 || id >= limit) && id != allowedOutside) {
                throw new IndexOutOfBoundsException(op + ": '" + argument + "'[" + i + "] = " + id
                        + " is out of range [0, " + limit + ")");
            }
        }
    }

    /** Product of all dims but the last. */
    public static int rows(Tensor t) {
        return (int) (t.numel() / Math.max(1, t.dim(-1)));
    }
}
