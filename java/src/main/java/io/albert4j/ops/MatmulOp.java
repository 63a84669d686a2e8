package io.albert4j.ops;

import io.albert4j.backend.Backend;
import io.albert4j.tensor.DType;
import io.albert4j.tensor.Tensor;
import java.util.Arrays;

/**
 * {@code op(a)·op(b)} for 2-D operands, or for 3-D ones batched over the first dim (one strided a4j_gemm call).
 * op(x) is x or its transpose over the last two dims, so attention-style products need no transpose copies.
 * Backward: d op(a) = dC·op(b)ᵀ and d op(b) = op(a)ᵀ·dC, each written straight into the stored layout.
 */
final class MatmulOp {
    private static final String OP = "matmul";

    private MatmulOp() {
    }

    static Tensor apply(Tensor a, boolean transA, Tensor b, boolean transB) {
        Step step = Step.current();
        Backend backend = step.backend();
        OpChecks.require(OP, "a", a, DType.F32, backend.device());
        OpChecks.require(OP, "b", b, DType.F32, backend.device());
        if ((a.rank() != 2 && a.rank() != 3) || a.rank() != b.rank()) {
            throw new IllegalArgumentException(OP + ": 'a' " + Arrays.toString(a.shape()) + " and 'b' "
                    + Arrays.toString(b.shape()) + " must both be 2-D or both 3-D");
        }
        boolean batched = a.rank() == 3;
        int batch = batched ? a.dim(0) : 1;
        if (batched && b.dim(0) != batch) {
            throw new IllegalArgumentException(OP + ": batch dims differ: 'a' " + Arrays.toString(a.shape()) + ", 'b' "
                    + Arrays.toString(b.shape()));
        }
        int aRows = a.dim(-2), aCols = a.dim(-1);
        int bRows = b.dim(-2), bCols = b.dim(-1);
        int m = transA ? aCols : aRows;
        int k = transA ? aRows : aCols;
        int kb = transB ? bCols : bRows;
        int n = transB ? bRows : bCols;
        if (k != kb) {
            throw new IllegalArgumentException(OP + ": inner dims differ: op('a') of " + Arrays.toString(a.shape())
                    + (transA ? " (transposed)" : "") + " has " + k + " columns, op('b') of " + Arrays.toString(b.shape())
                    + (transB ? " (transposed)" : "") + " has " + kb + " rows");
        }
        Tensor c = batched ? step.allocate(DType.F32, batch, m, n) : step.allocate(DType.F32, m, n);
        long strideA = (long) aRows * aCols, strideB = (long) bRows * bCols, strideC = (long) m * n;
        backend.gemm(transA, transB, m, n, k, 1.0f, a, aCols, strideA, b, bCols, strideB, 0.0f, c, n, strideC, batch);
        step.record(OP, c, (dc, tape) -> {
            Tensor da = tape.gradFor(a);
            if (da != null) {
                if (!transA) { // da[m, k] += dC[m, n] · op(b)ᵀ
                    backend.gemm(false, !transB, m, k, n, 1.0f, dc, n, strideC, b, bCols, strideB, 1.0f, da, aCols,
                            strideA, batch);
                } else {       // da[k, m] += op(b)[k, n] · dCᵀ
                    backend.gemm(transB, true, k, m, n, 1.0f, b, bCols, strideB, dc, n, strideC, 1.0f, da, aCols,
                            strideA, batch);
                }
            }
            Tensor db = tape.gradFor(b);
            if (db != null) {
                if (!transB) { // db[k, n] += op(a)ᵀ · dC
                    backend.gemm(!transA, false, k, n, m, 1.0f, a, aCols, strideA, dc, n, strideC, 1.0f, db, bCols,
                            strideB, batch);
                } else {       // db[n, k] += dCᵀ · op(a)
                    backend.gemm(true, transA, n, k, m, 1.0f, dc, n, strideC, a, aCols, strideA, 1.0f, db, bCols,
                            strideB, batch);
                }
            }
        }, a, b);
        return c;
    }
}
